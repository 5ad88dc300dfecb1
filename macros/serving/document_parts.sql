{#- One row per capture: its lineage columns and one JSON column per requested part of the
    document, `parts` = {column name: dotted path}, e.g.
    {'game_data': 'gameData', 'linescore': 'liveData.linescore'}.

    Use it instead of joining two sections of `document_sections` (e.g. gameData with
    liveData.linescore): a CTE referenced twice is materialised by Postgres with every section
    of every capture in it, and its row estimates make the join a nested loop that re-reads that
    store once per game (quadratic: 2.4 s for 100 games, hours for a season).

    Postgres: the 1-2 MB document is detoasted once per capture (`doc || '{}'` returns the
    detoasted value; OFFSET 0 keeps the planner from repeating the expression per reference),
    then every part is cut from that in-memory copy once. Spark: VARIANT needs no such care.
    Postgres: https://www.postgresql.org/docs/current/storage-toast.html
    Spark (default__, json_get): https://spark.apache.org/docs/latest/api/sql/#try_variant_get -#}
{% macro document_parts(captures, parts) -%}
    {{ return(adapter.dispatch('document_parts', 'kappa')(captures, parts)) }}
{%- endmacro %}

{% macro default__document_parts(captures, parts) -%}
    select
        {{ captures }}.game_pk,
        {{ captures }}.captured_at,
        {{ captures }}.source_timecode,
        {{ captures }}.raw_id
        {%- for column, path in parts.items() %},
        {{ kappa.json_get(captures ~ '.doc', path) }} as {{ column }}
        {%- endfor %}
    from {{ captures }}
{%- endmacro %}

{% macro postgres__document_parts(captures, parts) -%}
    select
        {{ captures }}.game_pk,
        {{ captures }}.captured_at,
        {{ captures }}.source_timecode,
        {{ captures }}.raw_id
        {%- for column in parts %},
        document_parts.{{ column }}
        {%- endfor %}
    from {{ captures }}
    cross join lateral (
        select
            {%- for column, path in parts.items() %}
            {{ kappa.json_get('document.value', path) }} as {{ column }}{{ "," if not loop.last }}
            {%- endfor %}
        from (select {{ captures }}.doc || '{}'::jsonb as value offset 0) as document
        offset 0
    ) as document_parts
{%- endmacro %}
