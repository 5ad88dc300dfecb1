{#- A Postgres type name as Spark spells it (timestamptz -> timestamp, text -> string, ...);
    other types pass through unchanged. Used by spark__cast for model contracts.
    https://spark.apache.org/docs/latest/sql-ref-datatypes.html -#}
{% macro spark_type(type) -%}
    {%- set spark_types = {
        'timestamptz': 'timestamp',
        'timestamp with time zone': 'timestamp',
        'text': 'string',
        'double precision': 'double',
        'integer': 'int',
        'jsonb': 'string',
    } -%}
    {{ return(spark_types.get(type | trim | lower, type)) }}
{%- endmacro %}
