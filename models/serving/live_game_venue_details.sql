{{ config(unique_key='game_pk') }}
-- depends_on: {{ ref('live_game_metadata') }}

with

captures as (

    select * from {{ ref('stg_live_game') }} as captures
    {{ kappa.only_unapplied_captures('captures') }}

),

game_data as (

    {{ kappa.document_sections('captures', ['gameData']) }}

),

venues as (

    select
        game_pk,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_get('section', 'venue') }} as venue
    from game_data

),

final as (

    select
        game_pk,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_typed('venue', 'id', 'int') }} as venue_id,
        {{ kappa.json_text('venue', 'name') }} as venue_name,
        {{ kappa.json_text('venue', 'location.city') }} as city,
        {{ kappa.json_text('venue', 'location.state') }} as state,
        {{ kappa.json_text('venue', 'location.country') }} as country,
        {{ kappa.json_text('venue', 'timeZone.id') }} as timezone_id,
        {{ kappa.json_typed('venue', 'location.defaultCoordinates.latitude', 'double') }} as latitude,
        {{ kappa.json_typed('venue', 'location.defaultCoordinates.longitude', 'double') }} as longitude,
        {{ kappa.json_typed('venue', 'location.elevation', 'double') }} as elevation,
        {{ kappa.json_typed('venue', 'location.azimuthAngle', 'double') }} as azimuth_angle,
        {{ kappa.json_typed('venue', 'fieldInfo.capacity', 'int') }} as capacity,
        {{ kappa.json_text('venue', 'fieldInfo.turfType') }} as turf_type,
        {{ kappa.json_text('venue', 'fieldInfo.roofType') }} as roof_type,
        {{ kappa.json_typed('venue', 'fieldInfo.leftLine', 'int') }} as left_line,
        {{ kappa.json_typed('venue', 'fieldInfo.leftCenter', 'int') }} as left_center,
        {{ kappa.json_typed('venue', 'fieldInfo.center', 'int') }} as center,
        {{ kappa.json_typed('venue', 'fieldInfo.rightCenter', 'int') }} as right_center,
        {{ kappa.json_typed('venue', 'fieldInfo.rightLine', 'int') }} as right_line,
        {{ kappa.json_text('venue', 'location.stateAbbrev') }} as state_abbrev
    from venues

)

select * from final
