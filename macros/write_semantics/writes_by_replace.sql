{#- True when the guarded write into the Delta table `relation` is a per-game replacement
    (kappa.guarded_replace_sql): every serving table but the game watermark, which keeps the
    guarded merge (kappa.guarded_merge_sql) and is written first. Postgres always merges. -#}
{% macro writes_by_replace(relation) -%}
    {{ return(relation.identifier != kappa.game_watermark(relation).identifier) }}
{%- endmacro %}
