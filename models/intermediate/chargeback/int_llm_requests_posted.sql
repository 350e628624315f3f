{#
    One row per request: the chargeback month it is posted to, decided once, the first time a
    build sees the request, and never changed (insert-only; `full_refresh: false` keeps it
    through `dbt build --full-refresh`).

    Period-close rule: a request is posted to its own month (usage_month) while that month is
    open. A request that first arrives after its month was closed (seeds/closed_periods.csv) is
    posted to the first open month after it, as a late arrival: the closed month's charge never
    changes, and the late usage is charged as an adjustment line of the open month.
    The first build of a warehouse posts every request to its own month: nothing was charged
    before it, so nothing can have been closed without it.
    It reads fct_llm_requests, the persisted request ledger (landing files may be purged).
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='append_new_columns',
    )
}}

with

requests as (
    select * from {{ ref('fct_llm_requests') }}
),

closed_periods as (
    select * from {{ ref('closed_periods') }}
),

new_requests as (
    select
        requests.request_id,
        requests.requested_month as usage_month
    from requests
    {% if is_incremental() %}
    left join {{ this }} as posted
        on requests.request_id = posted.request_id
    where posted.request_id is null
    {% endif %}
),

-- every month a late request could be posted to: the months of the new requests and the month
-- after each closed month (so the first open month after a run of closed months is a candidate)
candidate_months as (
    select distinct usage_month as candidate_month
    from new_requests
    union distinct
    select cast({{ dbt.dateadd('month', 1, 'closed_month') }} as date) as candidate_month
    from closed_periods
),

open_months as (
    select candidate_months.candidate_month
    from candidate_months
    left join closed_periods
        on candidate_months.candidate_month = closed_periods.closed_month
    where closed_periods.closed_month is null
),

usage_months as (
    select distinct
        new_requests.usage_month,
        -- on a warehouse's first build nothing was charged before, so no month counts as closed
        {{ 'true' if is_incremental() else 'false' }} and closed_periods.closed_month is not null
            as is_usage_month_closed
    from new_requests
    left join closed_periods
        on new_requests.usage_month = closed_periods.closed_month
),

posting_months as (
    select
        usage_months.usage_month,
        usage_months.is_usage_month_closed,
        case
            when usage_months.is_usage_month_closed then min(open_months.candidate_month)
            else usage_months.usage_month
        end as posting_month
    from usage_months
    left join open_months
        on usage_months.usage_month < open_months.candidate_month
    group by usage_months.usage_month, usage_months.is_usage_month_closed
),

final as (
    select
        new_requests.request_id,
        new_requests.usage_month,
        posting_months.posting_month,
        posting_months.is_usage_month_closed as is_late_arrival,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }}) as posted_at
    from new_requests
    inner join posting_months
        on new_requests.usage_month = posting_months.usage_month
)

select * from final
