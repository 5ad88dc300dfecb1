{{ config(unique_key=['game_pk', 'player_id']) }}
-- depends_on: {{ ref('live_game_metadata') }}

with

captures as (

    select * from {{ ref('stg_live_game') }} as captures
    {{ kappa.only_unapplied_captures('captures') }}

),

live_data as (

    {{ kappa.document_sections('captures', ['liveData']) }}

),

{{ kappa.boxscore_player_ctes('live_data', 'batting') }},

{# a player without batting stats has an empty object: {} #}
batters as (

    select * from players
    where {{ kappa.json_text('stats', '') }} <> '{}'

),

final as (

    select
        game_pk,
        player_id,
        captured_at,
        source_timecode,
        raw_id,
        team_side,
        {{ kappa.json_typed('stats', 'atBats', 'int') }} as at_bats,
        {{ kappa.json_typed('stats', 'runs', 'int') }} as runs,
        {{ kappa.json_typed('stats', 'hits', 'int') }} as hits,
        {{ kappa.json_typed('stats', 'doubles', 'int') }} as doubles,
        {{ kappa.json_typed('stats', 'triples', 'int') }} as triples,
        {{ kappa.json_typed('stats', 'homeRuns', 'int') }} as home_runs,
        {{ kappa.json_typed('stats', 'rbi', 'int') }} as rbi,
        {{ kappa.json_typed('stats', 'baseOnBalls', 'int') }} as base_on_balls,
        {{ kappa.json_typed('stats', 'intentionalWalks', 'int') }} as intentional_walks,
        {{ kappa.json_typed('stats', 'strikeOuts', 'int') }} as strike_outs,
        {{ kappa.json_typed('stats', 'hitByPitch', 'int') }} as hit_by_pitch,
        {{ kappa.json_typed('stats', 'stolenBases', 'int') }} as stolen_bases,
        {{ kappa.json_typed('stats', 'caughtStealing', 'int') }} as caught_stealing,
        {{ kappa.json_typed('stats', 'leftOnBase', 'int') }} as left_on_base,
        {{ kappa.json_typed('stats', 'plateAppearances', 'int') }} as plate_appearances,
        {{ kappa.json_typed('stats', 'totalBases', 'int') }} as total_bases,
        {{ kappa.json_typed('stats', 'sacBunts', 'int') }} as sac_bunts,
        {{ kappa.json_typed('stats', 'sacFlies', 'int') }} as sac_flies,
        {{ kappa.json_typed('stats', 'groundIntoDoublePlay', 'int') }} as ground_into_double_play,
        {{ kappa.json_typed('stats', 'flyOuts', 'int') }} as fly_outs,
        {{ kappa.json_typed('stats', 'groundOuts', 'int') }} as ground_outs,
        {{ kappa.json_text('stats', 'summary') }} as summary
    from batters

)

select * from final
