{#- Post-hook of the serving models: on Spark, uncache the batch output that
    kappa.guarded_replace_from_dbt cached (dbt-spark's temp view <model>__dbt_tmp); other
    engines: nothing.
    Spark UNCACHE TABLE: https://spark.apache.org/docs/latest/sql-ref-syntax-aux-cache-uncache-table.html -#}
{% macro release_replace_source() -%}
    {{ return(adapter.dispatch('release_replace_source', 'kappa')()) }}
{%- endmacro %}

{% macro default__release_replace_source() -%}
{%- endmacro %}

{% macro spark__release_replace_source() -%}
    uncache table if exists {{ this.identifier }}__dbt_tmp
{%- endmacro %}
