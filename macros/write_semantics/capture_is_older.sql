{#- True when the capture that produced row `a` is older than the one that produced row `b`:
    earlier captured_at, ties broken by raw_id (docs/data-model.md, write semantics).
    Plain SQL, the same on every engine. -#}
{% macro capture_is_older(a, b) -%}
    ({{ a }}.captured_at < {{ b }}.captured_at
        or ({{ a }}.captured_at = {{ b }}.captured_at and {{ a }}.raw_id < {{ b }}.raw_id))
{%- endmacro %}
