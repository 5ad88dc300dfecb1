{#- Baseball: a half-inning ends at the third out. Returns every half-inning of
    live_game_plays whose out count (count.outs after each play) goes above 3. -#}
with

plays as (

    select * from {{ ref('live_game_plays') }}

),

half_innings as (

    select
        game_pk,
        inning,
        half_inning,
        max(outs) as max_outs
    from plays
    group by game_pk, inning, half_inning

),

final as (

    select * from half_innings
    where max_outs > 3

)

select * from final
