{#- The CTE `plays`: one row per allPlays[] element of each capture, with the lineage columns,
    at_bat_index and the play's JSON at `child_path` as `child_column` (the array the
    table explodes next: playEvents, runners). `live_data` is a CTE made by
    document_sections(captures, ['liveData']). -#}
{% macro plays_cte(live_data, child_path, child_column) -%}
plays as (

    select
        {{ live_data }}.game_pk,
        {{ live_data }}.captured_at,
        {{ live_data }}.source_timecode,
        {{ live_data }}.raw_id,
        {{ kappa.at_bat_index('play.value', 'play.pos') }} as at_bat_index,
        {{ kappa.json_get('play.value', child_path) }} as {{ child_column }}
    from {{ live_data }}
    {{ kappa.json_explode(live_data ~ '.section', 'plays.allPlays', 'play') }}

)
{%- endmacro %}
