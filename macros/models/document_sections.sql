{#- Top-level sections of each capture's document (gameData, liveData, ...), one row each, with
    the capture's lineage columns. The 1-2 MB document is read (detoasted) once here; the
    sections are then cheap to read many times. Referencing the document itself per column or
    per exploded row re-reads it each time (DESIGN.md: 11.06 s vs 0.42 s). -#}
{% macro document_sections(captures, section_names) -%}
    select
        {{ captures }}.game_pk,
        {{ captures }}.captured_at,
        {{ captures }}.source_timecode,
        {{ captures }}.raw_id,
        section.key as section_name,
        section.value as section
    from {{ captures }}
    {{ kappa.json_each(captures ~ '.doc', '', 'section') }}
    where section.key in ('{{ section_names | join("', '") }}')
{%- endmacro %}
