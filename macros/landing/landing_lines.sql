{#
    The lines a build has not read yet: one row per physical line of every file (or tail of a
    file) the landing ledger recorded as `loaded` or `appended` since the parsed-lines table
    `parsed_name` last took its lines. Columns: (ledger_seq, source_file, line_number,
    raw_line, has_invalid_utf8).

    This is what makes history cheap: each line is read and parsed once, by the build that
    first sees it, and the parsed table keeps it (incremental, kept through --full-refresh).
    Line numbers are the file's own, so "every line is accounted for" holds over the whole
    history: an appended tail continues the numbering where the last read stopped.
#}
{% macro landing_lines(ledger, source_relation, source_name, parsed_name) %}
    {{ return(adapter.dispatch('landing_lines', 'ai_finops')(ledger, source_relation, source_name, parsed_name)) }}
{% endmacro %}

{#
    The highest ledger entry whose lines the parsed table already holds (0 when it holds none,
    or is being rebuilt from the files with var rebuild_facts).
#}
{% macro landing_lines_processed_seq(parsed_name) %}
    {%- if not execute or var('rebuild_facts', false) -%}
        {{ return(0) }}
    {%- endif -%}
    {%- set parsed = adapter.get_relation(database=this.database, schema=this.schema, identifier=parsed_name) -%}
    {%- if parsed is none -%}
        {{ return(0) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(parsed) | map(attribute='name') | map('lower') | list -%}
    {%- if 'ledger_seq' not in columns -%}
        {%- if flags.WHICH in ('run', 'build') -%}
            {%- do exceptions.raise_compiler_error(
                parsed ~ ' was built by a release of the project without the landing ledger. Rebuild'
                ~ ' the facts from the landing files once: make rebuild-facts'
            ) -%}
        {%- endif -%}
        {{ return(0) }}
    {%- endif -%}
    {{ return(run_query('select coalesce(max(ledger_seq), 0) from ' ~ parsed).columns[0].values()[0] | int) }}
{% endmacro %}

{#
    PostgreSQL and Spark: the loader appended the new lines (whole new files, the tails of
    grown ones) to the source's raw-lines table, each with the ledger entry that brought it.
#}
{% macro default__landing_lines(ledger, source_relation, source_name, parsed_name) %}
    select
        ledger_seq,
        source_file,
        line_number,
        raw_line,
        has_invalid_utf8
    from {{ source_relation }}
    where ledger_seq > {{ ai_finops.landing_lines_processed_seq(parsed_name) }}
{% endmacro %}

{% macro duckdb__landing_lines(ledger, source_relation, source_name, parsed_name) %}
    {%- set processed = ai_finops.landing_lines_processed_seq(parsed_name) -%}
    {%- set pending_sql -%}
        select
            source_file,
            min(ledger_seq) as ledger_seq,
            arg_max(layout, ledger_seq) as layout,
            arg_max(problems, ledger_seq) as problems,
            max(file_size) as file_size,
            bool_or(outcome = 'appended') as is_appended
        from {{ ledger }}
        where
            source_system = '{{ source_name }}'
            and outcome in ('loaded', 'appended')
            and ledger_seq > {{ processed }}
        group by source_file
    {%- endset -%}
    {%- set batched_lines = [] -%}
    {%- set batched_objects = [] -%}
    {%- set csv_files = [] -%}
    {%- set single = [] -%}
    {#- before the first build (compile, docs, lint) there is no ledger yet: nothing pending -#}
    {%- if execute and load_relation(ledger) is not none -%}
        {%- set pending = run_query(pending_sql ~ ' order by ledger_seq').rows -%}
        {%- set appended = [] -%}
        {%- for row in pending if row['is_appended'] -%}
            {%- do appended.append("'" ~ ai_finops.sql_string(row['source_file']) ~ "'") -%}
        {%- endfor -%}
        {%- set lines_before = {} -%}
        {%- set parsed = adapter.get_relation(database=this.database, schema=this.schema, identifier=parsed_name) -%}
        {%- if appended and parsed is not none -%}
            {%- for row in run_query(
                'select source_file, max(line_number) from ' ~ parsed ~ ' where source_file in ('
                ~ appended | join(', ') ~ ') group by 1'
            ).rows -%}
                {%- do lines_before.update({row[0]: row[1] | int}) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- for row in pending -%}
            {%- set file = {
                'path': ai_finops.sql_string(row['source_file']),
                'problems': row['problems'],
                'skip': lines_before.get(row['source_file'], 0),
            } -%}
            {%- if row['layout'] == 'object' -%}
                {%- do batched_objects.append(file) -%}
            {%- elif row['layout'] == 'csv' -%}
                {%- do ai_finops.check_landing_csv_header(row['source_file'], source_name) -%}
                {%- do csv_files.append(file) -%}
            {%- elif row['problems'] == '' and not row['is_appended']
                and not row['source_file'].endswith('.gz')
                and row['file_size'] <= var('landing_batch_max_file_bytes') -%}
                {%- do batched_lines.append(file) -%}
            {%- else -%}
                {%- do single.append(file) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set chunk = var('landing_batch_files') | int %}
    with

    pending as (
        {{ pending_sql }}
    ),

    lines_read as (
        {#-
            Small line files, many per scan: read whole (read_text), split on LF; a trailing
            CR is dropped, a final line without LF counts, an empty line is NULL, a UTF-8
            byte-order mark is dropped: the line rules of the fallback reader.
        #}
        {%- for batch in batched_lines | batch(chunk) %}
        select
            source_file,
            line_number,
            case when ends_with(raw_line, chr(13)) then left(raw_line, -1) else raw_line end as raw_line,
            false as has_invalid_utf8
        from (
            select
                source_file,
                generate_subscripts(lines, 1) as line_number,
                unnest(lines) as raw_line
            from (
                select
                    filename as source_file,
                    string_split(
                        case when ends_with(content, chr(10)) then left(content, -1) else content end,
                        chr(10)
                    ) as lines
                from read_text([
                    {%- for file in batch %}'{{ file.path }}'{{ ', ' if not loop.last }}{% endfor -%}
                ])
                where content <> ''
            )
        )
        union all
        {%- endfor %}

        {#-
            One-object files (the S3 logger's default layout), many per scan: the whole body is
            the record, whatever its line breaks. Bytes that are not UTF-8 are replaced and the
            record flagged, as the line reader does.
        #}
        {%- for batch in batched_objects | batch(chunk) %}
        select
            filename as source_file,
            1 as line_number,
            case
                when try(decode(content)) is not null then try(decode(content))
                else ai_finops_decode_lossy(content)
            end as raw_line,
            try(decode(content)) is null as has_invalid_utf8
        from read_blob([
            {%- for file in batch %}'{{ file.path }}'{{ ', ' if not loop.last }}{% endfor -%}
        ])
        union all
        {%- endfor %}

        {#-
            Table exports (CSV with a header row), one scan per file: each row becomes one JSON
            object, column name -> its text (an empty field is null), numbered from 1 after the
            header; a quoted field may span lines.
        #}
        {%- for file in csv_files %}
        select *
        from (
            select
                '{{ file.path }}' as source_file,
                row_number() over () as line_number,
                cast(to_json(csv_row) as varchar) as raw_line,
                false as has_invalid_utf8
            from read_csv(
                '{{ file.path }}',
                {{ ai_finops.landing_csv_options() }},
                parallel = false,
                max_line_size = {{ var('max_line_bytes') }}
            ) as csv_row
        )
        {%- if file.skip > 0 %}
        where line_number > {{ file.skip }}
        {%- endif %}
        union all
        {%- endfor %}

        {#-
            One scan per file: large or gzip-compressed line files, the tail of a file that grew
            (its first `skip` lines were read before), and files the ledger's inspection flagged
            (invalid UTF-8, an over-long line, gzip under the wrong name, a damaged stream),
            which the plugin's fallback reader takes: same lines and numbers, nothing lost.
            row_number() over () follows the reader's order: DuckDB runs a streaming window on
            one thread, so it is the file's line order.
        #}
        {%- for file in single %}
        {%- if file.problems == '' %}
        select *
        from (
            select
                '{{ file.path }}' as source_file,
                row_number() over () as line_number,
                raw_line,
                false as has_invalid_utf8
            from read_csv(
                '{{ file.path }}',
                columns = {'raw_line': 'VARCHAR'},
                delim = chr(30) || chr(31),
                quote = '',
                escape = '',
                header = false,
                auto_detect = false,
                max_line_size = {{ var('max_line_bytes') }},
                -- two lines' worth of buffer, not DuckDB's 16: files are scanned concurrently
                buffer_size = {{ 2 * var('max_line_bytes') | int }}
            )
        )
        {%- else %}
        -- {{ file.problems }}: read through the fallback reader
        select
            '{{ file.path }}' as source_file,
            line.line_number,
            line.raw_line,
            line.has_invalid_utf8
        from (select unnest(ai_finops_landing_file_lines('{{ file.path }}')) as line)
        {%- endif %}
        {%- if file.skip > 0 %}
        where line_number > {{ file.skip }}
        {%- endif %}
        union all
        {%- endfor %}

        select
            cast(null as varchar) as source_file,
            cast(null as bigint) as line_number,
            cast(null as varchar) as raw_line,
            cast(null as boolean) as has_invalid_utf8
        where false
    )

    select
        pending.ledger_seq,
        lines_read.source_file,
        cast(lines_read.line_number as bigint) as line_number,
        -- a byte-order mark opens a file, not a record
        nullif(
            case
                when lines_read.line_number = 1 and starts_with(lines_read.raw_line, chr(65279))
                    then substr(lines_read.raw_line, 2)
                else lines_read.raw_line
            end,
            ''
        ) as raw_line,
        lines_read.has_invalid_utf8
    from lines_read
    inner join pending
        on lines_read.source_file = pending.source_file
{% endmacro %}

{#
    A table export must have the columns its source reads (by name, any order): a renamed or
    missing column (an upgrade of the program that wrote it) stops the build with the file, the
    column and the closest name its header has, before any of its rows is read.
#}
{% macro landing_csv_required_columns(source_name) %}
    {%- if source_name == 'litellm_spend_logs' -%}
        {{ return(ai_finops.spend_logs_required_columns()) }}
    {%- endif -%}
    {{ return([]) }}
{% endmacro %}

{# How a table export is read, by the reader and by the header check alike: the header row
   names the columns, every value is text (an empty field is null), RFC 4180 quoting. #}
{% macro landing_csv_options() -%}
    header = true, all_varchar = true, delim = ',', quote = '"', escape = '"'
{%- endmacro %}

{% macro check_landing_csv_header(path, source_name) %}
    {%- set required = ai_finops.landing_csv_required_columns(source_name) -%}
    {%- if not required -%}
        {{ return('') }}
    {%- endif -%}
    {%- set found = run_query(
        "select column_name from (describe select * from read_csv('" ~ ai_finops.sql_string(path)
        ~ "', " ~ ai_finops.landing_csv_options() ~ "))"
    ).columns[0].values() | list -%}
    {%- set missing = [] -%}
    {%- for column in required if column not in found -%}
        {%- do missing.append(column) -%}
    {%- endfor -%}
    {%- if missing -%}
        {%- set hints = [] -%}
        {%- for column in missing -%}
            {%- set key = column | lower | replace('_', '') -%}
            {%- set close = [] -%}
            {%- for name in found if name | lower | replace('_', '') == key -%}
                {%- do close.append(name) -%}
            {%- endfor -%}
            {%- do hints.append('"' ~ column ~ '"' ~ (' (the header has "' ~ close[0] ~ '")' if close else '')) -%}
        {%- endfor -%}
        {%- do exceptions.raise_compiler_error(
            'The export ' ~ path ~ ' has no column ' ~ hints | join(', ') ~ ': its header row names '
            ~ found | length ~ ' columns, and the project reads ' ~ source_name ~ ' exports by the '
            ~ 'table\'s own column names (' ~ required | join(', ') ~ ').'
            ~ '\nFix: export the table again as its columns are named (COPY "LiteLLM_SpendLogs" TO ... '
            ~ 'WITH (FORMAT csv, HEADER), or SELECT * from it), or rename the column in the file\'s '
            ~ 'header row. Nothing of this file was read.'
        ) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
