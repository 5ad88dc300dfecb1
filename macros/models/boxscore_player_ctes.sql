{#- The CTEs `boxscores`, `teams` and `players` shared by the boxscore tables: one row per
    player of each side in liveData.boxscore.teams.{home,away}.players, with the lineage
    columns, `team_side`, `player_id` and `stats` = the player's stats.<stats_kind> object
    (batting or pitching; `{}` when the player has none). `live_data` is a CTE made by
    document_sections(captures, ['liveData']). -#}
{% macro boxscore_player_ctes(live_data, stats_kind) -%}
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
        {{ kappa.json_get('team.value', 'players') }} as players
    from boxscores
    {{ kappa.json_each('boxscores.boxscore_teams', '', 'team') }}
    where team.key in ('home', 'away')

),

players as (

    select
        teams.game_pk,
        teams.captured_at,
        teams.source_timecode,
        teams.raw_id,
        teams.team_side,
        {{ kappa.json_typed('player.value', 'person.id', 'int') }} as player_id,
        {{ kappa.json_get('player.value', 'stats.' ~ stats_kind) }} as stats
    from teams
    {{ kappa.json_each('teams.players', '', 'player') }}

)
{%- endmacro %}
