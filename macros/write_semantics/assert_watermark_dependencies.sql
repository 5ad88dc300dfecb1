{#- Fails (compiler error naming the models) when a serving model (incremental, strategy
    guarded_merge) other than the game watermark does not depend on it. The watermark
    (kappa.game_watermark: live_game_metadata) must be merged first: without the dependency, dbt
    may build a model before it, and that model's guarded merge reads a stale or missing
    watermark. Models declare it with a `-- depends_on: ref('live_game_metadata')` comment
    (in double braces): https://docs.getdbt.com/reference/dbt-jinja-functions/ref#forcing-dependencies
    Called by on-run-start (dbt run/build/compile on every target) and by
    stream_merge_statements (the stream's compile). Does nothing while dbt parses. -#}
{% macro assert_watermark_dependencies() -%}
    {%- if execute -%}
        {%- set serving = [] -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model'
            and node.config.materialized == 'incremental'
            and node.config.incremental_strategy == 'guarded_merge' -%}
            {%- do serving.append(node) -%}
        {%- endfor -%}
        {%- set watermarks = [] -%}
        {%- for node in serving -%}
            {%- set relation = api.Relation.create(schema=node.schema, identifier=node.alias) -%}
            {%- if node.alias == kappa.game_watermark(relation).identifier -%}
                {%- do watermarks.append(node) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if serving and watermarks | length != 1 -%}
            {{ exceptions.raise_compiler_error("assert_watermark_dependencies: expected one serving model that is the game watermark, got " ~ watermarks | map(attribute='name') | list) }}
        {%- endif -%}
        {%- set missing = [] -%}
        {%- for node in serving
            if node.unique_id != watermarks[0].unique_id
            and watermarks[0].unique_id not in node.depends_on.nodes -%}
            {%- do missing.append(node.name) -%}
        {%- endfor -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(
                "assert_watermark_dependencies: serving model(s) " ~ missing | sort | join(', ')
                ~ " do not depend on the game watermark model " ~ watermarks[0].name
                ~ ", whose merge must come first; add the line `-- depends_on: {{ ref('"
                ~ watermarks[0].name ~ "') }}` to each model's SQL"
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
