{#- The Delta table at <location_root>/<identifier> as a path-based relation (delta.`path`).
    https://docs.delta.io/latest/delta-batch.html#read-a-table -#}
{% macro stream_delta_relation(location_root, identifier) -%}
    {{ return("delta.`" ~ location_root ~ "/" ~ identifier ~ "`") }}
{%- endmacro %}
