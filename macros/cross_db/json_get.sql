{#- A sub-document at a dotted path, still JSON (jsonb / VARIANT); NULL when missing.
    Take sub-documents out of the 1-2 MB feed once, before exploding (docs/performance.md, the detoast pitfall).
    Postgres #>: https://www.postgresql.org/docs/current/functions-json.html
    Spark try_variant_get: https://spark.apache.org/docs/latest/api/sql/#try_variant_get -#}
{% macro json_get(expression, path) -%}
    {{ return(adapter.dispatch('json_get', 'kappa')(expression, path)) }}
{%- endmacro %}

{% macro default__json_get(expression, path) -%}
    {{ exceptions.raise_compiler_error("json_get: JSON not supported on " ~ target.type) }}
{%- endmacro %}

{#- the empty path is the value itself: no `#> '{}'` copy of it -#}
{% macro postgres__json_get(expression, path) -%}
    {%- if path -%}
    ({{ expression }} #> {{ kappa.json_path(path) }})
    {%- else -%}
    ({{ expression }})
    {%- endif -%}
{%- endmacro %}

{% macro spark__json_get(expression, path) -%}
    {%- if path -%}
    try_variant_get({{ expression }}, {{ kappa.json_path(path) }}, 'variant')
    {%- else -%}
    ({{ expression }})
    {%- endif -%}
{%- endmacro %}
