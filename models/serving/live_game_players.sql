{{ config(unique_key=['game_pk', 'player_id']) }}
-- depends_on: {{ ref('live_game_metadata') }}

with

captures as (

    select * from {{ ref('stg_live_game') }} as captures
    {{ kappa.only_unapplied_captures('captures') }}

),

game_data as (

    {{ kappa.document_sections('captures', ['gameData']) }}

),

rosters as (

    select
        game_pk,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_get('section', 'players') }} as players
    from game_data

),

players as (

    select
        rosters.game_pk,
        rosters.captured_at,
        rosters.source_timecode,
        rosters.raw_id,
        player.value as player
    from rosters
    {{ kappa.json_each('rosters.players', '', 'player') }}

),

final as (

    select
        game_pk,
        {{ kappa.json_typed('player', 'id', 'int') }} as player_id,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_text('player', 'fullName') }} as full_name,
        {{ kappa.json_text('player', 'firstName') }} as first_name,
        {{ kappa.json_text('player', 'lastName') }} as last_name,
        {{ kappa.json_typed('player', 'primaryNumber', 'int') }} as primary_number,
        {{ kappa.json_typed('player', 'birthDate', 'date') }} as birth_date,
        {{ kappa.json_text('player', 'height') }} as height,
        {{ kappa.json_typed('player', 'weight', 'int') }} as weight,
        {{ kappa.json_text('player', 'batSide.code') }} as bat_side,
        {{ kappa.json_text('player', 'pitchHand.code') }} as pitch_hand,
        {{ kappa.json_text('player', 'primaryPosition.code') }} as primary_position_code,
        {{ kappa.json_text('player', 'primaryPosition.abbreviation') }} as primary_position_abbrev,
        {{ kappa.json_typed('player', 'mlbDebutDate', 'date') }} as mlb_debut_date,
        {{ kappa.json_text('player', 'boxscoreName') }} as boxscore_name,
        {{ kappa.json_typed('player', 'strikeZoneTop', 'double') }} as strike_zone_top,
        {{ kappa.json_typed('player', 'strikeZoneBottom', 'double') }} as strike_zone_bottom
    from players

)

select * from final
