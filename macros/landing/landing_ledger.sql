{#
    The landing ledger's view of the landing folder: which files are there, in which layout.

    A source's files are every file below <raw_data_dir>/<source>/, at any depth. Each file
    name maps to a layout through var `landing_layouts` (one home for the rule; the loader of
    the other engines reads the same var): `lines` (one record per line: .jsonl, .jsonl.gz,
    and OpenTelemetry's .json) or `object` (one record per file: the LiteLLM S3 logger's
    default .json objects). Any other file is `unknown`: recorded as skipped and reported,
    never read and never silently ignored.
#}
{% macro landing_sources() %}
    {{ return(var('landing_layouts').keys() | list | sort) }}
{% endmacro %}

{% macro landing_layout_expr(source_name, file_name) %}
    {%- set layouts = var('landing_layouts')[source_name] -%}
    {#- longest suffix first, so that a longer one (.jsonl.gz) wins over one it ends with (.gz) -#}
    {%- set by_length = [] -%}
    {%- for suffix in layouts -%}
        {%- do by_length.append([suffix | length, suffix]) -%}
    {%- endfor %}
    case
        {%- for pair in by_length | sort(reverse=true) %}
        when {{ file_name }} like '%{{ pair[1] }}' then '{{ layouts[pair[1]] }}'
        {%- endfor %}
        else 'unknown'
    end
{%- endmacro %}

{# The readable suffixes of a source, for messages: ".jsonl, .jsonl.gz, .json". #}
{% macro landing_suffixes(source_name) %}
    {{ return(var('landing_layouts')[source_name].keys() | list | sort | join(', ')) }}
{% endmacro %}

{% macro landing_folder(source_name) %}
    {{ return(var('raw_data_dir').rstrip('/') ~ '/' ~ source_name) }}
{% endmacro %}

{#
    The ledger entries a build adds: one per file that is new, or whose size or modification
    time differs from what the ledger last recorded of it. `history` names the ledger so far
    (a relation or CTE; empty on the first build). See stg_landing__ledger for the outcomes.
#}
{% macro landing_ledger_new_entries(history) %}
    {{ return(adapter.dispatch('landing_ledger_new_entries', 'ai_finops')(history)) }}
{% endmacro %}

{#
    PostgreSQL and Spark cannot list local files from SQL: the loader (ai_finops.load_raw)
    applies the same rules when it lands files and keeps its own ledger table per source;
    the build takes the entries it has not recorded yet.
#}
{% macro default__landing_ledger_new_entries(history) %}
    select
        ledger_seq,
        source_system,
        source_file,
        layout,
        file_size,
        modified_at,
        fingerprint,
        outcome,
        problems
    from {{ source('landing', 'landed_files') }}
    where ledger_seq > (select coalesce(max(ledger_seq), 0) from {{ history }})
{% endmacro %}

{% macro duckdb__landing_ledger_new_entries(history) %}
    {%- set listed_sources = [] -%}
    {%- if execute -%}
        {%- for source_name in ai_finops.landing_sources() -%}
            {%- set pattern = ai_finops.sql_string(ai_finops.landing_folder(source_name)) ~ '/**' -%}
            {%- if run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] > 0 -%}
                {%- do listed_sources.append(source_name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif %}
    with

    listed as (
        {%- for source_name in listed_sources %}
        select
            '{{ source_name }}' as source_system,
            filename as source_file,
            {{ ai_finops.landing_layout_expr(source_name, 'filename') }} as layout,
            size as file_size,
            -- UTC wall time, as the ledger stores it: compared with what it recorded whatever
            -- the session's time zone
            timezone('UTC', last_modified) as modified_at
        from read_blob('{{ ai_finops.sql_string(ai_finops.landing_folder(source_name)) }}/**')
        union all
        {%- endfor %}
        select
            cast(null as varchar) as source_system,
            cast(null as varchar) as source_file,
            cast(null as varchar) as layout,
            cast(null as bigint) as file_size,
            cast(null as timestamp) as modified_at
        where false
    ),

    latest as (
        select *
        from {{ history }}
        qualify row_number() over (partition by source_system, source_file order by ledger_seq desc) = 1
    ),

    -- the last state of a file that was read: what a new state is compared with
    latest_read as (
        select *
        from {{ history }}
        where outcome in ('loaded', 'appended', 'touched')
        qualify row_number() over (partition by source_system, source_file order by ledger_seq desc) = 1
    ),

    changed as (
        select
            listed.*,
            latest_read.source_file is not null as was_read,
            latest_read.file_size as read_size,
            latest_read.fingerprint as read_fingerprint
        from listed
        left join latest
            on listed.source_system = latest.source_system and listed.source_file = latest.source_file
        left join latest_read
            on
                listed.source_system = latest_read.source_system
                and listed.source_file = latest_read.source_file
        where
            latest.source_file is null
            or listed.file_size <> latest.file_size
            or listed.modified_at <> latest.modified_at
    ),

    inspected as (
        select
            *,
            case
                when layout <> 'unknown'
                    then ai_finops_landing_file_inspect(
                        source_file,
                        -- one object per file: no line to be too long for the line reader
                        case when layout = 'lines' then {{ var('max_line_bytes') }} else 0 end,
                        coalesce(read_size, 0)
                    )
            end as inspection
        from changed
    ),

    classified as (
        select
            *,
            case
                when layout = 'unknown' then 'skipped'
                when inspection.fingerprint is null then 'unreadable'
                when not was_read then 'loaded'
                when inspection.prefix_fingerprint = read_fingerprint and file_size = read_size
                    then 'touched'
                -- one object per file, or a table export: any change is a new version of
                -- records already read (an export is landed as a new file, never rewritten)
                when layout in ('object', 'csv') then 'rewritten'
                when file_size < read_size then 'shrunk'
                -- a line file that grew and kept every byte it had: its tail is new lines
                when inspection.prefix_fingerprint = read_fingerprint and layout = 'lines'
                    then 'appended'
                else 'rewritten'
            end as outcome
        from inspected
    )

    select
        -- first landed, first in the ledger: files found by the same build in the order
        -- they were written, so a replay written later never outranks its original
        (select coalesce(max(ledger_seq), 0) from {{ history }})
        + row_number() over (order by modified_at, source_system, source_file) as ledger_seq,
        source_system,
        source_file,
        layout,
        file_size,
        modified_at,
        inspection.fingerprint as fingerprint,
        outcome,
        coalesce(inspection.problems, '') as problems
    from classified
{% endmacro %}

{#
    Never a green build over an unread folder: after a source's lines are parsed, a source
    folder that holds files of which not one record could be read fails the build, naming the
    folder, the layouts the project reads and what it found. (A source with no folder or an
    empty one is fine: a team may use one source only.)
    Used as the post-hook of the source's parsed-lines model; `quarantine_reason` NULL marks a
    readable record there (a LiteLLM request, an OTLP export). A model that parses several
    sources passes by_source_system=true: its column source_system says which.
#}
{% macro assert_landing_folder_read(source_name, by_source_system=false) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set ledger = ref('stg_landing__ledger') -%}
    {%- set files = run_query(
        "select ledger.source_file, ledger.layout, ledger.outcome from " ~ ledger ~ " as ledger"
        ~ " inner join (select source_file, max(ledger_seq) as ledger_seq from " ~ ledger
        ~ " where source_system = '" ~ source_name ~ "' group by source_file) as latest"
        ~ " on ledger.ledger_seq = latest.ledger_seq order by 1"
    ).rows -%}
    {%- if files | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set readable = run_query(
        'select count(*) from (select 1 from ' ~ this ~ ' where quarantine_reason is null'
        ~ (" and source_system = '" ~ source_name ~ "'" if by_source_system else '')
        ~ ' limit 1) as any_readable'
    ).columns[0].values()[0] -%}
    {%- if readable == 0 -%}
        {%- set found = [] -%}
        {%- for row in files[:5] -%}
            {%- do found.append('  - ' ~ row[0] ~ ' (' ~ (row[1] if row[1] != 'unknown' else 'no reader for this name') ~ ', ' ~ row[2] ~ ')') -%}
        {%- endfor -%}
        {%- do exceptions.raise_compiler_error(
            'The landing folder ' ~ ai_finops.landing_folder(source_name) ~ ' holds ' ~ files | length
            ~ ' file(s), and not one record could be read from them. The project reads '
            ~ ai_finops.landing_suffixes(source_name) ~ ' files there, at any depth (var landing_layouts).'
            ~ ' Found:\n' ~ found | join('\n')
            ~ ('\n  ...' if files | length > 5 else '')
            ~ '\nFix: point AI_FINOPS_RAW_DIR (var raw_data_dir) at the folder your gateway writes to;'
            ~ ' rpt_landing_files and stg_' ~ source_name ~ '__* quarantine models say what each file held.'
        ) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{# Escape a value for use inside a single-quoted SQL string literal. #}
{% macro sql_string(value) %}
    {{- return(value | replace("'", "''")) -}}
{% endmacro %}
