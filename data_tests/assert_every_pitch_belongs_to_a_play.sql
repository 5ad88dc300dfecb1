{#- Every pitch of live_game_pitch_events belongs to a plate appearance of live_game_plays
    (same game_pk and at_bat_index). Returns the orphan pitches. -#}
with

pitch_events as (

    select * from {{ ref('live_game_pitch_events') }}

),

plays as (

    select * from {{ ref('live_game_plays') }}

),

final as (

    select
        pitch_events.game_pk,
        pitch_events.at_bat_index,
        pitch_events.event_index
    from pitch_events
    left join plays
        on plays.game_pk = pitch_events.game_pk
        and plays.at_bat_index = pitch_events.at_bat_index
    where plays.at_bat_index is null

)

select * from final
