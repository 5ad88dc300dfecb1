{#- The CTEs `boxscores` (liveData.boxscore.teams of each capture, with the lineage columns)
    and `teams` (one row per side, home and away: lineage, team_side, team_id, `players`
    (the players object keyed "ID<id>") and `team` (the side's whole object)), shared by the
    boxscore tables and the team rosters. `live_data` is a CTE made by
    document_sections(captures, ['liveData']). -#}
{% macro boxscore_team_ctes(live_data) -%}
boxscores as (

    select
        game_pk,
        captured_at,
        source_timecode,
        raw_id,
        {{ kappa.json_get('section', 'boxscore.teams') }} as boxscore_teams
    from {{ live_data }}

),

teams as (

    select
        boxscores.game_pk,
        boxscores.captured_at,
        boxscores.source_timecode,
        boxscores.raw_id,
        team.key as team_side,
        {{ kappa.json_typed('team.value', 'team.id', 'int') }} as team_id,
        {{ kappa.json_get('team.value', 'players') }} as players,
        team.value as team
    from boxscores
    {{ kappa.json_each('boxscores.boxscore_teams', '', 'team') }}
    where team.key in ('home', 'away')

)
{%- endmacro %}
