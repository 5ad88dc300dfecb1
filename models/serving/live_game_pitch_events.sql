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

pitches as (

    select
        play_events.*,
        {{ kappa.json_get('event', 'pitchData') }} as pitch_data,
        {{ kappa.json_get('event', 'pitchData.coordinates') }} as coordinates,
        {{ kappa.json_get('event', 'pitchData.breaks') }} as breaks
    from play_events
    where {{ kappa.json_typed('event', 'isPitch', 'boolean') }}
    {{ kappa.evaluate_once() }}

),

final as (

    select
        game_pk,
        at_bat_index,
        {{ kappa.event_index('event', 'event_position') }} as event_index,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_typed('event', 'pitchNumber', 'int') }} as pitch_number,
        {{ kappa.json_text('event', 'playId') }} as play_id,
        {{ kappa.json_text('event', 'details.call.code') }} as call_code,
        {{ kappa.json_text('event', 'details.call.description') }} as call_description,
        {{ kappa.json_typed('event', 'details.isInPlay', 'boolean') }} as is_in_play,
        {{ kappa.json_typed('event', 'details.isStrike', 'boolean') }} as is_strike,
        {{ kappa.json_typed('event', 'details.isBall', 'boolean') }} as is_ball,
        {{ kappa.json_text('event', 'details.type.code') }} as pitch_type_code,
        {{ kappa.json_text('event', 'details.type.description') }} as pitch_type_description,
        {{ kappa.json_typed('pitch_data', 'typeConfidence', 'double') }} as type_confidence,
        {{ kappa.json_typed('pitch_data', 'startSpeed', 'double') }} as start_speed,
        {{ kappa.json_typed('pitch_data', 'endSpeed', 'double') }} as end_speed,
        {{ kappa.json_typed('pitch_data', 'zone', 'int') }} as zone,
        {{ kappa.json_typed('pitch_data', 'strikeZoneTop', 'double') }} as strike_zone_top,
        {{ kappa.json_typed('pitch_data', 'strikeZoneBottom', 'double') }} as strike_zone_bottom,
        {{ kappa.json_typed('coordinates', 'pX', 'double') }} as plate_x,
        {{ kappa.json_typed('coordinates', 'pZ', 'double') }} as plate_z,
        {{ kappa.json_typed('coordinates', 'pfxX', 'double') }} as pfx_x,
        {{ kappa.json_typed('coordinates', 'pfxZ', 'double') }} as pfx_z,
        {{ kappa.json_typed('coordinates', 'vX0', 'double') }} as vx0,
        {{ kappa.json_typed('coordinates', 'vY0', 'double') }} as vy0,
        {{ kappa.json_typed('coordinates', 'vZ0', 'double') }} as vz0,
        {{ kappa.json_typed('coordinates', 'x0', 'double') }} as x0,
        {{ kappa.json_typed('coordinates', 'y0', 'double') }} as y0,
        {{ kappa.json_typed('coordinates', 'z0', 'double') }} as z0,
        {{ kappa.json_typed('coordinates', 'aX', 'double') }} as ax,
        {{ kappa.json_typed('coordinates', 'aY', 'double') }} as ay,
        {{ kappa.json_typed('coordinates', 'aZ', 'double') }} as az,
        {{ kappa.json_typed('breaks', 'spinRate', 'double') }} as spin_rate,
        {{ kappa.json_typed('breaks', 'spinDirection', 'double') }} as spin_direction,
        {{ kappa.json_typed('breaks', 'breakAngle', 'double') }} as break_angle,
        {{ kappa.json_typed('breaks', 'breakLength', 'double') }} as break_length,
        {{ kappa.json_typed('breaks', 'breakY', 'double') }} as break_y,
        {{ kappa.json_typed('breaks', 'breakVertical', 'double') }} as break_vertical,
        {{ kappa.json_typed('breaks', 'breakVerticalInduced', 'double') }} as break_vertical_induced,
        {{ kappa.json_typed('breaks', 'breakHorizontal', 'double') }} as break_horizontal,
        {{ kappa.json_typed('pitch_data', 'extension', 'double') }} as extension,
        {{ kappa.json_typed('pitch_data', 'plateTime', 'double') }} as plate_time,
        {{ kappa.json_typed('event', 'count.balls', 'int') }} as balls,
        {{ kappa.json_typed('event', 'count.strikes', 'int') }} as strikes,
        {{ kappa.json_typed('event', 'count.outs', 'int') }} as outs,
        {{ kappa.json_typed('event', 'startTime', 'timestamp') }} as start_time,
        {{ kappa.json_typed('event', 'endTime', 'timestamp') }} as end_time
    from pitches

)

select * from final
