{#- Baseball: every run is scored by a batter or runner of the team. For every final game of
    live_game_metadata and each team side whose runs are known, returns the sides whose sum of
    runs in live_game_boxscore_batting differs from the team's runs (home_score / away_score).
    A capture without a linescore has no score to check: that is missing data, not a wrong sum. -#}
with

metadata as (

    select * from {{ ref('live_game_metadata') }}

),

boxscore_batting as (

    select * from {{ ref('live_game_boxscore_batting') }}

),

final_game_sides as (

    select game_pk, 'home' as team_side, home_score as team_runs
    from metadata
    where abstract_game_state = 'Final' and home_score is not null

    union all

    select game_pk, 'away' as team_side, away_score as team_runs
    from metadata
    where abstract_game_state = 'Final' and away_score is not null

),

batting_totals as (

    select
        game_pk,
        team_side,
        sum(runs) as batting_runs
    from boxscore_batting
    group by game_pk, team_side

),

final as (

    select
        final_game_sides.game_pk,
        final_game_sides.team_side,
        final_game_sides.team_runs,
        batting_totals.batting_runs
    from final_game_sides
    left join batting_totals
        on batting_totals.game_pk = final_game_sides.game_pk
        and batting_totals.team_side = final_game_sides.team_side
    where coalesce(batting_totals.batting_runs, 0) <> final_game_sides.team_runs

)

select * from final
