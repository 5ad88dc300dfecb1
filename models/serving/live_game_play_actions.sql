{{ config(unique_key=['game_pk', 'at_bat_index', 'event_index']) }}
-- depends_on: {{ ref('live_game_metadata') }}

with

captures as (

    select * from {{ ref('stg_live_game') }} as captures
    {{ kappa.only_unapplied_captures('captures') }}

),

live_data as (

    {{ kappa.document_sections('captures', ['liveData']) }}

),

{{ kappa.play_event_ctes('live_data') }},

actions as (

    select * from play_events
    where not coalesce({{ kappa.json_typed('event', 'isPitch', 'boolean') }}, false)

),

final as (

    select
        game_pk,
        at_bat_index,
        {{ kappa.event_index('event', 'event_position') }} as event_index,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_text('event', 'type') }} as event_type_kind,
        {{ kappa.json_text('event', 'details.event') }} as event,
        {{ kappa.json_text('event', 'details.eventType') }} as event_type,
        {{ kappa.json_text('event', 'details.description') }} as description,
        {{ kappa.json_typed('event', 'player.id', 'int') }} as player_id,
        {{ kappa.json_text('event', 'position.code') }} as position_code,
        {{ kappa.json_typed('event', 'isSubstitution', 'boolean') }} as is_substitution,
        {{ kappa.json_typed('event', 'replacedPlayer.id', 'int') }} as replaced_player_id,
        {{ kappa.json_typed('event', 'details.isScoringPlay', 'boolean') }} as is_scoring_play,
        {{ kappa.json_typed('event', 'details.awayScore', 'int') }} as away_score,
        {{ kappa.json_typed('event', 'details.homeScore', 'int') }} as home_score,
        {{ kappa.json_typed('event', 'count.balls', 'int') }} as balls,
        {{ kappa.json_typed('event', 'count.strikes', 'int') }} as strikes,
        {{ kappa.json_typed('event', 'count.outs', 'int') }} as outs,
        {{ kappa.json_typed('event', 'startTime', 'timestamp') }} as start_time,
        {{ kappa.json_typed('event', 'endTime', 'timestamp') }} as end_time,
        {{ kappa.json_text('event', 'position.abbreviation') }} as position_abbrev,
        {{ kappa.json_typed('event', 'battingOrder', 'int') }} as batting_order,
        {{ kappa.json_typed('event', 'details.isOut', 'boolean') }} as is_out
    from actions

)

select * from final
