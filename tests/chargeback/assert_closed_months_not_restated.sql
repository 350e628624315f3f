-- Rule: a closed month's chargeback never changes. The lines recorded at close are what the
-- mart shows; this check recomputes them from today's requests and seeds and lists every line
-- that would now differ (a seed edited for a closed month: policy, shared cost, budget, price).
-- Late requests are not a difference: they post to an open month. It warns, since the recorded
-- lines stand; book any correction in an open month.
{{ config(severity='warn') }}

with

recorded as (
    select * from {{ ref('int_chargeback_lines_closed') }}
),

recorded_months as (
    select distinct charge_month
    from recorded
),

recomputed as (
    select computed.*
    from {{ ref('int_chargeback_lines_computed') }} as computed
    inner join recorded_months
        on computed.charge_month = recorded_months.charge_month
)

select
    coalesce(recorded.charge_month, recomputed.charge_month) as charge_month,
    coalesce(recorded.team, recomputed.team) as team,
    coalesce(recorded.usage_month, recomputed.usage_month) as usage_month,
    recorded.charge_usd as recorded_charge_usd,
    recomputed.charge_usd as recomputed_charge_usd,
    recorded.showback_usd as recorded_showback_usd,
    recomputed.showback_usd as recomputed_showback_usd
from recorded
full outer join recomputed
    on
        recorded.charge_month = recomputed.charge_month
        and recorded.team = recomputed.team
        and recorded.usage_month = recomputed.usage_month
where
    recorded.charge_month is null
    or recomputed.charge_month is null
    or recorded.chargeback_method <> recomputed.chargeback_method
    or recorded.requests <> recomputed.requests
    or recorded.direct_cost_usd <> recomputed.direct_cost_usd
    or recorded.shared_cost_usd <> recomputed.shared_cost_usd
    or recorded.charge_usd <> recomputed.charge_usd
    or recorded.showback_usd <> recomputed.showback_usd
