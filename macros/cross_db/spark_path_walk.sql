{#- Spark: walk a dotted path by exploding, for the FROM-clause macros (json_explode, json_each).
    variant_explode hands out slices of the value it explodes, while variant_get of a
    sub-document re-encodes all of it (VariantGet.cast builds a new variant; variant_get was 35%
    of the CPU of a 15-game micro-batch, JFR, mostly re-encoding the ~700 KB allPlays array
    twice per model). So each key of the path is one variant_explode of the object above,
    keeping only that key's value.
    Returns {'joins': the FROM fragments as one string (aliases <alias>_1.._n), 'value': the value at
    the path}. -#}
{% macro spark_path_walk(expression, path, alias) -%}
    {%- set walk = namespace(joins=[], value=expression) -%}
    {%- for key in (path.split('.') if path else []) -%}
        {%- set step = alias ~ '_' ~ loop.index -%}
        {%- do walk.joins.append('cross join lateral variant_explode(' ~ walk.value ~ ') as ' ~ step) -%}
        {%- set walk.value = "(case when " ~ step ~ ".key = '" ~ key ~ "' then " ~ step ~ ".value end)" -%}
    {%- endfor -%}
    {{ return({'joins': walk.joins | join('\n    '), 'value': walk.value}) }}
{%- endmacro %}
