-- One row per OpenTelemetry landing line that is not a valid trace export, and per GenAI span
-- that is not a valid request: where it is, why, and (for a line) its raw text, so that a person
-- can repair and re-deliver it. Nothing is dropped silently.
-- Raw text can hold prompts and personal data: this model stays in staging, no mart selects it.
with

spans as (
    select * from {{ ref('stg_otel__spans') }}
),

final as (
    select
        source_system,
        ledger_seq,
        source_file,
        line_number,
        span_index,
        case when span_index is null then 'line' else 'span' end as quarantine_level,
        quarantine_reason,
        trace_id,
        span_id,
        request_id,
        raw_line
    from spans
    where quarantine_reason is not null
)

select * from final
