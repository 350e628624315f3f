{#
    The raw files of one source below the landing folder, sorted, as a list of paths.

    Files are listed when the model runs (not when dbt parses), so a build always sees the
    files that are there now. `.jsonl` and gzip-compressed `.jsonl.gz` files are read.
#}
{% macro landing_glob(subdir) %}
    {{- return(var('raw_data_dir') ~ '/' ~ subdir ~ '/**/*.jsonl*') -}}
{% endmacro %}

{% macro landing_files(subdir) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set pattern = ai_finops.landing_glob(subdir) -%}
    {%- set listing -%}
        select file
        from glob('{{ ai_finops.sql_string(pattern) }}')
        where file like '%.jsonl' or file like '%.jsonl.gz'
        order by file
    {%- endset -%}
    {{ return(run_query(listing).columns[0].values() | list) }}
{% endmacro %}

{#
    The landing files of one source with what stops DuckDB's fast line reader from reading
    them, as a list of {'file': path, 'problems': '' | 'invalid_utf8,line_too_long,...'}.

    DuckDB's read_csv fails the whole build on a file with bytes that are not UTF-8, a line
    longer than var `max_line_bytes`, a `.gz` name over plain text or a damaged gzip stream.
    The SQL function ai_finops_landing_file_check (ai_finops/duckdb_plugin.py, registered by the
    plugin in profiles.yml) reads a file once and names such problems; `landing_lines` reads a
    file that has one through the plugin's fallback reader instead, losing no line.

    Each file is checked once: the answers are kept per (file, size, modification time, var
    max_line_bytes) in the table landing_file_checks__<subdir> of the target schema, which
    `dbt run` / `dbt build` fill and other commands (compile, docs, sqlfluff) only read. A
    changed file is checked again.
    Without the plugin (another profile) every file takes the fast path, as before.
#}
{% macro landing_file_checks(subdir) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set pattern = ai_finops.sql_string(ai_finops.landing_glob(subdir)) -%}
    {%- set has_plugin = run_query(
        "select count(*) from duckdb_functions() where function_name = 'ai_finops_landing_file_check'"
    ).columns[0].values()[0] > 0 -%}
    {%- set listed -%}
        select
            filename as source_file,
            size as file_size,
            last_modified as modified_at
        from read_blob('{{ pattern }}')
        where filename like '%.jsonl' or filename like '%.jsonl.gz'
    {%- endset -%}
    {%- if not has_plugin -%}
        {%- set result = [] -%}
        {%- for row in run_query('select source_file from (' ~ listed ~ ') order by 1').rows -%}
            {%- do result.append({'file': row[0], 'problems': ''}) -%}
        {%- endfor -%}
        {{ return(result) }}
    {%- endif -%}

    {%- set cache = api.Relation.create(
        database=target.database, schema=target.schema, identifier='landing_file_checks__' ~ subdir
    ) -%}
    {%- set cache_exists = adapter.get_relation(
        database=cache.database, schema=cache.schema, identifier=cache.identifier
    ) is not none -%}
    {%- set writes = flags.WHICH in ('run', 'build') -%}
    {%- if cache_exists -%}
        {#- a cache written by an older release of the project lacks a column: forget it -#}
        {%- set cached_columns = adapter.get_columns_in_relation(cache) | map(attribute='name') | map('lower') | list -%}
        {%- if 'max_line_bytes' not in cached_columns or 'problems' not in cached_columns -%}
            {%- if writes -%}
                {%- do run_query('drop table ' ~ cache) -%}
            {%- endif -%}
            {%- set cache_exists = false -%}
        {%- endif -%}
    {%- endif -%}
    {%- if writes and not cache_exists -%}
        {%- do run_query(
            'create table if not exists ' ~ cache ~ ' (source_file varchar, file_size bigint,'
            ~ ' modified_at timestamp with time zone, max_line_bytes bigint, problems varchar,'
            ~ ' checked_at timestamp with time zone)'
        ) -%}
        {%- set cache_exists = true -%}
    {%- endif -%}
    {%- set checked -%}
        with

        listed as (
            {{ listed }}
        ),

        {% if cache_exists %}
        cached as (
            select * from {{ cache }}
        ),
        {% else %}
        cached as (
            select
                cast(null as varchar) as source_file,
                cast(null as bigint) as file_size,
                cast(null as timestamp with time zone) as modified_at,
                cast(null as bigint) as max_line_bytes,
                cast(null as varchar) as problems
            where false
        ),
        {% endif %}

        final as (
            select
                listed.source_file,
                listed.file_size,
                listed.modified_at,
                cached.problems as cached_problems,
                coalesce(
                    cached.problems,
                    ai_finops_landing_file_check(listed.source_file, {{ var('max_line_bytes') }})
                ) as problems
            from listed
            left join cached
                on
                    listed.source_file = cached.source_file
                    and listed.file_size = cached.file_size
                    and listed.modified_at = cached.modified_at
                    and cached.max_line_bytes = {{ var('max_line_bytes') }}
        )

        select * from final
    {%- endset -%}
    {%- if writes -%}
        {#- remember new answers; forget files that changed or left the landing folder -#}
        {%- do run_query('create or replace temp table landing_file_checks_run__' ~ subdir ~ ' as ' ~ checked) -%}
        {%- do run_query(
            'delete from ' ~ cache ~ ' where source_file not in (select source_file from landing_file_checks_run__' ~ subdir ~ ' where cached_problems is not null);'
            ~ ' insert into ' ~ cache ~ ' select source_file, file_size, modified_at, ' ~ var('max_line_bytes')
            ~ ', problems, current_timestamp'
            ~ ' from landing_file_checks_run__' ~ subdir ~ ' where cached_problems is null'
        ) -%}
        {%- set rows = run_query(
            'select source_file, problems from landing_file_checks_run__' ~ subdir ~ ' order by source_file'
        ).rows -%}
    {%- else -%}
        {%- set rows = run_query('select source_file, problems from (' ~ checked ~ ') order by source_file').rows -%}
    {%- endif -%}
    {%- set result = [] -%}
    {%- for row in rows -%}
        {%- do result.append({'file': row[0], 'problems': row[1] or ''}) -%}
    {%- endfor -%}
    {{ return(result) }}
{% endmacro %}

{# Escape a value for use inside a single-quoted SQL string literal. #}
{% macro sql_string(value) %}
    {{- return(value | replace("'", "''")) -}}
{% endmacro %}
