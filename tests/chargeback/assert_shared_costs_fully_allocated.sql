-- Rule: every dollar of shared platform cost is allocated, once. Per month and cost item, the
-- teams' allocations equal the seed's amount (a basis with no usage falls back to an even
-- split, it does not vanish); per month, the chargeback lines' shared costs equal the seed's
-- total. Checked on the lines as computed from today's seed: a closed month shows the lines
-- recorded at its close, which differ only if the seed was edited after the close
-- (assert_closed_months_not_restated warns). A row returned names the month (and item) whose
-- allocation differs from the seed.
with

seed as (
    select * from {{ ref('shared_platform_costs') }}
),

allocations as (
    select
        cost_month,
        cost_item,
        sum(allocated_usd) as allocated_usd
    from {{ ref('int_shared_costs_allocated') }}
    group by cost_month, cost_item
),

by_item as (
    select
        'int_shared_costs_allocated' as model_name,
        coalesce(seed.cost_month, allocations.cost_month) as cost_month,
        coalesce(seed.cost_item, allocations.cost_item) as cost_item,
        seed.amount_usd as seed_usd,
        allocations.allocated_usd
    from seed
    full outer join allocations
        on
            seed.cost_month = allocations.cost_month
            and seed.cost_item = allocations.cost_item
),

seed_months as (
    select
        cost_month,
        sum(amount_usd) as seed_usd
    from seed
    group by cost_month
),

charged_months as (
    select
        charge_month,
        sum(shared_cost_usd) as allocated_usd
    from {{ ref('int_chargeback_lines_computed') }}
    group by charge_month
),

by_month as (
    select
        'int_chargeback_lines_computed' as model_name,
        coalesce(seed_months.cost_month, charged_months.charge_month) as cost_month,
        '(all)' as cost_item,
        seed_months.seed_usd,
        charged_months.allocated_usd
    from seed_months
    full outer join charged_months
        on seed_months.cost_month = charged_months.charge_month
),

compared as (
    select * from by_item
    union all
    select * from by_month
)

select *
from compared
where coalesce(seed_usd, 0) <> coalesce(allocated_usd, 0)
