{#- The guarded write of one batch into one Delta table as a per-game replacement: ONE
    `insert into ... by name replace where game_pk in (<game_pks>) select ...` (Delta Lake only;
    Postgres and the game watermark table keep kappa.guarded_merge_sql). It leaves exactly the
    rows the guarded merge would leave (docs/data-model.md, write semantics); it reads and
    rewrites only the listed games' files (the merge joins the whole table), though at the sizes
    measured it costs about what a merge does (docs/performance.md). Used by the dbt strategy
    (kappa.guarded_replace_from_dbt) and by the stream's Delta sink (stream_merge_statements).

    The statement deletes every row of the listed games and inserts the select's rows, so the
    select holds all the rows those games keep. With fresh = the batch rows whose capture is not
    older than their game's watermark (as in the merge; the watermark is written first, so a
    game's fresh rows are of the watermark's capture), t = the table's rows of the listed games:

    - a fresh row s, unless t holds the key from a newer capture
        (not exists t: keys match and capture_is_older(s, t));
    - a row t whose key the batch holds from an older capture (the guard keeps it)
        (exists s: keys match and capture_is_older(s, t));
    - a row t whose key the batch does not hold, unless retracted (not exists s: keys match,
      and not exists w: w.game_pk = t.game_pk and retract), where retract is
        unscoped: capture_is_older(t, w) (older than the game's watermark);
        scoped (`scope` c, kappa.build_scope_relation, game in the scope):
          capture_is_older(t, w) or not capture_is_older(c, t) (also rows of the scoped
          capture or older that the batch no longer holds; rows of a newer capture stay).

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
    nothing. Other arguments as kappa.guarded_merge_sql.
    Delta Lake, selective overwrite: https://docs.delta.io/latest/delta-batch.html#selectively-overwrite-data-with-replacewhere
    Spark INSERT ... REPLACE WHERE: https://spark.apache.org/docs/latest/sql-ref-syntax-dml-insert-table.html -#}
{% macro guarded_replace_sql(target, source, unique_key, columns, watermark, game_pks, scope=none) -%}
    {%- set keys_match = [] -%}
    {%- for key in unique_key -%}
        {%- do keys_match.append("t." ~ key ~ " = s." ~ key) -%}
    {%- endfor -%}
    {%- set game_list = game_pks if game_pks is string else game_pks | map('int') | join(', ') -%}
    {%- if not game_list -%}
select 'guarded_replace_sql: no game to write into {{ target }}' as nothing_to_do
    {%- else -%}
insert into {{ target }} by name
replace where game_pk in ({{ game_list }})
with

fresh as (
    select {{ columns | join(', ') }}
    from {{ source }} as s
    where not exists (
        select 1 from {{ watermark }} as w
        where w.game_pk = s.game_pk and {{ kappa.capture_is_older('s', 'w') }}
    )
),

replaced as (
    select {{ columns | join(', ') }}
    from {{ target }}
    where game_pk in ({{ game_list }})
),

final as (
    -- a fresh row, unless the table holds its key from a newer capture (guard)
    select {{ columns | join(', ') }}
    from fresh as s
    where not exists (
        select 1 from replaced as t
        where {{ keys_match | join(' and ') }} and {{ kappa.capture_is_older('s', 't') }}
    )

    union all

    -- a row of the table whose key the batch holds from an older capture (guard)
    select {{ columns | join(', ') }}
    from replaced as t
    where exists (
        select 1 from fresh as s
        where {{ keys_match | join(' and ') }} and {{ kappa.capture_is_older('s', 't') }}
    )

    union all

    -- a row of the table whose key the batch does not hold, unless retracted
    select {{ columns | join(', ') }}
    from replaced as t
    where not exists (
        select 1 from fresh as s where {{ keys_match | join(' and ') }}
    )
    and not exists (
        select 1 from {{ watermark }} as w
        {%- if scope is not none %}
        inner join {{ scope }} as c on c.game_pk = w.game_pk
        where w.game_pk = t.game_pk
            and ({{ kappa.capture_is_older('t', 'w') }} or not {{ kappa.capture_is_older('c', 't') }})
        {%- else %}
        where w.game_pk = t.game_pk and {{ kappa.capture_is_older('t', 'w') }}
        {%- endif %}
    )
)

select * from final
    {%- endif -%}
{%- endmacro %}
