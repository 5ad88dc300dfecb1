{#- guarded_merge_sql with the arguments dbt's incremental materializations pass -#}
{% macro guarded_merge_from_dbt(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {{ kappa.guarded_merge_sql(
        target=target,
        source=arg_dict['temp_relation'],
        unique_key=kappa.as_key_list(arg_dict['unique_key']),
        columns=arg_dict['dest_columns'] | map(attribute='name') | list,
        watermark=kappa.game_watermark(target),
        scope=kappa.build_scope_relation(),
    ) }}
{%- endmacro %}
