{{ config(unique_key='game_pk') }}

with

captures as (

    select * from {{ ref('stg_live_game') }} as captures
    {{ kappa.only_unapplied_captures('captures') }}

),

document as (

    {{ kappa.document_parts(
        'captures', {'game_data': 'gameData', 'linescore': 'liveData.linescore'}
    ) }}

),

final as (

    select
        game_pk,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_typed('game_data', 'game.season', 'int') }} as season,
        {{ kappa.json_text('game_data', 'game.type') }} as game_type,
        {{ kappa.json_typed('game_data', 'datetime.officialDate', 'date') }} as game_date,
        {{ kappa.json_typed('game_data', 'datetime.dateTime', 'timestamp') }} as game_datetime,
        {{ kappa.json_text('game_data', 'game.doubleHeader') }} as double_header,
        {{ kappa.json_typed('game_data', 'game.gameNumber', 'int') }} as game_number,
        {{ kappa.json_text('game_data', 'datetime.dayNight') }} as day_night,
        {{ kappa.json_text('game_data', 'status.abstractGameState') }} as abstract_game_state,
        {{ kappa.json_text('game_data', 'status.codedGameState') }} as coded_game_state,
        {{ kappa.json_text('game_data', 'status.detailedState') }} as detailed_state,
        {{ kappa.json_text('game_data', 'status.statusCode') }} as status_code,
        {{ kappa.json_typed('game_data', 'teams.home.id', 'int') }} as home_team_id,
        {{ kappa.json_typed('game_data', 'teams.away.id', 'int') }} as away_team_id,
        {{ kappa.json_typed('game_data', 'venue.id', 'int') }} as venue_id,
        {{ kappa.json_typed('linescore', 'teams.home.runs', 'int') }} as home_score,
        {{ kappa.json_typed('linescore', 'teams.away.runs', 'int') }} as away_score,
        {{ kappa.json_typed('linescore', 'currentInning', 'int') }} as current_inning,
        {{ kappa.json_text('linescore', 'inningState') }} as inning_state,
        {{ kappa.json_typed('linescore', 'scheduledInnings', 'int') }} as scheduled_innings,
        {{ kappa.json_text('game_data', 'weather.condition') }} as weather_condition,
        {{ kappa.json_typed('game_data', 'weather.temp', 'int') }} as weather_temp_f,
        {{ kappa.json_text('game_data', 'weather.wind') }} as weather_wind,
        {{ kappa.json_typed('game_data', 'gameInfo.attendance', 'int') }} as attendance,
        {{ kappa.json_typed('game_data', 'gameInfo.firstPitch', 'timestamp') }} as first_pitch_at,
        {{ kappa.json_typed('game_data', 'gameInfo.gameDurationMinutes', 'int') }} as game_duration_minutes,
        {{ kappa.json_text('linescore', 'note') }} as linescore_note,
        {{ kappa.json_text('game_data', 'game.id') }} as game_id,
        {{ kappa.json_typed('game_data', 'flags.noHitter', 'boolean') }} as is_no_hitter,
        {{ kappa.json_typed('game_data', 'flags.perfectGame', 'boolean') }} as is_perfect_game
    from document

)

select * from final
