{{ config(unique_key=['game_pk', 'decision']) }}
-- depends_on: {{ ref('live_game_metadata') }}

with

captures as (

    select * from {{ ref('stg_live_game') }} as captures
    {{ kappa.only_unapplied_captures('captures') }}

),

live_data as (

    {{ kappa.document_sections('captures', ['liveData']) }}

),

game_decisions as (

    select
        game_pk,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_get('section', 'decisions') }} as decisions
    from live_data

),

decisions as (

    select
        game_decisions.game_pk,
        game_decisions.captured_at,
        game_decisions.source_timecode,
        game_decisions.raw_id,
        decision.key as decision,
        decision.value as pitcher
    from game_decisions
    {{ kappa.json_each('game_decisions.decisions', '', 'decision') }}

),

final as (

    select
        game_pk,
        decision,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_typed('pitcher', 'id', 'int') }} as player_id,
        {{ kappa.json_text('pitcher', 'fullName') }} as player_name
    from decisions

)

select * from final
