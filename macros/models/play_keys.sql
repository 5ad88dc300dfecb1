{#- Key columns of the play-level tables (DATA_MODEL.md): a play's at_bat_index is
    about.atBatIndex, else its 0-based position in allPlays; an event's event_index is
    playEvents[].index, else its 0-based position in playEvents. -#}
{% macro at_bat_index(play, position) -%}
    coalesce({{ kappa.json_typed(play, 'about.atBatIndex', 'int') }}, cast({{ position }} as int))
{%- endmacro %}

{% macro event_index(event, position) -%}
    coalesce({{ kappa.json_typed(event, 'index', 'int') }}, cast({{ position }} as int))
{%- endmacro %}
