{#- Settings for one serving model's build on Postgres, run as its pre-hook inside the model's
    transaction (`set local`: nothing leaks to other work on the connection). Other engines: none.
    - jit off: the wide JSON projections cost 0.5-1 s of LLVM compilation per statement and gain
      nothing (measured on 100 re-keyed games: metadata 3.66 s -> 2.53 s, pitch_events ~2x).
    - enable_memoize off: the planner caches lateral JSON functions keyed by the 1 MB
      document (binary hash of it per row, never a hit: every capture is distinct).
    - work_mem: sorts and hashes of the guarded merge fit in memory; a cap per operation, so
      memory stays flat whatever the backlog.
    https://www.postgresql.org/docs/current/jit-decision.html -#}
{% macro transform_session_settings() -%}
    {{ return(adapter.dispatch('transform_session_settings', 'kappa')()) }}
{%- endmacro %}

{% macro default__transform_session_settings() -%}
{%- endmacro %}

{% macro postgres__transform_session_settings() -%}
    set local jit = off; set local enable_memoize = off; set local work_mem = '64MB'
{%- endmacro %}
