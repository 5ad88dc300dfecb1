{#- Baseball: at most three runners are put out in a half-inning. Counts the outs recorded in
    live_game_runners (movement.isOut) per half-inning of live_game_plays; returns the
    half-innings with more than 3. -#}
with

plays as (

    select * from {{ ref('live_game_plays') }}

),

runners as (

    select * from {{ ref('live_game_runners') }}

),

half_innings as (

    select
        plays.game_pk,
        plays.inning,
        plays.half_inning,
        sum(case when runners.is_out then 1 else 0 end) as runner_outs
    from plays
    inner join runners
        on runners.game_pk = plays.game_pk
        and runners.at_bat_index = plays.at_bat_index
    group by plays.game_pk, plays.inning, plays.half_inning

),

final as (

    select * from half_innings
    where runner_outs > 3

)

select * from final
