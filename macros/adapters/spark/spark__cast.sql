{#- Model contracts name Postgres types (timestamptz, text, double precision, integer). On Spark,
    dbt checks a contract by casting null to each declared type (get_empty_schema_sql -> cast),
    so this override of dbt's `cast` translates the Postgres spelling to Spark's (spark_type).
    https://spark.apache.org/docs/latest/sql-ref-datatypes.html -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ kappa.spark_type(type) }})
{%- endmacro %}
