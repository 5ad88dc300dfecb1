{#- Filter of the staging model's raw-log rows: in a scoped build, only the captures of
    kappa.build_scope_relation (the newest capture of each scoped game at the build's start);
    otherwise nothing. -#}
{% macro only_scoped_captures(raw_id) -%}
    {%- set scope = kappa.build_scope_relation() -%}
    {%- if scope is not none -%}
    where {{ raw_id }} in (select raw_id from {{ scope }})
    {%- endif -%}
{%- endmacro %}
