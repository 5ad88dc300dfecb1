{#- The guarded merge of one batch into one serving table, as ONE MERGE statement that both
    engines run (Postgres >= 15, Delta Lake), used by the dbt strategy `guarded_merge` and by
    the Spark stream for both of its sinks (docs/data-model.md, write semantics):

    - the game watermark is `watermark` (live_game_metadata: one row per game, holding the newest
      capture applied; it is merged first, so every other table follows it);
    - a batch row whose capture is older than its game's watermark is ignored (a late capture
      changes nothing); a matched row is updated only by a capture at least as new (guard);
    - retraction: rows of the table older than their game's watermark are deleted, limited to
      the games in `games` when given (the stream), else swept over the table (dbt);
    - scoped build (`scope`: relation of game_pk, captured_at, raw_id, the capture applied per
      scoped game; kappa.build_scope_relation): retraction is limited to the scoped games, and
      also removes their rows of that capture or older that the batch no longer holds (a fixed
      model stopped producing them); rows of a newer capture (the stream's) stay.

    source: relation/view of the batch output (the table's columns); unique_key: list of key
    columns; columns: all column names.
    Postgres MERGE: https://www.postgresql.org/docs/current/sql-merge.html
    Delta Lake MERGE (Spark): https://docs.delta.io/latest/delta-update.html#upsert-into-a-table-using-merge -#}
{% macro guarded_merge_sql(target, source, unique_key, columns, watermark, games=none, scope=none) -%}
    {%- set keys_match = [] -%}
    {%- for key in unique_key -%}
        {%- do keys_match.append("t." ~ key ~ " = s." ~ key) -%}
    {%- endfor -%}
merge into {{ target }} as t
using (
    with fresh as (
        select {{ columns | join(', ') }}
        from {{ source }} as s
        where not exists (
            select 1 from {{ watermark }} as w
            where w.game_pk = s.game_pk and {{ kappa.capture_is_older('s', 'w') }}
        )
    )

    select {{ columns | join(', ') }}, false as kappa_retract
    from fresh

    union all

    select
        {%- for column in columns %}
        {% if column in unique_key %}t.{{ column }}{% else %}null{% endif %} as {{ column }},
        {%- endfor %}
        true as kappa_retract
    from {{ target }} as t
    inner join {{ watermark }} as w on w.game_pk = t.game_pk
    {%- if scope is not none %}
    inner join {{ scope }} as c on c.game_pk = t.game_pk
    where ({{ kappa.capture_is_older('t', 'w') }} or not {{ kappa.capture_is_older('c', 't') }})
    {%- else %}
    where {{ kappa.capture_is_older('t', 'w') }}
    {%- endif %}
        {%- if games is not none %}
        and t.game_pk in (select game_pk from {{ games }})
        {%- endif %}
        and not exists (
            select 1 from fresh as s where {{ keys_match | join(' and ') }}
        )
) as s
on {{ keys_match | join(' and ') }}
when matched and s.kappa_retract then delete
when matched and not {{ kappa.capture_is_older('s', 't') }} then update set
    {%- for column in columns if column not in unique_key %}
    {{ column }} = s.{{ column }}{{ "," if not loop.last }}
    {%- endfor %}
when not matched and not s.kappa_retract then insert ({{ columns | join(', ') }})
    values ({% for column in columns %}s.{{ column }}{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}
