{#- True when the capture that produced row `a` is older than the one that produced row `b`:
    earlier captured_at, ties broken by raw_id (DATA_MODEL.md write semantics, rule 1).
    Plain SQL, the same on every engine. -#}
{% macro capture_is_older(a, b) -%}
    ({{ a }}.captured_at < {{ b }}.captured_at
        or ({{ a }}.captured_at = {{ b }}.captured_at and {{ a }}.raw_id < {{ b }}.raw_id))
{%- endmacro %}
