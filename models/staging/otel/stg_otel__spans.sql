{#
    One row per span of the OpenTelemetry landing files, parsed and classified, plus one row per
    landing line that holds no span (span_index NULL): a quarantined line, or a valid export
    without spans. So every line and every span is accounted for:
      - a line is quarantined (blank_line, invalid_json, not_otlp_traces) or holds its spans;
      - a span is a GenAI request, a skipped span (not a model call), or quarantined with a reason.

    Incremental and kept through --full-refresh: parsing JSON is the expensive step, so each
    line is parsed once, by the build that first reads it (the reader gives only lines no build
    has read), and the request stream, the quarantine, the context inheritance and the line
    accounting all read what it stored.
#}
-- depends_on: {{ ref('stg_landing__ledger') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=var('rebuild_facts', false),
        on_schema_change='append_new_columns',
        post_hook="{{ ai_finops.assert_landing_folder_read('otel') }}",
    )
}}

with

lines as (
    select * from {{ ref('base_otel__raw_lines') }}
),

parsed as (
    {{ ai_finops.parse_otel_lines('lines') }}
),

cast_values as (
    select
        *,
        -- OTLP/JSON writes 64-bit integers as JSON strings: times in nanoseconds, token counts
        {{ ai_finops.otel_text_to_bigint('start_time_unix_nano_text') }} as start_time_unix_nano,
        {{ ai_finops.otel_text_to_bigint('end_time_unix_nano_text') }} as end_time_unix_nano,
        {{ ai_finops.otel_text_to_bigint('input_tokens_text') }} as input_tokens_reported,
        {{ ai_finops.otel_text_to_bigint('output_tokens_text') }} as output_tokens_reported,
        {{ ai_finops.otel_text_to_bigint('cache_read_tokens_text') }}
            as cache_read_tokens_reported,
        {{ ai_finops.otel_text_to_bigint('cache_creation_tokens_text') }}
            as cache_creation_tokens_reported,
        {{ ai_finops.otel_text_to_bigint('reasoning_tokens_text') }}
            as reasoning_tokens_reported
    from parsed
),

normalised as (
    select
        -- ids: OTLP/JSON writes trace and span ids as hex strings
        ledger_seq,
        source_file,
        line_number,
        span_index,
        raw_line,
        has_invalid_utf8,
        is_json_object,
        is_export_request,
        lower(nullif(trim(trace_id), '')) as trace_id,
        lower(nullif(trim(span_id), '')) as span_id,
        lower(nullif(trim(parent_span_id), '')) as parent_span_id,
        nullif(trim(response_id), '') as response_id,
        span_name,
        scope_name,

        -- time
        start_time_unix_nano,
        end_time_unix_nano,

        -- what ran
        lower(nullif(trim(operation_name), '')) as operation_name,
        lower(nullif(trim(coalesce(provider_name, genai_system)), '')) as named_provider,
        lower(nullif(trim(server_address), '')) as server_address,
        lower(nullif(trim(request_model), '')) as request_model,
        lower(nullif(trim(response_model), '')) as response_model,
        lower(service_tier) as service_tier_reported,

        -- the span failed: status ERROR (code 2; some exporters write the enum's name) or an
        -- error.type attribute, which the instrumentation sets on a failed call
        coalesce(
            upper(status_code) in ('2', 'STATUS_CODE_ERROR', 'ERROR') or nullif(trim(error_type), '') is not null,
            false
        ) as is_failure,

        -- a span is a GenAI span when it names a GenAI operation, provider or model: any other
        -- gen_ai.* attribute alone (a conversation id copied from baggage) does not make one
        coalesce(
            operation_name is not null or provider_name is not null or genai_system is not null
            or request_model is not null or response_model is not null,
            false
        ) as is_genai_span,

        -- tokens as the span reports them (input includes cache reads and cache writes)
        input_tokens_reported,
        output_tokens_reported,
        cache_read_tokens_reported,
        cache_creation_tokens_reported,
        reasoning_tokens_reported,
        coalesce(
            (input_tokens_text is not null and input_tokens_reported is null)
            or (output_tokens_text is not null and output_tokens_reported is null)
            or (cache_read_tokens_text is not null and cache_read_tokens_reported is null)
            or (cache_creation_tokens_text is not null and cache_creation_tokens_reported is null)
            or (reasoning_tokens_text is not null and reasoning_tokens_reported is null),
            false
        ) as has_unparseable_tokens,

        -- business context on the span itself (span attributes, baggage copied onto the span)
        nullif(trim(span_feature), '') as span_feature,
        nullif(trim(span_team), '') as span_team,
        nullif(trim(span_customer_id), '') as span_customer_id,
        nullif(trim(span_environment), '') as span_environment,
        nullif(trim(span_region), '') as span_region,

        -- and on its resource (the process that emitted it)
        nullif(trim(service_name), '') as service_name,
        nullif(trim(resource_feature), '') as resource_feature,
        nullif(trim(resource_team), '') as resource_team,
        nullif(trim(resource_customer_id), '') as resource_customer_id,
        nullif(trim(resource_environment), '') as resource_environment,
        nullif(trim(resource_region), '') as resource_region,
        nullif(trim(end_user_id), '') as end_user_id
    from cast_values
),

categorised as (
    select
        *,
        -- the vendor the provider attribute names, in the gateway's (LiteLLM's) vocabulary
        case named_provider
            when 'azure.ai.openai' then 'azure'
            when 'az.ai.openai' then 'azure'
            when 'azure.ai.inference' then 'azure_ai'
            when 'az.ai.inference' then 'azure_ai'
            when 'gcp.gemini' then 'gemini'
            when 'gcp.vertex_ai' then 'vertex_ai'
            when 'gcp.gen_ai' then 'vertex_ai'
            when 'aws.bedrock' then 'bedrock'
            when 'mistral_ai' then 'mistral'
            when 'x_ai' then 'xai'
            when 'ibm.watsonx.ai' then 'watsonx'
            else named_provider
        end as named_vendor,
        -- the vendor behind an endpoint, from its host name
        case
            when server_address like '%.openai.azure.com' then 'azure'
            when server_address like '%.cognitiveservices.azure.com' then 'azure'
            when server_address = 'generativelanguage.googleapis.com' then 'gemini'
            when server_address like '%aiplatform.googleapis.com' then 'vertex_ai'
            when server_address = 'api.anthropic.com' then 'anthropic'
            when server_address = 'api.mistral.ai' then 'mistral'
            when server_address = 'api.groq.com' then 'groq'
            when server_address = 'api.deepseek.com' then 'deepseek'
            when server_address = 'api.x.ai' then 'xai'
            when server_address = 'api.together.xyz' then 'together_ai'
            when server_address = 'openrouter.ai' then 'openrouter'
            when server_address = 'api.openai.com' then 'openai'
        end as host_vendor,
        -- model: the response's (what actually ran, often a dated snapshot that prices as its
        -- base model), else the requested one; without a "models/" prefix (Gemini)
        regexp_replace(coalesce(response_model, request_model), '^models/', '') as unprefixed_model,
        -- the GenAI conventions' agent and tool operations are not model calls: their usage,
        -- if any, is that of the model calls below them
        coalesce(operation_name, '') in ('invoke_agent', 'create_agent', 'execute_tool') as is_orchestration_span,
        coalesce(operation_name = 'embeddings', false) as is_embedding
    from normalised
),

