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
        live_data.game_pk,
        live_data.captured_at,
        live_data.source_timecode,
        live_data.raw_id,
        play.value as play,
        play.pos as play_position
    from live_data
    {{ kappa.json_explode('live_data.section', 'plays.allPlays', 'play') }}

),

final as (

    select
        game_pk,
        {{ kappa.at_bat_index('play', 'play_position') }} as at_bat_index,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_typed('play', 'about.inning', 'int') }} as inning,
        {{ kappa.json_text('play', 'about.halfInning') }} as half_inning,
        {{ kappa.json_typed('play', 'about.isTopInning', 'boolean') }} as is_top_inning,
        {{ kappa.json_typed('play', 'matchup.batter.id', 'int') }} as batter_id,
        {{ kappa.json_typed('play', 'matchup.pitcher.id', 'int') }} as pitcher_id,
        {{ kappa.json_text('play', 'matchup.batSide.code') }} as bat_side,
        {{ kappa.json_text('play', 'matchup.pitchHand.code') }} as pitch_hand,
        {{ kappa.json_text('play', 'result.type') }} as result_type,
        {{ kappa.json_text('play', 'result.event') }} as event,
        {{ kappa.json_text('play', 'result.eventType') }} as event_type,
        {{ kappa.json_text('play', 'result.description') }} as description,
        {{ kappa.json_typed('play', 'result.rbi', 'int') }} as rbi,
        {{ kappa.json_typed('play', 'result.awayScore', 'int') }} as away_score,
        {{ kappa.json_typed('play', 'result.homeScore', 'int') }} as home_score,
        {{ kappa.json_typed('play', 'result.isOut', 'boolean') }} as is_out,
        {{ kappa.json_typed('play', 'count.balls', 'int') }} as balls,
        {{ kappa.json_typed('play', 'count.strikes', 'int') }} as strikes,
        {{ kappa.json_typed('play', 'count.outs', 'int') }} as outs,
        {{ kappa.json_typed('play', 'about.isComplete', 'boolean') }} as is_complete,
        {{ kappa.json_typed('play', 'about.isScoringPlay', 'boolean') }} as is_scoring_play,
        {{ kappa.json_typed('play', 'about.hasReview', 'boolean') }} as has_review,
        {{ kappa.json_typed('play', 'about.hasOut', 'boolean') }} as has_out,
        {{ kappa.json_typed('play', 'about.captivatingIndex', 'int') }} as captivating_index,
        {{ kappa.json_typed('play', 'about.startTime', 'timestamp') }} as start_time,
        {{ kappa.json_typed('play', 'about.endTime', 'timestamp') }} as end_time,
        {{ kappa.json_text('play', 'matchup.splits.menOnBase') }} as men_on_base
    from plays

)

select * from final
