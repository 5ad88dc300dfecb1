{#- on-run-start: materialise the captures of a scoped build once (kappa.build_scope_relation,
    kappa.build_scope_sql), before any model runs, so that every model and every merge of the
    build sees the same captures even while the stream or the loader writes. Nothing without a
    scope. Spark: https://spark.apache.org/docs/latest/sql-ref-syntax-aux-cache-cache-table.html -#}
{% macro create_build_scope() -%}
    {%- set scope = kappa.build_scope_vars() -%}
    {%- if scope is not none and execute -%}
        {%- set relation = kappa.build_scope_relation() -%}
        {%- if target.type == 'postgres' -%}
            {%- do run_query('create table ' ~ relation ~ ' as ' ~ kappa.build_scope_sql(scope)) -%}
            {%- do run_query('analyze ' ~ relation) -%}
        {%- else -%}
            {%- do run_query('cache table ' ~ relation ~ ' as ' ~ kappa.build_scope_sql(scope)) -%}
        {%- endif -%}
        {%- set found = run_query('select game_pk from ' ~ relation).columns[0].values() | map('int') | list -%}
        {{ log("build scope " ~ tojson(scope) ~ ": " ~ found | length ~ " game(s)", info=true) }}
        {%- set missing = (scope.game_pks or []) | reject('in', found) | list -%}
        {%- if missing -%}
            {{ exceptions.warn("build scope: game_pks " ~ tojson(missing) ~ " have no capture in the raw log " ~ api.Relation.create(schema=var('raw_schema'), identifier='live_game_v1') ~ "; nothing to rebuild for them") }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
