{#- The select of a scoped build's captures: the newest capture (latest captured_at, ties by the
    higher raw_id, as stg_live_game) of every game in the scope (kappa.build_scope_vars). Dates
    and seasons are the newest capture's gameData.datetime.officialDate and gameData.game.season;
    only those newest documents are read. Plain SQL and cross-db macros: both engines. -#}
{% macro build_scope_sql(scope) -%}
    {%- set raw_log = api.Relation.create(schema=var('raw_schema'), identifier='live_game_v1').include(database=false) -%}
    {%- set game_data = kappa.json_get(kappa.json_doc('newest.data'), 'gameData') -%}
select newest.game_pk, newest.captured_at, newest.raw_id
from (
    select
        game_pk,
        captured_at,
        raw_id,
        data,
        row_number() over (partition by game_pk order by captured_at desc, raw_id desc) as newest_first
    from {{ raw_log }}
    {%- if scope.game_pks %}
    where game_pk in ({{ scope.game_pks | join(', ') }})
    {%- endif %}
) as newest
where newest.newest_first = 1
    {%- if scope.start_date %}
    and {{ kappa.json_typed(game_data, 'datetime.officialDate', 'date') }} >= cast('{{ scope.start_date }}' as date)
    {%- endif %}
    {%- if scope.end_date %}
    and {{ kappa.json_typed(game_data, 'datetime.officialDate', 'date') }} <= cast('{{ scope.end_date }}' as date)
    {%- endif %}
    {%- if scope.season %}
    and {{ kappa.json_typed(game_data, 'game.season', 'int') }} = {{ scope.season }}
    {%- endif %}
{%- endmacro %}
