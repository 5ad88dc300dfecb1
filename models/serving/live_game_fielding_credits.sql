{{ config(unique_key=['game_pk', 'at_bat_index', 'runner_index', 'credit_index']) }}
-- depends_on: {{ ref('live_game_metadata') }}

with

captures as (

    select * from {{ ref('stg_live_game') }} as captures
    {{ kappa.only_unapplied_captures('captures') }}

),

live_data as (

    {{ kappa.document_sections('captures', ['liveData']) }}

),

{{ kappa.play_runner_ctes('live_data') }},

credits as (

    select
        runners.game_pk,
        runners.at_bat_index,
        runners.runner_index,
        cast(credit.pos as int) as credit_index,
        runners.captured_at,
        runners.source_timecode,
        runners.raw_id,
        credit.value as credit
    from runners
    {{ kappa.json_explode('runners.runner', 'credits', 'credit') }}

),

final as (

    select
        game_pk,
        at_bat_index,
        runner_index,
        credit_index,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_typed('credit', 'player.id', 'int') }} as player_id,
        {{ kappa.json_text('credit', 'position.code') }} as position_code,
        {{ kappa.json_text('credit', 'credit') }} as credit,
        {{ kappa.json_text('credit', 'position.abbreviation') }} as position_abbrev
    from credits

)

select * from final
