-- One row per landing file the ledger read (empty files included, with zeros), over the whole
-- history: every line read, and where it went; for OpenTelemetry files also every span read,
-- and where it went. The identities hold for every file and are tested:
--   litellm and litellm_spend_logs (one record per line, per row of an export):
--     lines_read = requests + duplicate_lines + quarantined_lines
--   otel (a line is an export of many spans): lines_read = export_lines + quarantined_lines
--     and spans_read = requests + duplicate_spans + skipped_spans + quarantined_spans
with

ledger as (
    select * from {{ ref('stg_landing__ledger') }}
),

litellm_lines as (
    select * from {{ ref('stg_litellm__log_lines') }}
),

otel_spans as (
    select * from {{ ref('stg_otel__spans') }}
),

requests as (
    select * from {{ ref('int_llm_requests_deduplicated') }}
),

litellm_lines_per_file as (
    select
        source_system,
        source_file,
        count(*) as lines_read,
        sum(case when quarantine_reason is null then 1 else 0 end) as request_lines,
        sum(case when quarantine_reason is not null then 1 else 0 end) as quarantined_lines
    from litellm_lines
    group by 1, 2
),

-- stg_otel__spans has one row per span, plus one row (span_index NULL) per line without spans
otel_counts_per_file as (
    select
        source_system,
        source_file,
        count(distinct line_number) as lines_read,
        count(distinct case when span_index is null and quarantine_reason is not null then line_number end)
            as quarantined_lines,
        sum(case when span_index is not null then 1 else 0 end) as spans_read,
        sum(case when span_outcome = 'genai_request' then 1 else 0 end) as request_spans,
        sum(case when span_outcome = 'skipped' then 1 else 0 end) as skipped_spans,
        sum(case when span_outcome = 'quarantined' then 1 else 0 end) as quarantined_spans
    from otel_spans
    group by 1, 2
),

-- a request is credited to the file of its first delivery (whichever source delivered it);
-- later deliveries are duplicates
first_deliveries_per_file as (
    select
        source_system,
        source_file,
        count(*) as requests
    from requests
    group by 1, 2
),

litellm_files as (
    select
        litellm_lines_per_file.source_system,
        litellm_lines_per_file.source_file,
        litellm_lines_per_file.lines_read,
        coalesce(first_deliveries_per_file.requests, 0) as requests,
        litellm_lines_per_file.request_lines - coalesce(first_deliveries_per_file.requests, 0)
            as duplicate_lines,
        litellm_lines_per_file.quarantined_lines,
        -- a LiteLLM line is one record, not a batch of spans: the span columns do not apply
        cast(null as bigint) as export_lines,
        cast(null as bigint) as spans_read,
        cast(null as bigint) as duplicate_spans,
        cast(null as bigint) as skipped_spans,
        cast(null as bigint) as quarantined_spans
    from litellm_lines_per_file
    left join first_deliveries_per_file
        on
            litellm_lines_per_file.source_system = first_deliveries_per_file.source_system
            and litellm_lines_per_file.source_file = first_deliveries_per_file.source_file
),

otel_files as (
    select
        otel_counts_per_file.source_system,
        otel_counts_per_file.source_file,
        otel_counts_per_file.lines_read,
        coalesce(first_deliveries_per_file.requests, 0) as requests,
        -- an OpenTelemetry line is not a request: duplicates are counted per span
        cast(null as bigint) as duplicate_lines,
        otel_counts_per_file.quarantined_lines,
        otel_counts_per_file.lines_read - otel_counts_per_file.quarantined_lines as export_lines,
        otel_counts_per_file.spans_read,
        otel_counts_per_file.request_spans - coalesce(first_deliveries_per_file.requests, 0)
            as duplicate_spans,
        otel_counts_per_file.skipped_spans,
        otel_counts_per_file.quarantined_spans
    from otel_counts_per_file
    left join first_deliveries_per_file
        on
            otel_counts_per_file.source_system = first_deliveries_per_file.source_system
            and otel_counts_per_file.source_file = first_deliveries_per_file.source_file
),

unioned as (
    select * from litellm_files
    union all
    select * from otel_files
),

-- every file a build read, so that an empty file is accounted for too (all zeros)
read_files as (
    select distinct
        source_system,
        source_file
    from ledger
    where outcome in ('loaded', 'appended')
),

accounted as (
    select
        read_files.source_system,
        read_files.source_file,
        coalesce(unioned.lines_read, 0) as lines_read,
        coalesce(unioned.requests, 0) as requests,
        case
            when read_files.source_system <> 'otel' then coalesce(unioned.duplicate_lines, 0)
        end as duplicate_lines,
        coalesce(unioned.quarantined_lines, 0) as quarantined_lines,
        -- the span columns apply to OpenTelemetry files only
        case when read_files.source_system = 'otel' then coalesce(unioned.export_lines, 0) end as export_lines,
        case when read_files.source_system = 'otel' then coalesce(unioned.spans_read, 0) end as spans_read,
        case
            when read_files.source_system = 'otel' then coalesce(unioned.duplicate_spans, 0)
        end as duplicate_spans,
        case when read_files.source_system = 'otel' then coalesce(unioned.skipped_spans, 0) end as skipped_spans,
        case
            when read_files.source_system = 'otel' then coalesce(unioned.quarantined_spans, 0)
        end as quarantined_spans
    from read_files
    left join unioned
        on
            read_files.source_system = unioned.source_system
            and read_files.source_file = unioned.source_file
),

final as (
    select
        source_system,
        source_file,
        cast(lines_read as bigint) as lines_read,
        cast(requests as bigint) as requests,
        cast(duplicate_lines as bigint) as duplicate_lines,
        cast(quarantined_lines as bigint) as quarantined_lines,
        cast(export_lines as bigint) as export_lines,
        cast(spans_read as bigint) as spans_read,
        cast(duplicate_spans as bigint) as duplicate_spans,
        cast(skipped_spans as bigint) as skipped_spans,
        cast(quarantined_spans as bigint) as quarantined_spans
    from accounted
)

select * from final
