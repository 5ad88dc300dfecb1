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

{{ kappa.play_event_ctes('live_data') }},

hits as (

    select
        game_pk,
        at_bat_index,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.event_index('event', 'event_position') }} as event_index,
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
