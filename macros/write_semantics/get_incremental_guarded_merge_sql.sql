{#- dbt custom incremental strategy `guarded_merge` (dbt-adapters looks up
    get_incremental_<strategy>_sql): https://docs.getdbt.com/docs/build/incremental-strategy
    Postgres MERGE: https://www.postgresql.org/docs/current/sql-merge.html
    Spark (Delta Lake) MERGE: https://docs.delta.io/latest/delta-update.html#upsert-into-a-table-using-merge
    Delta Lake replaceWhere: https://docs.delta.io/latest/delta-batch.html#selectively-overwrite-data-with-replacewhere -#}
{% macro get_incremental_guarded_merge_sql(arg_dict) -%}
    {{ return(adapter.dispatch('get_incremental_guarded_merge_sql', 'kappa')(arg_dict)) }}
{%- endmacro %}

{% macro default__get_incremental_guarded_merge_sql(arg_dict) -%}
    {{ exceptions.raise_compiler_error("guarded_merge: incremental strategy not supported on " ~ target.type) }}
{%- endmacro %}

{#- Postgres: writers of one table (dbt threads, the stream) are serialised by an advisory lock
    held until commit, since concurrent MERGEs inserting the same key would fail. -#}
{% macro postgres__get_incremental_guarded_merge_sql(arg_dict) -%}
    {{ kappa.serving_table_lock(arg_dict['target_relation']) }};
    {{ kappa.guarded_merge_from_dbt(arg_dict) }}
{%- endmacro %}

{#- Spark (Delta tables): the game watermark by the guarded merge, every other table by the
    per-game replacement (kappa.writes_by_replace), as the stream's Delta sink does. -#}
{% macro spark__get_incremental_guarded_merge_sql(arg_dict) -%}
    {%- if kappa.writes_by_replace(arg_dict['target_relation']) -%}
        {{ kappa.guarded_replace_from_dbt(arg_dict) }}
    {%- else -%}
        {{ kappa.guarded_merge_from_dbt(arg_dict) }}
    {%- endif -%}
{%- endmacro %}
