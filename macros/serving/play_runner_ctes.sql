{#- The CTEs `plays` (one row per allPlays[] element: lineage, at_bat_index, runners) and
    `runners` (one row per runners[] element: lineage, at_bat_index, runner_index (0-based)
    and `runner`), shared by the tables at the grain of a runner movement (runners, fielding
    credits). `live_data` is a CTE made by document_sections(captures, ['liveData']). -#}
{% macro play_runner_ctes(live_data) -%}
{{ kappa.plays_cte(live_data, 'runners', 'runners') }},

runners as (

    select
        plays.game_pk,
        plays.captured_at,
        plays.source_timecode,
        plays.raw_id,
        plays.at_bat_index,
        cast(runner.pos as int) as runner_index,
        runner.value as runner
    from plays
    {{ kappa.json_explode('plays.runners', '', 'runner') }}

)
{%- endmacro %}
