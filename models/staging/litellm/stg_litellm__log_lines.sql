{#
    One row per physical line of the LiteLLM landing files, parsed and classified.

    Incremental and kept through --full-refresh: parsing JSON is the expensive step of the whole
    project, so each line is parsed once, by the build that first reads it (the reader gives only
    lines no build has read), and history is never parsed again.
#}
-- depends_on: {{ ref('stg_landing__ledger') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=var('rebuild_facts', false),
        on_schema_change='append_new_columns',
        post_hook=[
            "{{ ai_finops.assert_landing_folder_read('litellm', by_source_system=true) }}",
            "{{ ai_finops.assert_landing_folder_read('litellm_spend_logs', by_source_system=true) }}",
        ],
    )
}}

with

-- LiteLLM's two records of a request: its logged payload, and its row in the proxy's
-- LiteLLM_SpendLogs table (rewritten as a payload by its reader)
lines as (
    select
        'litellm' as source_system,
        *
    from {{ ref('base_litellm__raw_lines') }}
    union all
    select
        'litellm_spend_logs' as source_system,
        *
    from {{ ref('base_litellm_spend_logs__raw_rows') }}
),

parsed as (
    {{ ai_finops.parse_litellm_lines('lines') }}
),

normalised as (
    select
        -- ids
        source_system,
        ledger_seq,
        source_file,
        line_number,
        raw_line,
        has_invalid_utf8,
        is_json_object,
        landing_problem,
        nullif(trim(id), '') as request_id,
        nullif(trim(trace_id), '') as trace_id,

        -- time: LiteLLM logs epoch seconds; some exporters write milliseconds or microseconds,
        -- which no 2020s request can be mistaken for (1e11 seconds is the year 5138).
        case
            when start_time_epoch >= 1e14 then start_time_epoch / 1000000
            when start_time_epoch >= 1e11 then start_time_epoch / 1000
            else start_time_epoch
        end as start_time_seconds,
        case
            when end_time_epoch >= 1e14 then end_time_epoch / 1000000
            when end_time_epoch >= 1e11 then end_time_epoch / 1000
            else end_time_epoch
        end as end_time_seconds,

        -- what ran: LiteLLM strips the provider prefix from model, but not always; drop it
        -- so that "openai/gpt-4o" and "gpt-4o" price as the same model.
        lower(trim(custom_llm_provider)) as provider,
        {{ ai_finops.strip_provider_prefix('model', 'custom_llm_provider') }} as model,
        -- the model LiteLLM priced the request as (a Router deployment's base model)
        {{ ai_finops.strip_provider_prefix('model_map_key', 'custom_llm_provider') }} as pricing_model,
        nullif(trim(model_group), '') as model_group,
        nullif(trim(deployment_id), '') as deployment_id,
        nullif(trim(api_base), '') as api_base,
        nullif(trim(client_user_agent), '') as client_user_agent,
        lower(coalesce(nullif(trim(call_type), ''), 'unknown')) as call_type,
        lower(coalesce(nullif(trim(status), ''), 'success')) as status,
        case
            when lower(service_tier) in ('flex', 'priority', 'batch') then lower(service_tier)
            when lower(call_type) like '%batch%' then 'batch'
            else 'standard'
        end as service_tier,

        -- tokens as LiteLLM reports them (prompt_tokens includes cache reads and cache writes);
        -- the two totals arrive as JSON numbers (DOUBLE) and become BIGINT only when whole and
        -- in range: anything else is quarantined below, never rounded or billed as a guess
        has_prompt_tokens,
        has_completion_tokens,
        prompt_tokens as prompt_tokens_number,
        completion_tokens as completion_tokens_number,
        case
            when prompt_tokens = floor(prompt_tokens) and abs(prompt_tokens) <= 1e15
                then cast(prompt_tokens as bigint)
        end as prompt_tokens,
        case
            when completion_tokens = floor(completion_tokens) and abs(completion_tokens) <= 1e15
                then cast(completion_tokens as bigint)
        end as completion_tokens,
        coalesce(cached_tokens, 0) as cached_tokens,
        coalesce(cache_creation_tokens, 0) as cache_creation_tokens,
        coalesce(reasoning_tokens, 0) as reasoning_tokens,

        -- cost the gateway computed
        response_cost,

        -- business context as logged; attribution decides later which one wins
        request_tag_count,
        tag_feature,
        tag_team,
        tag_env,
        tag_region,
        tag_customer,
        metadata_feature,
        metadata_env,
        metadata_region,
        metadata_customer_id,
        api_key_alias,
        api_key_team_alias,
        end_user_id
    from parsed
),

classified as (
    select
        *,
        -- The first failing rule names the line's quarantine reason; NULL means a valid request.
        case
            when raw_line is null or (not is_json_object and trim(raw_line) = '') then 'blank_line'
            when not is_json_object then 'invalid_json'
            when landing_problem is not null then landing_problem
            when request_id is null then 'missing_id'
            -- bytes that were not UTF-8 were replaced by U+FFFD when the file was read: harmless
            -- in message content (the line is a request), not in what identifies or prices it
            when
                has_invalid_utf8
                and (
                    request_id like '%' || {{ ai_finops.replacement_character() }} || '%'
                    or provider like '%' || {{ ai_finops.replacement_character() }} || '%'
                    or model like '%' || {{ ai_finops.replacement_character() }} || '%'
                )
                then 'invalid_utf8'
            when start_time_seconds is null then 'unparseable_time'
            when provider is null or provider = '' then 'missing_provider'
            when model is null or model = '' then 'missing_model'
            when not has_prompt_tokens or not has_completion_tokens then 'missing_tokens'
            -- present but not a number (a string, true, an object) or not a whole number
            when
                prompt_tokens_number is null or completion_tokens_number is null
                or prompt_tokens_number <> {{ ai_finops.floor_double('prompt_tokens_number') }}
                or completion_tokens_number <> {{ ai_finops.floor_double('completion_tokens_number') }}
                then 'wrong_type'
            when
                prompt_tokens_number < 0 or completion_tokens_number < 0 or cached_tokens < 0
                or cache_creation_tokens < 0 or reasoning_tokens < 0
                then 'negative_tokens'
            when
                prompt_tokens_number > {{ var('max_plausible_tokens') }}
                or completion_tokens_number > {{ var('max_plausible_tokens') }}
                then 'implausible_tokens'
            when cached_tokens + cache_creation_tokens > prompt_tokens then 'inconsistent_tokens'
            when reasoning_tokens > completion_tokens then 'inconsistent_tokens'
            when
                {{ ai_finops.epoch_seconds_to_timestamp('start_time_seconds') }}
                > {{ dbt.dateadd('hour', var('future_tolerance_hours'), dbt.current_timestamp()) }}
                then 'time_in_future'
            when
                {{ ai_finops.epoch_seconds_to_timestamp('start_time_seconds') }}
                < {{ ai_finops.earliest_request_time() }}
                then 'time_before_start'
            -- (an export of the SpendLogs table is dated when it was taken, not by its rows)
            when
                source_system = 'litellm'
                and {{ ai_finops.is_far_from_file_date(
                    ai_finops.epoch_seconds_to_timestamp('start_time_seconds'), 'source_file'
                ) }}
                then 'time_far_from_file_date'
        end as quarantine_reason
    from normalised
),

final as (
    select
        -- ids
        source_system,
        ledger_seq,
        source_file,
        line_number,
        request_id,
        trace_id,
        quarantine_reason,
        -- invalid bytes in the line were replaced by U+FFFD when it was read
        has_invalid_utf8,
        -- the raw text is kept only for quarantined lines, so that a person can fix them
        case when quarantine_reason is not null then raw_line end as raw_line,

        -- time (UTC)
        case
            when quarantine_reason is null
                then {{ ai_finops.epoch_seconds_to_timestamp('start_time_seconds') }}
        end as requested_at,
        case
            when quarantine_reason is null and end_time_seconds is not null
                then {{ ai_finops.epoch_seconds_to_timestamp('end_time_seconds') }}
        end as ended_at,

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

        -- LiteLLM always logs usage (zeros for a failed call); other sources may not
        true as is_usage_reported,

        -- tokens as exclusive buckets that add up to everything billed:
        -- LiteLLM's prompt_tokens counts cache reads and cache writes too, so both are taken
        -- out of input_tokens; output_tokens includes reasoning_tokens (a detail, not a bucket).
        prompt_tokens - cached_tokens - cache_creation_tokens as input_tokens,
        cached_tokens as cache_read_tokens,
        cache_creation_tokens as cache_write_tokens,
        completion_tokens as output_tokens,
        reasoning_tokens,

        -- cost the gateway logged, in US dollars
        cast(response_cost as {{ ai_finops.money_type() }}) as gateway_cost_usd,

        -- business context as logged
        request_tag_count,
        tag_feature,
        tag_team,
        tag_env as tag_environment,
        tag_region,
        tag_customer as tag_customer_id,
        metadata_feature,
        metadata_env as metadata_environment,
        metadata_region,
        metadata_customer_id,
        api_key_alias,
        api_key_team_alias,
        cast(null as {{ dbt.type_string() }}) as service_name,
        end_user_id,
        client_user_agent
    from classified
)

select * from final
