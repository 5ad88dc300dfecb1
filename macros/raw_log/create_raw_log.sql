{#- The raw log and its quarantine (docs/data-model.md). The body between the macro tags is plain
    SQL with no Jinja: kappa/raw_log.py executes the same text, so this is the only copy.
    Idempotent; run by on-run-start on Postgres and by the loader. -#}
{% macro create_raw_log() -%}
create schema if not exists game;

create table if not exists game.live_game_v1 (
    raw_id bigint generated always as identity primary key,
    game_pk bigint not null,
    captured_at timestamptz not null,
    ingested_at timestamptz not null default now(),
    source_timecode text,
    game_state text,
    content_sha256 text not null,
    data jsonb not null,
    -- Transaction that wrote the row. raw_id is not commit-ordered; transaction ids below
    -- pg_snapshot_xmin(pg_current_snapshot()) are all finished: commit-safe stream offsets.
    xact_id xid8 not null default pg_current_xact_id(),
    constraint live_game_v1_capture_once unique (game_pk, content_sha256)
);

-- Documents are stored uncompressed (TOAST storage EXTERNAL): every serving model of a build
-- reads each document once, and pglz decompression was a third of a backfill's CPU (2,430
-- games: 62 s -> 50 s, load 36 s -> 22 s) for ~3.4x the disk. Only the default storage
-- (EXTENDED, compressed) is switched, so a log set to MAIN (compressed) on purpose stays so.
-- Applies to rows written from then on.
do $$
begin
    if (select attstorage from pg_attribute
        where attrelid = 'game.live_game_v1'::regclass and attname = 'data') = 'x' then
        alter table game.live_game_v1 alter column data set storage external;
    end if;
end
$$;

-- newest capture per game without reading any document
create index if not exists live_game_v1_newest
    on game.live_game_v1 (game_pk, captured_at desc, raw_id desc);
create index if not exists live_game_v1_xact on game.live_game_v1 (xact_id);

create table if not exists game.live_game_quarantine (
    raw_id bigint,
    game_pk bigint,
    captured_at timestamptz,
    error text not null,
    detected_at timestamptz not null default now(),
    source text
);
{%- endmacro %}
