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

{#- the empty path is the value itself: no `#> '{}'` copy of it; one key is `->` (no text[]
    path to take apart on every row: pitch_events 2.3 s -> 1.9 s on 300 games with json_text
    and json_typed doing the same) -#}
{% macro postgres__json_get(expression, path) -%}
    {%- if path and '.' not in path -%}
    ({{ expression }} -> '{{ path }}')
    {%- elif path -%}
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
