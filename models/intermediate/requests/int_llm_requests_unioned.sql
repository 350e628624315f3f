-- One row per delivered request line (LiteLLM) or GenAI request span (OpenTelemetry) from every
-- source, in the canonical shape. Re-deliveries, and a request both sources saw (same
-- request_id: the provider's response id), are still here; the next model removes them.
with

litellm as (
    select * from {{ ref('stg_litellm__requests') }}
),

otel as (
    select * from {{ ref('int_otel_requests_mapped') }}
),

unioned as (
    select
        {{ ai_finops.canonical_request_columns() | join(',\n        ') }}
    from litellm

    union all

    select
        {{ ai_finops.canonical_request_columns() | join(',\n        ') }}
    from otel
)

select * from unioned
