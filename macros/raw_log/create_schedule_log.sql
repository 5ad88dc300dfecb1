{#- The raw schedule log: every distinct /api/v1/schedule response that ingestion received,
    append-only (a response identical to one already stored for the same URL is not stored
    again). The body between the macro tags is plain SQL with no Jinja: ingest/schedule.py
    executes the same text, so this is the only copy. Idempotent. -#}
{% macro create_schedule_log() -%}
create schema if not exists game;

create table if not exists game.schedule_log (
    schedule_id bigint generated always as identity primary key,
    fetched_at timestamptz not null,
    ingested_at timestamptz not null default now(),
    request_url text not null,
    game_pks bigint[] not null,
    content_sha256 text not null,
    data jsonb not null,
    constraint schedule_log_response_once unique (request_url, content_sha256)
);

create index if not exists schedule_log_fetched on game.schedule_log (fetched_at desc);
{%- endmacro %}
