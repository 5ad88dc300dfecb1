{#- dbt-spark's incremental materialization builds the SQL of each strategy itself; this
    override renders `guarded_merge` with kappa.get_incremental_guarded_merge_sql (the strategy
    macro of every adapter) and defers the rest to dbt-spark. Root-project macros take
    precedence over the adapter's.
    https://docs.getdbt.com/reference/resource-configs/spark-configs#incremental-models -#}
{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) -%}
    {%- if strategy == 'guarded_merge' -%}
        {{ kappa.get_incremental_guarded_merge_sql({
            'target_relation': target,
            'temp_relation': source,
            'unique_key': unique_key,
            'dest_columns': adapter.get_columns_in_relation(target),
            'incremental_predicates': incremental_predicates,
        }) }}
    {%- else -%}
        {{ dbt_spark.dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) }}
    {%- endif -%}
{%- endmacro %}
