{#- The game watermark of a serving table: live_game_metadata in the same schema. -#}
{% macro game_watermark(target) -%}
    {{ return(target.incorporate(path={"identifier": "live_game_metadata"})) }}
{%- endmacro %}
