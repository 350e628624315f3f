-- One row per landing file: every line read, and where it went. The identity
-- lines_read = requests + duplicate_lines + quarantined_lines holds for every file and is tested.
with

log_lines as (
    select * from {{ ref('stg_litellm__log_lines') }}
),

requests as (
    select * from {{ ref('int_llm_requests_deduplicated') }}
),

lines_per_file as (
    select
        source_system,
        source_file,
        count(*) as lines_read,
        sum(case when quarantine_reason is null then 1 else 0 end) as request_lines,
        sum(case when quarantine_reason is not null then 1 else 0 end) as quarantined_lines
    from log_lines
    group by 1, 2
),

-- a request is credited to the file of its first delivery; later deliveries are duplicates
first_deliveries_per_file as (
    select
        source_system,
        source_file,
        count(*) as requests
    from requests
    group by 1, 2
),

final as (
    select
        lines_per_file.source_system,
        lines_per_file.source_file,
        cast(lines_per_file.lines_read as bigint) as lines_read,
        cast(coalesce(first_deliveries_per_file.requests, 0) as bigint) as requests,
        cast(lines_per_file.request_lines - coalesce(first_deliveries_per_file.requests, 0) as bigint)
            as duplicate_lines,
        cast(lines_per_file.quarantined_lines as bigint) as quarantined_lines
    from lines_per_file
    left join first_deliveries_per_file
        on
            lines_per_file.source_system = first_deliveries_per_file.source_system
            and lines_per_file.source_file = first_deliveries_per_file.source_file
)

select * from final
