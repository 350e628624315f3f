-- One row per delivered LiteLLM request line that passed validation (re-deliveries included:
-- de-duplication is an intermediate step, so that duplicates can be counted).
with

log_lines as (
    select * from {{ ref('stg_litellm__log_lines') }}
),

final as (
    select
        -- ids
        request_id,
        source_system,
        ledger_seq,
        source_file,
        line_number,
        trace_id,

        -- time (UTC)
        requested_at,
        ended_at,

        -- what ran
        provider,
        model,
        pricing_model,
        model_group,
        deployment_id,
        api_base,
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

        -- cost
        gateway_cost_usd,

        -- business context as logged
        request_tag_count,
        tag_feature,
        tag_team,
        tag_environment,
        tag_region,
        tag_customer_id,
        metadata_feature,
        metadata_environment,
        metadata_region,
        metadata_customer_id,
        api_key_alias,
        api_key_team_alias,
        service_name,
        end_user_id,
        client_user_agent
    from log_lines
    where quarantine_reason is null
)

select * from final
