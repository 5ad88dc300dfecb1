{#- dbt-spark's incremental materialization accepts only its own strategy names; this override
    adds `guarded_merge` (Delta only) and defers the rest to dbt-spark. Root-project macros take
    precedence over the adapter's. The SQL is built by dbt_spark_get_incremental_sql.
    https://docs.getdbt.com/reference/resource-configs/spark-configs#incremental-models -#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) -%}
    {%- if raw_strategy == 'guarded_merge' -%}
        {%- if file_format != 'delta' -%}
            {{ exceptions.raise_compiler_error("guarded_merge: needs file_format 'delta', got '" ~ file_format ~ "'") }}
        {%- endif -%}
        {{ return(raw_strategy) }}
    {%- endif -%}
    {{ return(dbt_spark.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) }}
{%- endmacro %}
