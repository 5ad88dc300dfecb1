{#- The scope of a scoped build, from the dbt vars `game_pks` (list of game ids, or one id, or
    "A,B"), `start_date` / `end_date` (YYYY-MM-DD, inclusive, the game's officialDate) and
    `season` (a year): a dict {game_pks, start_date, end_date, season}, or none when no scope
    var is set (the whole raw log). One kind of scope per build. A bad value fails compilation
    with a message naming the var, the value and what is valid. Example:
    dbt build --vars '{game_pks: [747175, 744914]}'   dbt build --vars '{season: 2024}' -#}
{% macro build_scope_vars() -%}
    {%- set game_pks = var('game_pks', none) -%}
    {%- set start_date = var('start_date', none) -%}
    {%- set end_date = var('end_date', none) -%}
    {%- set season = var('season', none) -%}
    {%- set given = [] -%}
    {%- if game_pks not in [none, '', []] -%}{%- do given.append('game_pks') -%}{%- endif -%}
    {%- if start_date not in [none, ''] or end_date not in [none, ''] -%}{%- do given.append('start_date/end_date') -%}{%- endif -%}
    {%- if season not in [none, ''] -%}{%- do given.append('season') -%}{%- endif -%}
    {%- if not given -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if given | length > 1 -%}
        {{ exceptions.raise_compiler_error("build scope: vars " ~ given | join(' and ') ~ " given; choose one of game_pks, start_date/end_date, season") }}
    {%- endif -%}
    {%- set scope = {'game_pks': none, 'start_date': none, 'end_date': none, 'season': none} -%}
    {%- if game_pks not in [none, '', []] -%}
        {%- set items = game_pks.split(',') if game_pks is string else (game_pks if game_pks is iterable else [game_pks]) -%}
        {%- set ids = [] -%}
        {%- for item in items -%}
            {%- if not modules.re.match('^ *[0-9]{1,18} *$', item | string) -%}
                {{ exceptions.raise_compiler_error("build scope: var game_pks " ~ tojson(game_pks) ~ ": " ~ tojson(item | string) ~ " is not a game id; give whole numbers, e.g. [747175, 744914]") }}
            {%- endif -%}
            {%- do ids.append((item | string | trim) | int) -%}
        {%- endfor -%}
        {%- do scope.update({'game_pks': ids | unique | sort}) -%}
    {%- endif -%}
    {%- for name, value in [('start_date', start_date), ('end_date', end_date)] if value not in [none, ''] -%}
        {%- if not modules.re.match('^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$', value | string) -%}
            {{ exceptions.raise_compiler_error("build scope: var " ~ name ~ " " ~ tojson(value | string) ~ " is not a date; give YYYY-MM-DD, e.g. 2024-10-01") }}
        {%- endif -%}
        {%- do scope.update({name: value | string}) -%}
    {%- endfor -%}
    {%- if scope.start_date and scope.end_date and scope.start_date > scope.end_date -%}
        {{ exceptions.raise_compiler_error("build scope: start_date " ~ scope.start_date ~ " is after end_date " ~ scope.end_date) }}
    {%- endif -%}
    {%- if season not in [none, ''] -%}
        {%- if not modules.re.match('^[0-9]{4}$', season | string) -%}
            {{ exceptions.raise_compiler_error("build scope: var season " ~ tojson(season | string) ~ " is not a year; give four digits, e.g. 2024") }}
        {%- endif -%}
        {%- do scope.update({'season': season | string | int}) -%}
    {%- endif -%}
    {{ return(scope) }}
{%- endmacro %}
