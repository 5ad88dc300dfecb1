{#- Internal helper: a dotted path ('liveData.plays.allPlays', '' = the value itself) in each
    engine's notation. Postgres: text[] literal for #> / #>> ; Spark: JSONPath for variant_get.
    Postgres: https://www.postgresql.org/docs/current/functions-json.html
    Spark: https://spark.apache.org/docs/latest/api/sql/#variant_get -#}
{% macro json_path(path) -%}
    {{ return(adapter.dispatch('json_path', 'kappa')(path)) }}
{%- endmacro %}

{% macro default__json_path(path) -%}
    {{ exceptions.raise_compiler_error("json_path: JSON paths not supported on " ~ target.type) }}
{%- endmacro %}

{% macro postgres__json_path(path) -%}
    '{ {{- path.split('.') | join(',') if path else '' -}} }'
{%- endmacro %}

{% macro spark__json_path(path) -%}
    '${{ '.' ~ path if path else '' }}'
{%- endmacro %}
