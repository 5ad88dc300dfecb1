{#- The scalar at a dotted path as text (numbers and booleans as their JSON spelling);
    NULL when missing or JSON null.
    Postgres #>>: https://www.postgresql.org/docs/current/functions-json.html
    Spark: https://spark.apache.org/docs/latest/api/sql/#try_variant_get -#}
{% macro json_text(expression, path) -%}
    {{ return(adapter.dispatch('json_text', 'kappa')(expression, path)) }}
{%- endmacro %}

{% macro default__json_text(expression, path) -%}
    {{ exceptions.raise_compiler_error("json_text: JSON not supported on " ~ target.type) }}
{%- endmacro %}

{#- one key is `->>` (cheaper than a one-element #>> path; see postgres__json_get) -#}
{% macro postgres__json_text(expression, path) -%}
    {%- if path and '.' not in path -%}
    ({{ expression }} ->> '{{ path }}')
    {%- else -%}
    ({{ expression }} #>> {{ kappa.json_path(path) }})
    {%- endif -%}
{%- endmacro %}

{% macro spark__json_text(expression, path) -%}
    try_variant_get({{ expression }}, {{ kappa.json_path(path) }}, 'string')
{%- endmacro %}
