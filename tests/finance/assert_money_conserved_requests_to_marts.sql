-- Rule: money is conserved, to the cent and beyond (exact decimals).
-- By usage month: the cost of the requests as valued today equals the books (a closed month's
-- own entries plus its later adjustments), the daily fact, the P&L rollup and attribution
-- coverage. By booked month: the books equal the daily fact, the P&L and feature cost to serve.
-- A row returned names a month, a view of it and a mart that lost or invented money.
with

requests as (
    select
        'usage' as month_kind,
        requested_month as month_start,
        coalesce(sum(list_cost_usd), 0) as cost_usd
    from {{ ref('fct_llm_requests') }}
    group by requested_month
),

books as (
    select
        'booked' as month_kind,
        booked_month as month_start,
        sum(list_cost_usd) as cost_usd
    from {{ ref('fct_llm_cost_entries') }}
    group by booked_month
),

reference as (
    select * from requests
    union all
    select * from books
),

marts as (
    select
        'fct_llm_cost_entries' as mart,
        'usage' as month_kind,
        requested_month as month_start,
        sum(list_cost_usd) as cost_usd
    from {{ ref('fct_llm_cost_entries') }}
    group by requested_month
    {%- for month_kind, column in [('usage', 'requested_month'), ('booked', 'booked_month')] %}
    union all
    select
        'fct_llm_cost_daily' as mart,
        '{{ month_kind }}' as month_kind,
        {{ column }} as month_start,
        sum(cost_usd) as cost_usd
    from {{ ref('fct_llm_cost_daily') }}
    group by {{ column }}
    {%- endfor %}
    {%- for month_kind, column in [('usage', 'usage_month'), ('booked', 'booked_month')] %}
    union all
    select
        'rpt_pnl_monthly' as mart,
        '{{ month_kind }}' as month_kind,
        {{ column }} as month_start,
        sum(cost_usd) as cost_usd
    from {{ ref('rpt_pnl_monthly') }}
    group by {{ column }}
    {%- endfor %}
    union all
    select
        'rpt_feature_cost_to_serve_monthly' as mart,
        'booked' as month_kind,
        booked_month as month_start,
        sum(cost_usd) as cost_usd
    from {{ ref('rpt_feature_cost_to_serve_monthly') }}
    group by booked_month
    union all
    select
        'rpt_attribution_coverage_monthly' as mart,
        'usage' as month_kind,
        requested_month as month_start,
        sum(cost_usd) as cost_usd
    from {{ ref('rpt_attribution_coverage_monthly') }}
    group by requested_month
),

compared as (
    select
        marts.mart,
        coalesce(marts.month_kind, reference.month_kind) as month_kind,
        coalesce(marts.month_start, reference.month_start) as month_start,
        reference.cost_usd as reference_cost_usd,
        marts.cost_usd as mart_cost_usd
    from marts
    full outer join reference
        on marts.month_kind = reference.month_kind and marts.month_start = reference.month_start
)

select *
from compared
where
    mart_cost_usd is null
    or reference_cost_usd is null
    or mart_cost_usd <> reference_cost_usd
