{#- Top-level sections of each capture's document (gameData, liveData, ...), one row each, with
    the capture's lineage columns. The 1-2 MB document is read (detoasted) once here; the
    sections are then cheap to read many times. Referencing the document itself per column or
    per exploded row re-reads it each time (docs/performance.md: 11.06 s vs 0.42 s).
    A section missing from the document gives no row (JSON null gives a row). To combine two
    sections of one capture, use document_parts (no join of two references to this).
    Postgres: https://www.postgresql.org/docs/current/storage-toast.html
    Spark (default__, json_each): https://spark.apache.org/docs/latest/api/sql/#variant_explode -#}
{% macro document_sections(captures, section_names) -%}
    {{ return(adapter.dispatch('document_sections', 'kappa')(captures, section_names)) }}
{%- endmacro %}

{% macro default__document_sections(captures, section_names) -%}
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

{#- Postgres: detoast once (`doc || '{}'` returns the detoasted document), then copy out only
    the requested sections, once (the OFFSET 0 fences keep the planner from repeating either
    expression at every reference downstream): 3x less work than jsonb_each over a
    twice-detoasted document (0.66 s -> 0.2 s for 100 games). -#}
{% macro postgres__document_sections(captures, section_names) -%}
    select
        {{ captures }}.game_pk,
        {{ captures }}.captured_at,
        {{ captures }}.source_timecode,
        {{ captures }}.raw_id,
        section.key as section_name,
        section.value as section
    from {{ captures }}
    cross join lateral (select {{ captures }}.doc || '{}'::jsonb as value offset 0) as document
    cross join lateral (
        select requested.key, requested.value
        from (
            values
            {%- for name in section_names %}
                ('{{ name }}', document.value -> '{{ name }}'){{ "," if not loop.last }}
            {%- endfor %}
        ) as requested (key, value)
        where requested.value is not null
        offset 0
    ) as section
{%- endmacro %}
