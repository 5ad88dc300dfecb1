{{ config(unique_key=['game_pk', 'at_bat_index', 'event_index']) }}
-- depends_on: {{ ref('live_game_metadata') }}

with

captures as (

    select * from {{ ref('stg_live_game') }} as captures
    {{ kappa.only_unapplied_captures('captures') }}

),

live_data as (

    {{ kappa.document_sections('captures', ['liveData']) }}

),

plays as (

    select
        live_data.game_pk,
        live_data.captured_at,
        live_data.source_timecode,
        live_data.raw_id,
        coalesce(
            {{ kappa.json_typed('play.value', 'about.atBatIndex', 'int') }}, cast(play.pos as int)
        ) as at_bat_index,
        {{ kappa.json_get('play.value', 'playEvents') }} as play_events
    from live_data
    {{ kappa.json_explode('live_data.section', 'plays.allPlays', 'play') }}

),

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

),

hits as (

    select
        game_pk,
        at_bat_index,
        captured_at,
        source_timecode,
        raw_id,
        coalesce({{ kappa.json_typed('event', 'index', 'int') }}, cast(event_position as int)) as event_index,
        {{ kappa.json_get('event', 'hitData') }} as hit_data
    from play_events
    where {{ kappa.json_get('event', 'hitData') }} is not null

),

final as (

    select
        game_pk,
        at_bat_index,
        event_index,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_typed('hit_data', 'launchSpeed', 'double') }} as launch_speed,
        {{ kappa.json_typed('hit_data', 'launchAngle', 'double') }} as launch_angle,
        {{ kappa.json_typed('hit_data', 'totalDistance', 'double') }} as total_distance,
        {{ kappa.json_text('hit_data', 'trajectory') }} as trajectory,
        {{ kappa.json_text('hit_data', 'hardness') }} as hardness,
        {{ kappa.json_typed('hit_data', 'location', 'int') }} as location,
        {{ kappa.json_typed('hit_data', 'coordinates.coordX', 'double') }} as coord_x,
        {{ kappa.json_typed('hit_data', 'coordinates.coordY', 'double') }} as coord_y
    from hits

)

select * from final
