{{ config(unique_key=['game_pk', 'team_side', 'player_id']) }}
-- depends_on: {{ ref('live_game_metadata') }}

with

captures as (

    select * from {{ ref('stg_live_game') }} as captures
    {{ kappa.only_unapplied_captures('captures') }}

),

live_data as (

    {{ kappa.document_sections('captures', ['liveData']) }}

),

{{ kappa.boxscore_team_ctes('live_data') }},

players as (

    select
        teams.game_pk,
        teams.captured_at,
        teams.source_timecode,
        teams.raw_id,
        teams.team_side,
        teams.team_id,
        player.value as player
    from teams
    {{ kappa.json_each('teams.players', '', 'player') }}

),

{# one row per entry of the team's id lists, with its 0-based position in the list: every
   list in one pass over the team object (a union of one explode per list would re-read the
   document once per list on Spark, where a CTE referenced many times is recomputed) #}
list_entries as (

    select
        teams.game_pk,
        teams.team_side,
        id_list.key as list_name,
        {{ kappa.json_typed('entry.value', '', 'int') }} as player_id,
        cast(entry.pos as int) as list_position
    from teams
    {{ kappa.json_each('teams.team', '', 'id_list') }}
    {{ kappa.json_explode('id_list.value', '', 'entry') }}
    where id_list.key in ('batters', 'pitchers', 'bench', 'bullpen', 'battingOrder')

),

memberships as (

    select
        game_pk,
        team_side,
        player_id,
        max(case when list_name = 'batters' then 1 else 0 end) = 1 as is_batter,
        max(case when list_name = 'pitchers' then 1 else 0 end) = 1 as is_pitcher,
        max(case when list_name = 'bench' then 1 else 0 end) = 1 as is_bench,
        max(case when list_name = 'bullpen' then 1 else 0 end) = 1 as is_bullpen,
        max(case when list_name = 'battingOrder' then 1 else 0 end) = 1 as is_in_lineup,
        min(case when list_name = 'pitchers' then list_position + 1 end) as pitching_order
    from list_entries
    group by game_pk, team_side, player_id

),

roster as (

    select
        players.game_pk,
        players.team_side,
        {{ kappa.json_typed('players.player', 'person.id', 'int') }} as player_id,
        players.captured_at,
        players.source_timecode,
        players.raw_id,
        players.team_id,
        {{ kappa.json_typed('players.player', 'jerseyNumber', 'int') }} as jersey_number,
        {{ kappa.json_text('players.player', 'position.code') }} as position_code,
        {{ kappa.json_text('players.player', 'position.abbreviation') }} as position_abbrev,
        {{ kappa.json_text('players.player', 'status.code') }} as status_code,
        {{ kappa.json_typed('players.player', 'battingOrder', 'int') }} as batting_order,
        {{ kappa.json_typed('players.player', 'gameStatus.isSubstitute', 'boolean') }} as is_substitute
    from players

),

final as (

    select
        roster.game_pk,
        roster.team_side,
        roster.player_id,
        roster.captured_at,
        roster.source_timecode,
        roster.raw_id,
        roster.team_id,
        roster.jersey_number,
        roster.position_code,
        roster.position_abbrev,
        roster.status_code,
        coalesce(memberships.is_batter, false) as is_batter,
        coalesce(memberships.is_pitcher, false) as is_pitcher,
        coalesce(memberships.is_bench, false) as is_bench,
        coalesce(memberships.is_bullpen, false) as is_bullpen,
        roster.batting_order,
        case
            when roster.batting_order between 100 and 999
                then cast(floor(roster.batting_order / 100) as int)
        end as batting_slot,
        memberships.pitching_order,
        roster.is_substitute,
        coalesce(memberships.is_in_lineup, false) as is_in_lineup
    from roster
    left join memberships
        on memberships.game_pk = roster.game_pk
        and memberships.team_side = roster.team_side
        and memberships.player_id = roster.player_id

)

select * from final
