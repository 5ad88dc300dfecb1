{#- A FROM-clause fragment: one row per member of the JSON object at a dotted path of
    `expression`, as `alias.key` (text) and `alias.value` (JSON). A missing path, JSON null or a
    non-object gives no rows. Used for objects keyed by id (gameData.players: "ID660271").
    Postgres: https://www.postgresql.org/docs/current/functions-json.html (jsonb_each)
    Spark: https://spark.apache.org/docs/latest/api/sql/#variant_explode -#}
{% macro json_each(expression, path, alias) -%}
    {{ return(adapter.dispatch('json_each', 'kappa')(expression, path, alias)) }}
{%- endmacro %}

{% macro default__json_each(expression, path, alias) -%}
    {{ exceptions.raise_compiler_error("json_each: JSON objects not supported on " ~ target.type) }}
{%- endmacro %}

{% macro postgres__json_each(expression, path, alias) -%}
    {%- set object = kappa.json_get(expression, path) -%}
    cross join lateral jsonb_each(
        case when jsonb_typeof({{ object }}) = 'object' then {{ object }} else '{}'::jsonb end
    ) as {{ alias }} (key, value)
{%- endmacro %}

{% macro spark__json_each(expression, path, alias) -%}
    {#- variant_explode also explodes arrays: an array has an element at $[0], an object not -#}
    {%- set walk = kappa.spark_path_walk(expression, path, alias) -%}
    {{ walk.joins }}
    cross join lateral variant_explode(
        case when try_variant_get({{ walk.value }}, '$[0]', 'variant') is null then {{ walk.value }} end
    ) as {{ alias }}
{%- endmacro %}
