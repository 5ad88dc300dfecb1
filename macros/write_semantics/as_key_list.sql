{#- A model's unique_key config (one column name or a list of them) as a list. -#}
{% macro as_key_list(unique_key) -%}
    {{ return([unique_key] if unique_key is string else unique_key) }}
{%- endmacro %}
