{#- Generic test: `columns` are the table's key, unique and never NULL (dbt's `unique` and
    `not_null` in one test).
    Postgres: the contract's enforced `primary key` guarantees both for every row, so the test
    checks that the table has that constraint on exactly `columns` (a catalog lookup) instead of
    scanning each table once per key column: a season's build ran 56 such scans, about 7 s.
    https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-PRIMARY-KEYS
    Elsewhere (Delta enforces no key): one scan for NULLs and duplicates. -#}
{% test primary_key(model, columns) %}
    {{ return(adapter.dispatch('test_primary_key', 'kappa')(model, columns)) }}
{% endtest %}

{% macro default__test_primary_key(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
    {%- for column in columns %}
    or {{ column }} is null
    {%- endfor %}
{% endmacro %}

{% macro postgres__test_primary_key(model, columns) %}
with tested as (
    select unnest(array[{% for column in columns %}'{{ column }}'{{ ", " if not loop.last }}{% endfor %}]::text[]) as column_name
),

enforced as (
    select attribute.attname::text as column_name
    from pg_constraint as key_constraint
    inner join pg_attribute as attribute
        on attribute.attrelid = key_constraint.conrelid
        and attribute.attnum = any(key_constraint.conkey)
    where key_constraint.conrelid = to_regclass('{{ model.include(database=false) }}')
        and key_constraint.contype = 'p'
),

final as (
    select
        coalesce(tested.column_name, enforced.column_name) as column_name,
        case
            when enforced.column_name is null then 'tested as key, not in the primary key constraint'
            else 'in the primary key constraint, not tested as key'
        end as problem
    from tested
    full outer join enforced on tested.column_name = enforced.column_name
    where tested.column_name is null or enforced.column_name is null
)

select * from final
{% endmacro %}
