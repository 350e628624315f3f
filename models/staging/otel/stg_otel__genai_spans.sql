-- One row per delivered OpenTelemetry GenAI request span that passed validation (a span
-- exported twice is here twice: de-duplication is an intermediate step, so that it is counted).
-- Context inherited from ancestor spans and the Azure deployment mapping need joins: they are
-- added in int_otel_requests_mapped, which delivers the canonical request row.
with

spans as (
    select * from {{ ref('stg_otel__spans') }}
),

final as (
    select
        -- ids
        request_id,
        source_system,
        ledger_seq,
        source_file,
        line_number,
        span_index,
        trace_id,
        span_id,
        parent_span_id,

        -- time (UTC)
        requested_at,
        ended_at,

        -- what ran
        provider,
        model,
        request_model,
        response_model,
        server_address,
        call_type,
        status,
        service_tier,

        -- tokens (exclusive buckets)
        is_usage_reported,
        input_tokens,
        cache_read_tokens,
        cache_write_tokens,
        output_tokens,
        reasoning_tokens,

        -- business context on the span itself
        request_tag_count,
        tag_feature,
        tag_team,
        tag_environment,
        tag_region,
        tag_customer_id,

        -- business context of the emitting process
        service_name,
        resource_feature,
        resource_team,
        resource_customer_id,
        resource_environment,
        resource_region,
        end_user_id
    from spans
    where span_outcome = 'genai_request'
)

select * from final
