{#- Incremental predicate of a serving model (`captures` = staging rows, one per game: the
    game's newest capture in the raw log). Keeps the games whose newest capture is not the one
    this table already holds. It depends on no id order or clock, so a capture committed late,
    or loaded late with an older captured_at, is never skipped; a game whose capture yields no
    row of this table is simply recomputed. In the stream (var streaming) the batch holds only
    new captures and nothing is filtered; `streaming` is tested first so that compiling for
    the stream never looks up the catalog. A scoped build (kappa.build_scope_relation) applies
    its captures again, applied or not: nothing is filtered. -#}
{% macro only_unapplied_captures(captures) -%}
    {%- if not var('streaming') and is_incremental() and kappa.build_scope_relation() is none -%}
    where not exists (
        select 1 from {{ this }} as applied
        where applied.game_pk = {{ captures }}.game_pk and applied.raw_id = {{ captures }}.raw_id
    )
    {%- endif -%}
{%- endmacro %}
