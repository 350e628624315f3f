-- Rule: every physical line of the LiteLLM landing files ends somewhere, over the whole history:
-- each file the ledger read has its lines stored once each, numbered 1..n without a gap (an
-- appended tail continues the numbering), each stored line is a valid request line or a
-- quarantined one, and every distinct valid request id is in fct_llm_requests exactly once.
-- A row returned says which count does not tie out.
with

lines as (
    select * from {{ ref('stg_litellm__log_lines') }}
),

per_file as (
    select
        source_file,
        count(*) as lines_stored,
        count(distinct line_number) as distinct_lines,
        min(line_number) as first_line,
        max(line_number) as last_line
    from lines
    group by source_file
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
        'lines of ' || source_file || ' stored once each, numbered 1..n' as check_name,
        last_line as expected,
        case when first_line = 1 and distinct_lines = lines_stored then lines_stored else -1 end as actual
    from per_file
    union all
    select
        'lines stored = request lines + quarantined lines' as check_name,
        (select count(*) from lines) as expected,
        request_lines.n + quarantined.n as actual
    from request_lines
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
