{#- Key column of the play-event tables (docs/data-model.md): an event's event_index is
    playEvents[].index, else its 0-based position in playEvents. -#}
{% macro event_index(event, position) -%}
    coalesce({{ kappa.json_typed(event, 'index', 'int') }}, cast({{ position }} as int))
{%- endmacro %}
