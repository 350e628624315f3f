-- One row per delivered request line from every gateway source, in the canonical shape.
-- Re-deliveries are still here; the next model removes them.
with

litellm as (
    select * from {{ ref('stg_litellm__requests') }}
),

unioned as (
    select
        {{ ai_finops.canonical_request_columns() | join(',\n        ') }}
    from litellm
)

select * from unioned
