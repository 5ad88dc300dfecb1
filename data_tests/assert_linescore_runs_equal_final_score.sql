{#- Baseball: the runs of the linescore's innings add up to the final score. For every final
    game of live_game_metadata, returns the team sides whose sum of live_game_linescore_innings
    runs differs from home_score / away_score (an unplayed bottom half counts 0). -#}
with

metadata as (

    select * from {{ ref('live_game_metadata') }}

),

linescore_innings as (

    select * from {{ ref('live_game_linescore_innings') }}

),

final_games as (

    select game_pk, home_score, away_score
    from metadata
    where abstract_game_state = 'Final'

),

inning_totals as (

    select
        game_pk,
        sum(coalesce(home_runs, 0)) as home_runs,
        sum(coalesce(away_runs, 0)) as away_runs
    from linescore_innings
    group by game_pk

),

final as (

    select
        final_games.game_pk,
        final_games.home_score,
        inning_totals.home_runs as home_inning_runs,
        final_games.away_score,
        inning_totals.away_runs as away_inning_runs
    from final_games
    left join inning_totals on inning_totals.game_pk = final_games.game_pk
    where coalesce(inning_totals.home_runs, 0) <> coalesce(final_games.home_score, 0)
        or coalesce(inning_totals.away_runs, 0) <> coalesce(final_games.away_score, 0)

)

select * from final
