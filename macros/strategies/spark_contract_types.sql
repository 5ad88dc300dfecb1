{#- Model contracts declare Postgres type names (the serving tables' DDL on Postgres). On Spark
    the contract check builds `cast(null as <type>)` from them (dbt's get_empty_schema_sql):
    map each to its Spark SQL name so that the same contract is checked on both engines.
    https://spark.apache.org/docs/latest/sql-ref-datatypes.html -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set spark_types = {
        'text': 'string',
        'integer': 'int',
        'double precision': 'double',
        'timestamptz': 'timestamp',
    } -%}
    {%- set mapped = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set spark_column = {} -%}
        {%- do spark_column.update(column) -%}
        {%- set data_type = (column.get('data_type') or '') | lower -%}
        {%- if data_type in spark_types -%}
            {%- do spark_column.update({'data_type': spark_types[data_type]}) -%}
        {%- endif -%}
        {%- do mapped.update({name: spark_column}) -%}
    {%- endfor -%}
    {{ return(default__get_empty_schema_sql(mapped)) }}
{%- endmacro %}
