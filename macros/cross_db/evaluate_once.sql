{#- Ends a CTE whose computed columns are referenced many times downstream, so that each is
    computed once per row. Postgres inlines a CTE referenced once and copies its expressions
    into every reference (a sub-document cut 28 times per pitch instead of once); OFFSET 0 is
    its documented optimisation fence. Spark evaluates common sub-expressions once itself.
    https://www.postgresql.org/docs/current/queries-with.html -#}
{% macro evaluate_once() -%}
    {{ return(adapter.dispatch('evaluate_once', 'kappa')()) }}
{%- endmacro %}

{% macro default__evaluate_once() -%}
{%- endmacro %}

{% macro postgres__evaluate_once() -%}
    offset 0
{%- endmacro %}
