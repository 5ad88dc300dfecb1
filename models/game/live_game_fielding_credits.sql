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

plays as (

    select
        live_data.game_pk,
        live_data.captured_at,
        live_data.source_timecode,
        live_data.raw_id,
        coalesce(
            {{ kappa.json_typed('play.value', 'about.atBatIndex', 'int') }}, cast(play.pos as int)
        ) as at_bat_index,
        {{ kappa.json_get('play.value', 'runners') }} as runners
    from live_data
    {{ kappa.json_explode('live_data.section', 'plays.allPlays', 'play') }}

),

runners as (

    select
        plays.game_pk,
        plays.captured_at,
        plays.source_timecode,
        plays.raw_id,
        plays.at_bat_index,
        cast(runner.pos as int) as runner_index,
        {{ kappa.json_get('runner.value', 'credits') }} as credits
    from plays
    {{ kappa.json_explode('plays.runners', '', 'runner') }}

),

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
    {{ kappa.json_explode('runners.credits', '', 'credit') }}

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
