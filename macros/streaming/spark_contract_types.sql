{#- Model contracts name Postgres types (timestamptz, text, double precision, integer). On Spark,
    dbt checks a contract by casting null to each declared type (get_empty_schema_sql -> cast),
    so this override translates the Postgres spelling to Spark's; other types pass through.
    https://spark.apache.org/docs/latest/sql-ref-datatypes.html -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ kappa.spark_type(type) }})
{%- endmacro %}

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
