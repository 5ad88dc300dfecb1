{#- The CTEs `boxscores`, `teams` and `players` shared by the boxscore tables: one row per
    player of each side in liveData.boxscore.teams.{home,away}.players, with the lineage
    columns, `team_side`, `player_id` and `stats` = the player's stats.<stats_kind> object
    (batting or pitching; `{}` when the player has none). `live_data` is a CTE made by
    document_sections(captures, ['liveData']). -#}
{% macro boxscore_player_ctes(live_data, stats_kind) -%}
{{ kappa.boxscore_team_ctes(live_data) }},

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
