{#- The relation that holds the captures a scoped build applies (game_pk, captured_at, raw_id:
    the newest capture of each scoped game when the build started), or none when the build has
    no scope (kappa.build_scope_vars). Created by kappa.create_build_scope (on-run-start), read by
    the staging model (only these captures are transformed) and by the guarded merge (the
    scoped games' rows that the models no longer produce are retracted), dropped by
    kappa.drop_build_scope (on-run-end). Named after the invocation, so concurrent builds never
    share one. Postgres: a table in the raw log's schema (every dbt thread has its own
    connection); Spark: a cached temporary view of the build's session. -#}
{% macro build_scope_relation() -%}
    {%- if kappa.build_scope_vars() is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set name = 'kappa_build_scope_' ~ (invocation_id | replace('-', '')) -%}
    {%- if target.type == 'postgres' -%}
        {{ return(api.Relation.create(schema=var('raw_schema'), identifier=name).include(database=false)) }}
    {%- endif -%}
    {{ return(name) }}
{%- endmacro %}
