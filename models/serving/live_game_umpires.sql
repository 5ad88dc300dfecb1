{{ config(unique_key=['game_pk', 'official_type']) }}
-- depends_on: {{ ref('live_game_metadata') }}

with

captures as (

    select * from {{ ref('stg_live_game') }} as captures
    {{ kappa.only_unapplied_captures('captures') }}

),

live_data as (

    {{ kappa.document_sections('captures', ['liveData']) }}

),

boxscores as (

    select
        game_pk,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_get('section', 'boxscore.officials') }} as officials
    from live_data

),

officials as (

    select
        boxscores.game_pk,
        boxscores.captured_at,
        boxscores.source_timecode,
        boxscores.raw_id,
        official.value as official
    from boxscores
    {{ kappa.json_explode('boxscores.officials', '', 'official') }}

),

final as (

    select
        game_pk,
        {{ kappa.json_text('official', 'officialType') }} as official_type,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_typed('official', 'official.id', 'int') }} as umpire_id,
        {{ kappa.json_text('official', 'official.fullName') }} as umpire_name
    from officials

)

select * from final
