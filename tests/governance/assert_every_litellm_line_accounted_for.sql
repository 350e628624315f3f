-- Rule: every physical line of the LiteLLM landing files ends somewhere: lines read (counted
-- from the files again, not from staging) = valid request lines + quarantined lines, and every
-- valid request id is in fct_llm_requests exactly once (re-deliveries included in one row).
-- A row returned says which count does not tie out.
with

lines_read as (
    select count(*) as n from {{ ref('base_litellm__raw_lines') }}
),

request_lines as (
    select
        count(*) as n,
        count(distinct request_id) as distinct_ids
    from {{ ref('stg_litellm__requests') }}
),

quarantined as (
    select count(*) as n from {{ ref('stg_litellm__lines_quarantined') }}
),

in_fact as (
    select count(distinct fct.request_id) as n
    from {{ ref('fct_llm_requests') }} as fct
    inner join {{ ref('stg_litellm__requests') }} as stg
        on fct.request_id = stg.request_id
),

checks as (
    select
        'lines read = request lines + quarantined lines' as check_name,
        lines_read.n as expected,
        request_lines.n + quarantined.n as actual
    from lines_read
    cross join request_lines
    cross join quarantined
    union all
    select
        'every distinct valid request id is in fct_llm_requests' as check_name,
        request_lines.distinct_ids,
        in_fact.n
    from request_lines
    cross join in_fact
)

select * from checks
where expected <> actual
