{#- The raw log's document column as a queryable JSON value.
    Postgres: the column is jsonb already. Spark: JSON text parsed once into VARIANT
    (https://spark.apache.org/docs/latest/api/sql/#parse_json). -#}
{% macro json_doc(column) -%}
    {{ return(adapter.dispatch('json_doc', 'kappa')(column)) }}
{%- endmacro %}

{% macro default__json_doc(column) -%}
    {{ exceptions.raise_compiler_error("json_doc: JSON documents not supported on " ~ target.type) }}
{%- endmacro %}

{% macro postgres__json_doc(column) -%}
    {{ column }}
{%- endmacro %}

{% macro spark__json_doc(column) -%}
    parse_json({{ column }})
{%- endmacro %}
