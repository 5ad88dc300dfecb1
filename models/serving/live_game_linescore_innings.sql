{{ config(unique_key=['game_pk', 'inning']) }}
-- depends_on: {{ ref('live_game_metadata') }}

with

captures as (

    select * from {{ ref('stg_live_game') }} as captures
    {{ kappa.only_unapplied_captures('captures') }}

),

live_data as (

    {{ kappa.document_sections('captures', ['liveData']) }}

),

linescores as (

    select
        game_pk,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_get('section', 'linescore.innings') }} as innings
    from live_data

),

innings as (

    select
        linescores.game_pk,
        linescores.captured_at,
        linescores.source_timecode,
        linescores.raw_id,
        inning.value as inning,
        inning.pos as inning_position
    from linescores
    {{ kappa.json_explode('linescores.innings', '', 'inning') }}

),

final as (

    select
        game_pk,
        coalesce({{ kappa.json_typed('inning', 'num', 'int') }}, cast(inning_position as int) + 1) as inning,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_typed('inning', 'away.runs', 'int') }} as away_runs,
        {{ kappa.json_typed('inning', 'away.hits', 'int') }} as away_hits,
        {{ kappa.json_typed('inning', 'away.errors', 'int') }} as away_errors,
        {{ kappa.json_typed('inning', 'away.leftOnBase', 'int') }} as away_left_on_base,
        {{ kappa.json_typed('inning', 'home.runs', 'int') }} as home_runs,
        {{ kappa.json_typed('inning', 'home.hits', 'int') }} as home_hits,
        {{ kappa.json_typed('inning', 'home.errors', 'int') }} as home_errors,
        {{ kappa.json_typed('inning', 'home.leftOnBase', 'int') }} as home_left_on_base
    from innings

)

select * from final
