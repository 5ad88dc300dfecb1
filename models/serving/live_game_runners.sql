{{ config(unique_key=['game_pk', 'at_bat_index', 'runner_index']) }}
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

final as (

    select
        game_pk,
        at_bat_index,
        runner_index,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_typed('runner', 'details.runner.id', 'int') }} as runner_id,
        {{ kappa.json_text('runner', 'movement.originBase') }} as origin_base,
        {{ kappa.json_text('runner', 'movement.start') }} as start_base,
        {{ kappa.json_text('runner', 'movement.end') }} as end_base,
        {{ kappa.json_text('runner', 'movement.outBase') }} as out_base,
        {{ kappa.json_typed('runner', 'movement.isOut', 'boolean') }} as is_out,
        {{ kappa.json_typed('runner', 'movement.outNumber', 'int') }} as out_number,
        {{ kappa.json_text('runner', 'details.event') }} as event,
        {{ kappa.json_text('runner', 'details.eventType') }} as event_type,
        {{ kappa.json_text('runner', 'details.movementReason') }} as movement_reason,
        {{ kappa.json_typed('runner', 'details.responsiblePitcher.id', 'int') }} as responsible_pitcher_id,
        {{ kappa.json_typed('runner', 'details.isScoringEvent', 'boolean') }} as is_scoring_event,
        {{ kappa.json_typed('runner', 'details.rbi', 'boolean') }} as rbi,
        {{ kappa.json_typed('runner', 'details.earned', 'boolean') }} as earned,
        {{ kappa.json_typed('runner', 'details.teamUnearned', 'boolean') }} as team_unearned,
        {{ kappa.json_typed('runner', 'details.playIndex', 'int') }} as play_index
    from runners

)

select * from final
