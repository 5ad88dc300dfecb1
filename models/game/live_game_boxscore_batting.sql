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

boxscores as (

    select
        game_pk,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_get('section', 'boxscore.teams') }} as boxscore_teams
    from live_data

),

teams as (

    select
        boxscores.game_pk,
        boxscores.captured_at,
        boxscores.source_timecode,
        boxscores.raw_id,
        team.key as team_side,
        {{ kappa.json_get('team.value', 'players') }} as players
    from boxscores
    {{ kappa.json_each('boxscores.boxscore_teams', '', 'team') }}
    where team.key in ('home', 'away')

),

players as (

    select
        teams.game_pk,
        teams.captured_at,
        teams.source_timecode,
        teams.raw_id,
        teams.team_side,
        {{ kappa.json_typed('player.value', 'person.id', 'int') }} as player_id,
        {{ kappa.json_get('player.value', 'stats.batting') }} as stats
    from teams
    {{ kappa.json_each('teams.players', '', 'player') }}

),

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
