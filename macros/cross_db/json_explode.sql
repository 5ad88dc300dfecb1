{#- A FROM-clause fragment: one row per element of the JSON array at a dotted path of
    `expression`, as `alias.value` (JSON) and `alias.pos` (0-based position). A missing path,
    JSON null or a non-array gives no rows (not an error). Explode the smallest sub-document.
    Postgres: https://www.postgresql.org/docs/current/functions-json.html (jsonb_array_elements)
    Spark: https://spark.apache.org/docs/latest/api/sql/#variant_explode -#}
{% macro json_explode(expression, path, alias) -%}
    {{ return(adapter.dispatch('json_explode', 'kappa')(expression, path, alias)) }}
{%- endmacro %}

{% macro default__json_explode(expression, path, alias) -%}
    {{ exceptions.raise_compiler_error("json_explode: JSON arrays not supported on " ~ target.type) }}
{%- endmacro %}

{% macro postgres__json_explode(expression, path, alias) -%}
    {%- set array = kappa.json_get(expression, path) -%}
    cross join lateral (
        select element.value, element.ordinality - 1 as pos
        from jsonb_array_elements(
            case when jsonb_typeof({{ array }}) = 'array' then {{ array }} else '[]'::jsonb end
        ) with ordinality as element (value, ordinality)
    ) as {{ alias }}
{%- endmacro %}

{% macro spark__json_explode(expression, path, alias) -%}
    {#- variant_explode also explodes objects: keep arrays only -#}
    {%- set walk = kappa.spark_path_walk(expression, path, alias) -%}
    {{ walk.joins }}
    cross join lateral variant_explode(
        case when try_variant_get({{ walk.value }}, '$[0]', 'variant') is not null then {{ walk.value }} end
    ) as {{ alias }}
{%- endmacro %}
