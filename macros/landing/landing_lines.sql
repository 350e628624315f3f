{#
    Every physical line of a source's raw files: (source_file, line_number, raw_line,
    has_invalid_utf8).

    This relation is what makes "every line is accounted for" provable: staging classifies each
    of these rows as a request, a re-delivery or a quarantined line, and tests count them.

    DuckDB reads the files directly. Other engines read a table of raw lines that a loader
    filled (the source passed in), because they cannot read local files from SQL.
#}
{% macro landing_lines(source_relation, subdir) %}
    {{ return(adapter.dispatch('landing_lines', 'ai_finops')(source_relation, subdir)) }}
{% endmacro %}

{% macro default__landing_lines(source_relation, subdir) %}
    select
        source_file,
        line_number,
        raw_line,
        -- a loader writes text: it has already decoded (or rejected) the bytes
        false as has_invalid_utf8
    from {{ source_relation }}
{% endmacro %}

{% macro duckdb__landing_lines(source_relation, subdir) %}
    {%- set files = ai_finops.landing_file_checks(subdir) -%}
    {%- if files | length == 0 %}
    {#- No file yet (a user with another source only): an empty relation, not an error. #}
    select
        cast(null as varchar) as source_file,
        cast(null as bigint) as line_number,
        cast(null as varchar) as raw_line,
        cast(null as boolean) as has_invalid_utf8
    where false
    {%- else %}
    {#-
        One scan per file so that line numbers are exact: row_number() over () follows the
        reader's output order, which is the file's line order because DuckDB runs a streaming
        window on one thread, whatever preserve_insertion_order says (the profile turns it off
        so that the files' scans run concurrently). Each line is read whole as one VARCHAR: the
        delimiter is two control characters that valid JSON can never contain unescaped, and
        quoting is off.
        Blank lines come back as NULL and keep their number. gzip is detected by extension.
        A file the check flagged (bytes that are not UTF-8, an over-long line, gzip under the
        wrong name, a damaged stream) is read by the plugin's fallback reader instead: same
        lines and numbers, invalid bytes replaced by U+FFFD and the line flagged.
    #}
    {%- for checked in files %}
    {%- set file = ai_finops.sql_string(checked.file) %}
    {%- if checked.problems == '' %}
    select
        '{{ file }}' as source_file,
        row_number() over () as line_number,
        raw_line,
        false as has_invalid_utf8
    from read_csv(
        '{{ file }}',
        columns = {'raw_line': 'VARCHAR'},
        delim = chr(30) || chr(31),
        quote = '',
        escape = '',
        header = false,
        auto_detect = false,
        max_line_size = {{ var('max_line_bytes') }},
        -- DuckDB's default buffer is 16x max_line_size (1 GiB per file scan at 64 MiB), and the
        -- files are scanned concurrently: two lines' worth is enough and keeps memory bounded
        buffer_size = {{ 2 * var('max_line_bytes') | int }}
    )
    {%- else %}
    -- {{ checked.problems }}: read through the fallback reader
    select
        '{{ file }}' as source_file,
        line.line_number,
        line.raw_line,
        line.has_invalid_utf8
    from (select unnest(ai_finops_landing_file_lines('{{ file }}')) as line)
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- endif %}
{% endmacro %}
