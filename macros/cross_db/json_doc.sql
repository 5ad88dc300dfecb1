{#- The raw log's document column as a queryable JSON value.
    Postgres: the column is jsonb already (https://www.postgresql.org/docs/current/datatype-json.html).
    Spark: JSON text parsed once into VARIANT
    (https://spark.apache.org/docs/latest/api/sql/#parse_json); in the stream (var streaming)
    and in `kappa build --target spark` (var documents_parsed) the source view carries the
    document parsed already (once for all models: spark_streaming/models.py, lake_build.py), so
    the column is returned unchanged. -#}
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
    {%- if var('streaming') or var('documents_parsed') -%}
        {{ column }}
    {%- else -%}
        parse_json({{ column }})
    {%- endif -%}
{%- endmacro %}
