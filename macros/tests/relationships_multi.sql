{#- Generic test: every row's `columns` (a composite key) exist in the parent `to`. -#}
{% test relationships_multi(model, to, columns) %}

select {{ columns | join(', ') }}
from {{ model }} as child
where not exists (
    select 1 from {{ to }} as parent
    where {% for column in columns -%}
        parent.{{ column }} = child.{{ column }}{{ " and " if not loop.last }}
    {%- endfor %}
)

{% endtest %}
