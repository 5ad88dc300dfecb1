{{ config(unique_key=['game_pk', 'at_bat_index']) }}
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
        game_pk,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_get('section', 'plays.scoringPlays') }} as scoring_plays
    from live_data

),

scoring_plays as (

    select
        plays.game_pk,
        plays.captured_at,
        plays.source_timecode,
        plays.raw_id,
        scoring_play.value as at_bat_index,
        scoring_play.pos as scoring_position
    from plays
    {{ kappa.json_explode('plays.scoring_plays', '', 'scoring_play') }}

),

final as (

    select
        game_pk,
        {{ kappa.json_typed('at_bat_index', '', 'int') }} as at_bat_index,
        captured_at,
        source_timecode,
        raw_id,
        cast(scoring_position as int) + 1 as scoring_order
    from scoring_plays

)

select * from final
