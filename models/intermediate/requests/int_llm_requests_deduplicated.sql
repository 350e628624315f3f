-- One row per request_id. A gateway re-delivers a log record (retry of a failed upload, the
-- same file landed twice): the first delivery in landing order is kept and the number of
-- deliveries is recorded, so that duplicates are counted, never billed twice.
with

unioned as (
    select * from {{ ref('int_llm_requests_unioned') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by request_id
            order by source_file, line_number
        ) as delivery_rank,
        count(*) over (partition by request_id) as delivery_count
    from unioned
),

deduplicated as (
    select
        {%- for column in ai_finops.canonical_request_columns() %}
        {{ column }},
        {%- endfor %}
        delivery_count
    from ranked
    where delivery_rank = 1
)

select * from deduplicated
