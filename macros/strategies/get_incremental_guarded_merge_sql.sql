{#- dbt custom incremental strategy `guarded_merge` (dbt-adapters looks up
    get_incremental_<strategy>_sql): https://docs.getdbt.com/docs/build/incremental-strategy -#}
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

{% macro spark__get_incremental_guarded_merge_sql(arg_dict) -%}
    {{ kappa.guarded_merge_from_dbt(arg_dict) }}
{%- endmacro %}

{#- guarded_merge_sql with the arguments dbt's incremental materializations pass -#}
{% macro guarded_merge_from_dbt(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {{ kappa.guarded_merge_sql(
        target=target,
        source=arg_dict['temp_relation'],
        unique_key=kappa.as_key_list(arg_dict['unique_key']),
        columns=arg_dict['dest_columns'] | map(attribute='name') | list,
        watermark=kappa.game_watermark(target),
    ) }}
{%- endmacro %}

{#- The game watermark of a serving table: live_game_metadata in the same schema. -#}
{% macro game_watermark(target) -%}
    {{ return(target.incorporate(path={"identifier": "live_game_metadata"})) }}
{%- endmacro %}

{% macro as_key_list(unique_key) -%}
    {{ return([unique_key] if unique_key is string else unique_key) }}
{%- endmacro %}

{#- Postgres transaction-scoped lock per serving table, shared by dbt and the stream. -#}
{% macro serving_table_lock(target) -%}
    select pg_advisory_xact_lock(hashtext('kappa.serving.{{ target.identifier }}'))
{%- endmacro %}
