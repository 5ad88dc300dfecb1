{#- Override of dbt's global should_full_refresh (root-project macros take precedence): a scoped
    build never drops or replaces a table, also with --full-refresh; it re-applies the scoped
    games only. Unscoped builds keep dbt's behaviour.
    https://docs.getdbt.com/reference/resource-configs/full_refresh -#}
{% macro should_full_refresh() -%}
    {%- if kappa.build_scope_vars() is not none -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(dbt.should_full_refresh()) }}
{%- endmacro %}
