{#- Key column of the play-level tables (docs/data-model.md): a play's at_bat_index is
    about.atBatIndex, else its 0-based position in allPlays. -#}
{% macro at_bat_index(play, position) -%}
    coalesce({{ kappa.json_typed(play, 'about.atBatIndex', 'int') }}, cast({{ position }} as int))
{%- endmacro %}
