{{ config(unique_key=['game_pk', 'team_side']) }}
-- depends_on: {{ ref('live_game_metadata') }}

with

captures as (

    select * from {{ ref('stg_live_game') }} as captures
    {{ kappa.only_unapplied_captures('captures') }}

),

game_data as (

    {{ kappa.document_parts('captures', {
        'teams': 'gameData.teams',
        'probable_pitchers': 'gameData.probablePitchers',
        'linescore_teams': 'liveData.linescore.teams',
    }) }}

),

teams as (

    select
        game_data.game_pk,
        game_data.captured_at,
        game_data.source_timecode,
        game_data.raw_id,
        team.key as team_side,
        team.value as team
    from game_data
    {{ kappa.json_each('game_data.teams', '', 'team') }}
    where team.key in ('home', 'away')

),

linescore_teams as (

    select linescore.game_pk, team_totals.key as team_side, team_totals.value as totals
    from game_data as linescore
    {{ kappa.json_each('linescore.linescore_teams', '', 'team_totals') }}

),

probable_pitchers as (

    select game_data.game_pk, pitcher.key as team_side, pitcher.value as pitcher
    from game_data
    {{ kappa.json_each('game_data.probable_pitchers', '', 'pitcher') }}

),

final as (

    select
        teams.game_pk,
        teams.team_side,
        teams.captured_at,
        teams.source_timecode,
        teams.raw_id,
        {{ kappa.json_typed('teams.team', 'id', 'int') }} as team_id,
        {{ kappa.json_text('teams.team', 'name') }} as team_name,
        {{ kappa.json_text('teams.team', 'abbreviation') }} as abbreviation,
        {{ kappa.json_typed('teams.team', 'league.id', 'int') }} as league_id,
        {{ kappa.json_typed('teams.team', 'division.id', 'int') }} as division_id,
        {{ kappa.json_typed('teams.team', 'record.wins', 'int') }} as wins,
        {{ kappa.json_typed('teams.team', 'record.losses', 'int') }} as losses,
        {{ kappa.json_typed('linescore_teams.totals', 'runs', 'int') }} as runs,
        {{ kappa.json_typed('linescore_teams.totals', 'hits', 'int') }} as hits,
        {{ kappa.json_typed('linescore_teams.totals', 'errors', 'int') }} as errors,
        {{ kappa.json_typed('linescore_teams.totals', 'leftOnBase', 'int') }} as left_on_base,
        {{ kappa.json_typed('probable_pitchers.pitcher', 'id', 'int') }} as probable_pitcher_id,
        {{ kappa.json_text('teams.team', 'teamName') }} as club_name
    from teams
    left join linescore_teams
        on linescore_teams.game_pk = teams.game_pk
        and linescore_teams.team_side = teams.team_side
    left join probable_pitchers
        on probable_pitchers.game_pk = teams.game_pk
        and probable_pitchers.team_side = teams.team_side

)

select * from final