resolved as (
    select
        *,
        -- Through an OpenAI-compatible endpoint the instrumentation names the client library
        -- ('openai') whatever vendor serves the call: the host decides. Google's generic
        -- 'gcp.gen_ai' also depends on the host (Gemini API or Vertex AI).
        case
            when named_provider is null or named_provider in ('openai', 'gcp.gen_ai')
                then coalesce(host_vendor, named_vendor)
            else named_vendor
        end as provider
    from categorised
),

classified as (
    select
        *,
        -- the first failing rule names the quarantine reason; NULL: a line with spans, or a span
        -- that is a request or skipped
        case
            -- line level (the line's one row, span_index NULL)
            when span_index is null and (raw_line is null or trim(raw_line) = '') then 'blank_line'
            when span_index is null and not is_json_object then 'invalid_json'
            when span_index is null and not is_export_request then 'not_otlp_traces'
            when span_index is null then null
            -- span level: only GenAI model calls are validated, other spans are skipped
            when not is_genai_span or is_orchestration_span then null
            when trace_id is null or span_id is null then 'missing_span_id'
            when start_time_unix_nano is null or start_time_unix_nano <= 0 then 'unparseable_time'
            when provider is null then 'missing_provider'
            when unprefixed_model is null then 'missing_model'
            -- bytes that were not UTF-8 were replaced by U+FFFD when the file was read: harmless
            -- in message content or other attributes, not in what identifies or prices the span
            when
                has_invalid_utf8
                and (
                    coalesce(response_id, '') like '%' || {{ ai_finops.replacement_character() }} || '%'
                    or coalesce(span_id, '') like '%' || {{ ai_finops.replacement_character() }} || '%'
                    or provider like '%' || {{ ai_finops.replacement_character() }} || '%'
                    or unprefixed_model like '%' || {{ ai_finops.replacement_character() }} || '%'
                )
                then 'invalid_utf8'
            when
                {{ ai_finops.otel_unix_nano_to_timestamp('start_time_unix_nano') }}
                > {{ dbt.dateadd('hour', var('future_tolerance_hours'), dbt.current_timestamp()) }}
                then 'time_in_future'
            when
                {{ ai_finops.otel_unix_nano_to_timestamp('start_time_unix_nano') }}
                < {{ ai_finops.earliest_request_time() }}
                then 'time_before_start'
            when
                {{ ai_finops.is_far_from_file_date(
                    ai_finops.otel_unix_nano_to_timestamp('start_time_unix_nano'), 'source_file'
                ) }}
                then 'time_far_from_file_date'
            -- a failed call bills nothing: its token attributes are not read
            when is_failure then null
            when has_unparseable_tokens then 'unparseable_tokens'
            when
                input_tokens_reported < 0 or output_tokens_reported < 0 or cache_read_tokens_reported < 0
                or cache_creation_tokens_reported < 0 or reasoning_tokens_reported < 0
                then 'negative_tokens'
            when
                input_tokens_reported > {{ var('max_plausible_tokens') }}
                or output_tokens_reported > {{ var('max_plausible_tokens') }}
                then 'implausible_tokens'
            when
                coalesce(cache_read_tokens_reported, 0) + coalesce(cache_creation_tokens_reported, 0)
                > coalesce(input_tokens_reported, 0)
                then 'inconsistent_tokens'
            when coalesce(reasoning_tokens_reported, 0) > coalesce(output_tokens_reported, 0) then 'inconsistent_tokens'
        end as quarantine_reason
    from resolved
),

final as (
    select
        -- ids
        'otel' as source_system,
        ledger_seq,
        source_file,
        line_number,
        span_index,
        trace_id,
        span_id,
        parent_span_id,
        -- the provider's response id (the `chatcmpl-...` id a gateway logs too) matches the
        -- same request across sources; without one (embeddings), the span's own identity
        case
            when is_genai_span and not is_orchestration_span
                then coalesce(response_id, trace_id || '-' || span_id)
        end as request_id,

        -- classification
        case
            when span_index is null then null
            when quarantine_reason is not null then 'quarantined'
            when not is_genai_span or is_orchestration_span then 'skipped'
            else 'genai_request'
        end as span_outcome,
        case
            when span_index is null or quarantine_reason is not null then null
            when not is_genai_span then 'not_genai'
            when is_orchestration_span then 'genai_orchestration'
        end as skip_reason,
        quarantine_reason,
        has_invalid_utf8,
        -- the raw text is kept only for a quarantined line (a span's line also holds good spans)
        case when span_index is null and quarantine_reason is not null then raw_line end as raw_line,
        span_name,
        scope_name,

        -- time (UTC)
        case
            when start_time_unix_nano > 0 and quarantine_reason is null
                then {{ ai_finops.otel_unix_nano_to_timestamp('start_time_unix_nano') }}
        end as requested_at,
        case
            when end_time_unix_nano > 0 and quarantine_reason is null
                then {{ ai_finops.otel_unix_nano_to_timestamp('end_time_unix_nano') }}
        end as ended_at,

        -- what ran
        provider,
        case
            when unprefixed_model like provider || '/%' then substr(unprefixed_model, length(provider) + 2)
            else unprefixed_model
        end as model,
        request_model,
        response_model,
        server_address,
        case
            when operation_name in ('chat', 'generate_content') then 'completion'
            when operation_name = 'text_completion' then 'text_completion'
            when operation_name = 'embeddings' then 'embedding'
            else coalesce(operation_name, 'unknown')
        end as call_type,
        case when is_failure then 'failure' else 'success' end as status,
        case
            when service_tier_reported in ('flex', 'priority', 'batch') then service_tier_reported
            else 'standard'
        end as service_tier,

        -- usage: a failed call reports usage of zero (it costs nothing but is counted); a span
        -- without any token attribute (a stream without a usage chunk) did not report usage,
        -- and is flagged rather than priced as zero
        coalesce(
            is_failure or input_tokens_reported is not null or output_tokens_reported is not null,
            false
        ) as is_usage_reported,

        -- tokens as exclusive buckets that add up to everything billed: the GenAI conventions'
        -- gen_ai.usage.input_tokens counts cache reads and cache writes too, so both are taken
        -- out of input_tokens; output_tokens includes reasoning_tokens (a detail, not a bucket);
        -- an embedding is billed for its input only
        case
            when is_failure then 0
            else
                coalesce(input_tokens_reported, 0) - coalesce(cache_read_tokens_reported, 0)
                - coalesce(cache_creation_tokens_reported, 0)
        end as input_tokens,
        case when is_failure then 0 else coalesce(cache_read_tokens_reported, 0) end as cache_read_tokens,
        case when is_failure then 0 else coalesce(cache_creation_tokens_reported, 0) end as cache_write_tokens,
        case when is_failure or is_embedding then 0 else coalesce(output_tokens_reported, 0) end as output_tokens,
        case
            when is_failure or is_embedding then 0
            else coalesce(reasoning_tokens_reported, 0)
        end as reasoning_tokens,

        -- business context on the span itself (the request's own tags)
        cast(
            case when span_feature is not null then 1 else 0 end
            + case when span_team is not null then 1 else 0 end
            + case when span_customer_id is not null then 1 else 0 end
            + case when span_environment is not null then 1 else 0 end
            + case when span_region is not null then 1 else 0 end
            as integer
        ) as request_tag_count,
        span_feature as tag_feature,
        span_team as tag_team,
        span_environment as tag_environment,
        span_region as tag_region,
        span_customer_id as tag_customer_id,

        -- business context of the emitting process (resource attributes)
        service_name,
        resource_feature,
        resource_team,
        resource_customer_id,
        resource_environment,
        resource_region,
        end_user_id
    from classified
)

select * from final
