{#
    One row per delivered OpenTelemetry GenAI request span, mapped onto the canonical request row
    (macro canonical_request_columns), ready for int_llm_requests_unioned.

    Two rules need joins, so they live here rather than in staging:
    - Context inheritance. Business context travels as span attributes: on the GenAI span itself
      (baggage copied onto every span: the request's own tags -> tag_*), or only on an ancestor
      span of the same trace (the HTTP handler that called the model -> metadata_*). The nearest
      ancestor that carries a key wins, key by key; without one, the resource (the process's
      attributes: deployment.environment, cloud.region, ...) supplies it (-> metadata_*).
      The walk up the parent links stops after var otel_max_ancestor_depth steps, so a cycle in
      malformed data cannot loop forever. Team has no metadata column in the canonical row: an
      inherited team is not carried (attribution takes the team from the feature).
    - Azure deployments. An Azure caller names a deployment, not a model. The response's model
      wins (what ran); a span whose response names none (a failed call) keeps the deployment's
      name, which pricing maps to its model (seed azure_deployments, int_llm_requests_priced).
      The deployment's region is the request's region when nothing else names one.
#}
with

genai_spans as (
    select * from {{ ref('stg_otel__genai_spans') }}
),

spans as (
    select * from {{ ref('stg_otel__spans') }}
),

azure_deployments as (
    select * from {{ ref('azure_deployments') }}
),

-- one row per span identity: a span exported twice must not double the ancestry paths
span_context as (
    select
        trace_id,
        span_id,
        max(parent_span_id) as parent_span_id,
        max(tag_feature) as span_feature,
        max(tag_customer_id) as span_customer_id,
        max(tag_environment) as span_environment,
        max(tag_region) as span_region
    from spans
    where span_index is not null and trace_id is not null and span_id is not null
    group by 1, 2
),

requesting_spans as (
    select distinct
        trace_id,
        span_id,
        parent_span_id
    from genai_spans
),

-- walk up the parent links: the nearest ancestor's value of every key (engine-specific: a
-- recursive CTE where the engine has one, macros/engine/ancestry.sql)
inherited_context as (
    {{ ai_finops.otel_inherited_context('requesting_spans', 'span_context', var('otel_max_ancestor_depth')) }}
),

final as (
    select
        -- ids
        genai_spans.request_id,
        genai_spans.source_system,
        genai_spans.ledger_seq,
        genai_spans.source_file,
        genai_spans.line_number,
        genai_spans.trace_id,

        -- time (UTC)
        genai_spans.requested_at,
        genai_spans.ended_at,

        -- what ran: the response's model, else the deployment the caller named (pricing maps
        -- a deployment to its model: int_llm_requests_priced)
        genai_spans.provider,
        genai_spans.model,
        cast(null as {{ dbt.type_string() }}) as pricing_model,
        cast(null as {{ dbt.type_string() }}) as model_group,
        cast(null as {{ dbt.type_string() }}) as deployment_id,
        cast(null as {{ dbt.type_string() }}) as api_base,
        genai_spans.call_type,
        genai_spans.status,
        genai_spans.service_tier,

        -- tokens (exclusive buckets)
        genai_spans.is_usage_reported,
        genai_spans.input_tokens,
        genai_spans.cache_read_tokens,
        genai_spans.cache_write_tokens,
        genai_spans.output_tokens,
        genai_spans.reasoning_tokens,

        -- cost: OpenTelemetry logs no cost
        cast(null as {{ ai_finops.money_type() }}) as gateway_cost_usd,

        -- business context: the span's own attributes are its tags
        genai_spans.request_tag_count,
        genai_spans.tag_feature,
        genai_spans.tag_team,
        genai_spans.tag_environment,
        genai_spans.tag_region,
        genai_spans.tag_customer_id,

        -- inherited context: nearest ancestor span first, then the resource
        coalesce(inherited_context.inherited_feature, genai_spans.resource_feature) as metadata_feature,
        coalesce(inherited_context.inherited_environment, genai_spans.resource_environment)
            as metadata_environment,
        coalesce(
            inherited_context.inherited_region, genai_spans.resource_region, azure_deployments.region
        ) as metadata_region,
        coalesce(inherited_context.inherited_customer_id, genai_spans.resource_customer_id)
            as metadata_customer_id,

        -- no API key in a trace: the calling service is the owner of record
        cast(null as {{ dbt.type_string() }}) as api_key_alias,
        cast(null as {{ dbt.type_string() }}) as api_key_team_alias,
        genai_spans.service_name,
        genai_spans.end_user_id,
        cast(null as {{ dbt.type_string() }}) as client_user_agent
    from genai_spans
    left join inherited_context
        on
            genai_spans.trace_id = inherited_context.trace_id
            and genai_spans.span_id = inherited_context.span_id
    left join azure_deployments
        on
            genai_spans.provider = 'azure'
            and genai_spans.request_model = lower(azure_deployments.deployment)
)

select * from final
