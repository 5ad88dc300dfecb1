{#- The CTEs `plays` (one row per allPlays[] element: lineage, at_bat_index, play_events) and
    `play_events` (one row per playEvents[] element: lineage, at_bat_index, event_position
    (0-based) and `event`), shared by the tables at the grain of a play event (pitch events,
    play actions, hit data). `live_data` is a CTE made by
    document_sections(captures, ['liveData']). -#}
{% macro play_event_ctes(live_data) -%}
{{ kappa.plays_cte(live_data, 'playEvents', 'play_events') }},

play_events as (

    select
        plays.game_pk,
        plays.captured_at,
        plays.source_timecode,
        plays.raw_id,
        plays.at_bat_index,
        play_event.pos as event_position,
        play_event.value as event
    from plays
    {{ kappa.json_explode('plays.play_events', '', 'play_event') }}

)
{%- endmacro %}
