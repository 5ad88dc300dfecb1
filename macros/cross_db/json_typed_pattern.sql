{#- Internal helper of json_typed: the regular expression a value's text must match to be cast
    to `type` (the same on every engine; Postgres `~`, Spark `rlike`).
    Postgres: https://www.postgresql.org/docs/current/functions-matching.html
    Spark: https://spark.apache.org/docs/latest/api/sql/#rlike -#}
{% macro json_typed_pattern(type) -%}
    {%- set patterns = {
        'int': '^-?[0-9]{1,9}$',
        'bigint': '^-?[0-9]{1,18}$',
        'double': '^-?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]{1,3})?$',
        'date': '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
        'timestamp': '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|[-+][0-9]{2}:?[0-9]{2})$',
    } -%}
    {%- if type not in patterns -%}
        {{ exceptions.raise_compiler_error("json_typed: type '" ~ type ~ "' not supported on " ~ target.type ~ "; use one of int, bigint, double, boolean, date, timestamp, text") }}
    {%- endif -%}
    {{ return(patterns[type]) }}
{%- endmacro %}
