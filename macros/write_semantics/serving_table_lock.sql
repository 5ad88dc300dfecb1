{#- Postgres transaction-scoped lock per serving table, shared by dbt and the stream.
    https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS -#}
{% macro serving_table_lock(target) -%}
    select pg_advisory_xact_lock(hashtext('kappa.serving.{{ target.identifier }}'))
{%- endmacro %}
