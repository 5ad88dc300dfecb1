{#- guarded_replace_sql with the arguments dbt's incremental materializations pass, and the
    literal game list Delta needs, read at execution: the games of the batch output plus those
    whose rows the guarded merge would retract (scoped build: the scoped games; otherwise the
    games holding rows older than their watermark, which the merge sweeps over the table).
    The batch output (dbt's temp view over the model) is cached first, so the model runs once
    for the list and the write; kappa.release_replace_source (post-hook) uncaches it.
    Spark CACHE TABLE: https://spark.apache.org/docs/latest/sql-ref-syntax-aux-cache-cache-table.html -#}
{% macro guarded_replace_from_dbt(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set watermark = kappa.game_watermark(target) -%}
    {%- set scope = kappa.build_scope_relation() -%}
    {%- set game_pks = [] -%}
    {%- if execute -%}
        {%- do run_query('cache table ' ~ source) -%}
        {%- set games_sql -%}
            select game_pk from {{ source }}
            union
            {% if scope is not none -%}
            select game_pk from {{ scope }}
            {%- else -%}
            select t.game_pk
            from {{ target }} as t
            inner join {{ watermark }} as w on w.game_pk = t.game_pk
            where {{ kappa.capture_is_older('t', 'w') }}
            {%- endif %}
        {%- endset -%}
        {%- set game_pks = run_query(games_sql).columns[0].values() | map('int') | sort -%}
    {%- endif -%}
    {{ kappa.guarded_replace_sql(
        target=target,
        source=source,
        unique_key=kappa.as_key_list(arg_dict['unique_key']),
        columns=arg_dict['dest_columns'] | map(attribute='name') | list,
        watermark=watermark,
        game_pks=game_pks | list,
        scope=scope,
    ) }}
{%- endmacro %}
