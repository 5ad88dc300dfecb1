{#- dbt-spark's incremental materialization accepts only its own strategy names and builds
    the SQL itself; these overrides add `guarded_merge` (Delta only) and defer the rest to
    dbt-spark. Root-project macros take precedence over the adapter's. -#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) -%}
    {%- if raw_strategy == 'guarded_merge' -%}
        {%- if file_format != 'delta' -%}
            {{ exceptions.raise_compiler_error("guarded_merge: needs file_format 'delta', got '" ~ file_format ~ "'") }}
        {%- endif -%}
        {{ return(raw_strategy) }}
    {%- endif -%}
    {{ return(dbt_spark.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) }}
{%- endmacro %}

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
