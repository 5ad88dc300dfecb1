{#- For the Spark stream (spark_streaming/plan.py): the guarded write of every serving model
    (incremental, strategy guarded_merge) into one sink, rendered by the macros the dbt strategy
    uses. Returns JSON:
    {"watermark": <model name>, "skipped": [models without contract columns], "models": {<model>: {"target": ..., "source": ..., "lock": ...,
    "merge": ..., "game_pks": ..., "unique_key": [...], "columns": [...]}}}.

    sink 'postgres': targets are the serving tables (schema.table), each merge
    (kappa.guarded_merge_sql) preceded by kappa.serving_table_lock; sink 'delta': targets are
    the Delta tables at <location_root>/<table> (delta.`path`), the game watermark written by
    kappa.guarded_merge_sql, the others by kappa.guarded_replace_sql (kappa.writes_by_replace),
    as `dbt build --target spark` does. The batch output of model m is the relation
    `<source_prefix><m>` and the batch's games the relation `games` (the merge's retraction);
    a replacement's game list is the placeholder `game_pks` (its "game_pks" in the JSON; null
    for a merge), which the stream substitutes with the literal list of each group.
    replace false: every Delta table by the guarded merge, the write before the replacements
    (`kappa bench delta-write` times both).
    Compile it with `dbt compile --inline "{{ kappa.stream_merge_statements('delta') }}"`. -#}
{% macro stream_merge_statements(sink, source_prefix='kappa_batch_', games='kappa_batch_games', game_pks='kappa_game_pks', replace=true) -%}
    {%- if sink not in ['postgres', 'delta'] -%}
        {{ exceptions.raise_compiler_error("stream_merge_statements: sink '" ~ sink ~ "' not supported; use postgres or delta") }}
    {%- endif -%}
    {%- do kappa.assert_watermark_dependencies() -%}
    {%- set statements = {} -%}
    {%- set watermarks = [] -%}
    {%- set skipped = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model'
        and node.config.materialized == 'incremental'
        and node.config.incremental_strategy == 'guarded_merge' -%}
        {%- set relation = api.Relation.create(schema=node.schema, identifier=node.alias).include(database=false) -%}
        {%- set watermark = kappa.game_watermark(relation) -%}
        {%- if watermark.identifier not in watermarks -%}
            {%- do watermarks.append(watermark.identifier) -%}
        {%- endif -%}
        {%- if sink == 'delta' -%}
            {%- set target = kappa.stream_delta_relation(node.config.location_root, node.alias) -%}
            {%- set watermark = kappa.stream_delta_relation(node.config.location_root, watermark.identifier) -%}
        {%- else -%}
            {%- set target = relation | string -%}
            {%- set watermark = watermark.include(database=false) | string -%}
        {%- endif -%}
        {%- set unique_key = kappa.as_key_list(node.config.unique_key) -%}
        {%- set columns = node.columns.keys() | list -%}
        {%- set source = source_prefix ~ node.name -%}
        {%- set by_replace = replace and sink == 'delta' and kappa.writes_by_replace(relation) -%}
        {%- if not columns -%}
            {%- do skipped.append(node.name) -%}
        {%- else -%}
        {%- do statements.update({node.name: {
            'target': target,
            'source': source,
            'location': (node.config.location_root ~ '/' ~ node.alias) if sink == 'delta' else none,
            'lock': kappa.serving_table_lock(relation) | trim if sink == 'postgres' else none,
            'merge': (kappa.guarded_replace_sql(target, source, unique_key, columns, watermark, game_pks)
                if by_replace else kappa.guarded_merge_sql(target, source, unique_key, columns, watermark, games)) | trim,
            'game_pks': game_pks if by_replace else none,
            'unique_key': unique_key,
            'columns': columns,
        }}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if watermarks | length != 1 -%}
        {{ exceptions.raise_compiler_error("stream_merge_statements: expected one game watermark table, got " ~ watermarks) }}
    {%- endif -%}
    {{ return(tojson({'watermark': watermarks[0], 'models': statements, 'skipped': skipped})) }}
{%- endmacro %}
