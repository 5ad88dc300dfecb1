{#- The guarded write of one batch into one Delta table as a per-game replacement: ONE
    `insert into ... by name replace where game_pk in (<game_pks>) select ...` (Delta Lake only;
    Postgres and the game watermark table keep kappa.guarded_merge_sql). It leaves exactly the
    rows the guarded merge would leave (docs/data-model.md, write semantics); it reads and
    rewrites only the listed games' files (the merge joins the whole table): 1.07-1.52x faster
    than the merge on one group (docs/performance.md, Delta MERGE costs). Used by the dbt strategy
    (kappa.guarded_replace_from_dbt) and by the stream's Delta sink (stream_merge_statements).

    The statement deletes every row of the listed games and inserts the select's rows, so the
    select holds all the rows those games keep: of the batch's rows and the table's rows of the
    listed games, (1) drop every row whose capture is older than its game's watermark w
    (capture_is_older(row, w): a batch row, as the merge's `fresh`; a table row, as the merge's
    retraction), (2) in a scoped build (`scope` c, kappa.build_scope_relation) also drop the
    table's rows that are not newer than the scoped capture (not capture_is_older(c, t), when
    the game has a watermark: the merge's scoped retraction), then (3) keep per key the row of
    the newest capture (captured_at, then raw_id: capture_is_older's order), the batch's on a
    tie (the merge updates a row with a capture at least as new). This leaves what the guarded
    merge leaves: a batch row is of a capture at least as new as the watermark, so a table row
    that beats it is newer than the watermark too (and, scoped, than the scoped capture).

    So a late, older capture changes nothing, a replay is idempotent, and rows that a concurrent
    writer committed from a newer capture are kept. The select reads the table inside the
    statement's transaction (same snapshot, files read registered): a concurrent commit to the
    listed games fails this one (ConcurrentAppendException) rather than losing its rows.

    game_pks: the games to replace, a list of ints (the rendered literal list), or a placeholder
    string that the caller substitutes with such a list (the stream renders once, fills it per
    group: spark_streaming/plan.py). It must hold every game of `source` (Delta checks the
    written rows against the predicate and fails the write otherwise) and every game whose
    rows must be retracted. Delta needs literals there: a subquery is refused
    (UNSUPPORTED_FEATURE.OVERWRITE_BY_SUBQUERY). An empty list renders a statement that does
    nothing. `source` holds one capture per game, as for the merge (which refuses two source
    rows for one key). Other arguments as kappa.guarded_merge_sql.
    Delta Lake, selective overwrite: https://docs.delta.io/latest/delta-batch.html#selectively-overwrite-data-with-replacewhere
    Spark INSERT ... REPLACE WHERE: https://spark.apache.org/docs/latest/sql-ref-syntax-dml-insert-table.html -#}
{% macro guarded_replace_sql(target, source, unique_key, columns, watermark, game_pks, scope=none) -%}
    {%- set game_list = game_pks if game_pks is string else game_pks | map('int') | join(', ') -%}
    {%- if not game_list -%}
select 'guarded_replace_sql: no game to write into {{ target }}' as nothing_to_do
    {%- else -%}
insert into {{ target }} by name
replace where game_pk in ({{ game_list }})
with

candidates as (
    -- the batch's rows, and the table's rows of the listed games
    select {{ columns | join(', ') }}, 0 as kappa_from_table
    from {{ source }}

    union all

    select {{ columns | join(', ') }}, 1 as kappa_from_table
    from {{ target }} as t
    where game_pk in ({{ game_list }})
    {%- if scope is not none %}
        -- scoped build: a row of the scoped capture or older goes (the batch has its own)
        and not exists (
            select 1 from {{ watermark }} as w
            inner join {{ scope }} as c on c.game_pk = w.game_pk
            where w.game_pk = t.game_pk and not {{ kappa.capture_is_older('c', 't') }}
        )
    {%- endif %}
),

current as (
    -- a row of a capture older than its game's watermark goes: from the batch (guard), from
    -- the table (retraction)
    select *
    from candidates as s
    where not exists (
        select 1 from {{ watermark }} as w
        where w.game_pk = s.game_pk and {{ kappa.capture_is_older('s', 'w') }}
    )
),

ranked as (
    -- per key, the row of the newest capture (kappa.capture_is_older's order); on a tie the
    -- batch's, as the merge updates a row with a capture at least as new
    select
        *,
        row_number() over (
            partition by {{ unique_key | join(', ') }}
            order by captured_at desc, raw_id desc, kappa_from_table
        ) as kappa_newest_first
    from current
)

select {{ columns | join(', ') }}
from ranked
where kappa_newest_first = 1
    {%- endif -%}
{%- endmacro %}
