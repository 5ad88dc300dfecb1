{#- on-run-end: drop the relation kappa.create_build_scope made (nothing without a scope). -#}
{% macro drop_build_scope() -%}
    {%- if kappa.build_scope_vars() is not none and execute -%}
        {%- set relation = kappa.build_scope_relation() -%}
        {%- if target.type == 'postgres' -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
        {%- else -%}
            {%- do run_query('uncache table if exists ' ~ relation) -%}
            {%- do run_query('drop view if exists ' ~ relation) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
