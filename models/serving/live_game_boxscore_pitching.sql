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

{{ kappa.boxscore_player_ctes('live_data', 'pitching') }},

{# a player without pitching stats has an empty object: {} #}
pitchers as (

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
        {{ kappa.json_typed('stats', 'outs', 'int') }} as outs,
        {{ kappa.json_text('stats', 'inningsPitched') }} as innings_pitched,
        {{ kappa.json_typed('stats', 'hits', 'int') }} as hits,
        {{ kappa.json_typed('stats', 'runs', 'int') }} as runs,
        {{ kappa.json_typed('stats', 'earnedRuns', 'int') }} as earned_runs,
        {{ kappa.json_typed('stats', 'baseOnBalls', 'int') }} as base_on_balls,
        {{ kappa.json_typed('stats', 'strikeOuts', 'int') }} as strike_outs,
        {{ kappa.json_typed('stats', 'homeRuns', 'int') }} as home_runs,
        {{ kappa.json_typed('stats', 'pitchesThrown', 'int') }} as pitches_thrown,
        {{ kappa.json_typed('stats', 'strikes', 'int') }} as strikes,
        {{ kappa.json_typed('stats', 'balls', 'int') }} as balls,
        {{ kappa.json_typed('stats', 'battersFaced', 'int') }} as batters_faced,
        {{ kappa.json_typed('stats', 'hitBatsmen', 'int') }} as hit_batsmen,
        {{ kappa.json_typed('stats', 'wildPitches', 'int') }} as wild_pitches,
        {{ kappa.json_typed('stats', 'balks', 'int') }} as balks,
        {{ kappa.json_typed('stats', 'inheritedRunners', 'int') }} as inherited_runners,
        {{ kappa.json_typed('stats', 'inheritedRunnersScored', 'int') }} as inherited_runners_scored,
        {{ kappa.json_typed('stats', 'wins', 'int') }} as wins,
        {{ kappa.json_typed('stats', 'losses', 'int') }} as losses,
        {{ kappa.json_typed('stats', 'saves', 'int') }} as saves,
        {{ kappa.json_typed('stats', 'holds', 'int') }} as holds,
        {{ kappa.json_typed('stats', 'blownSaves', 'int') }} as blown_saves,
        {{ kappa.json_typed('stats', 'gamesStarted', 'int') }} as games_started,
        {{ kappa.json_text('stats', 'summary') }} as summary
    from pitchers

)

select * from final
