{#- The only model that reads the raw log. One row per game: its newest capture (latest
    captured_at, ties broken by the higher raw_id), with the document as JSON. In the stream
    the source is the micro-batch, so this is the newest capture per game in the batch. In a
    scoped build only the scoped games' captures are read (kappa.only_scoped_captures). -#}
with

live_game_v1 as (

    select raw_id, game_pk, captured_at, source_timecode, data
    from {{ source('game', 'live_game_v1') }}
    {{ kappa.only_scoped_captures('raw_id') }}

),

ranked as (

    select
        raw_id,
        game_pk,
        captured_at,
        source_timecode,
        data,
        row_number() over (
            partition by game_pk order by captured_at desc, raw_id desc
        ) as newest_first
    from live_game_v1

),

final as (

    select
        raw_id,
        game_pk,
        captured_at,
        source_timecode,
        {{ kappa.json_doc('data') }} as doc
    from ranked
    where newest_first = 1

)

select * from final
