{#
    One row per charge month x team x usage month: the chargeback as computed now from the
    requests posted to the month, the team's policy, the shared platform costs and the budgets.
    rpt_chargeback_monthly shows these lines for open months and the recorded lines
    (int_chargeback_lines_closed) for closed ones.

    Every team with usage, a shared-cost share or a policy in force gets a regular line
    (usage_month = charge_month). Late arrivals to a closed month get an adjustment line
    (usage_month = the closed month): their direct cost, charged on the policy in force in
    their usage month, with no shared cost and no proportional re-split (the closed month's
    split is final).

    Money (US dollars), each rule where it is applied below:
    - direct_cost_usd     usage at the rates frozen on the first day of the usage month
    - rate_variance_usd   actual list cost - direct cost: held centrally, never charged
    - markup_usd          direct cost x markup_pct, real_cost_plus_markup only
    - shared_cost_usd     the team's share of the month's shared platform costs
    - proportional_adjustment_usd   proportional teams: their share of the pool - own direct cost
    - charge_usd          debited: 0 for showback, else direct + markup + shared + proportional adj.
    - showback_usd        reported, not debited: direct + shared of a showback team
    So per month: sum(charge + showback) = sum(direct + markup + shared) (proportional
    adjustments sum to 0), and sum(direct + rate variance) = the month's actual cost.

    What-if columns (charge_if_<method>_usd): the team's charge if finance put every team on
    that method this month. For proportional that is the month's whole direct cost split by
    token share (it sums to the month's cost); the cost-plus what-if uses the team's markup_pct,
    else var chargeback_default_markup_pct.
#}
-- depends_on: {{ ref('cost_centers') }}
-- depends_on: {{ ref('shared_platform_costs') }}
-- depends_on: {{ ref('shared_cost_fixed_shares') }}
{{ config(pre_hook="{{ ai_finops.validate_chargeback_references() }}") }}

with

usage as (
    select * from {{ ref('int_chargeback_usage_aggregated') }}
),

shared_costs as (
    select * from {{ ref('int_shared_costs_allocated') }}
),

policies as (
    select * from {{ ref('chargeback_policies') }}
),

budgets as (
    select * from {{ ref('budgets') }}
),

features as (
    select * from {{ ref('features') }}
),

shared_by_team as (
    select
        cost_month as charge_month,
        team,
        sum(allocated_usd) as shared_cost_usd
    from shared_costs
    group by cost_month, team
),

-- the months charged: with requests posted to them or shared costs
months as (
    select charge_month as month_start from usage
    union distinct
    select charge_month as month_start from shared_by_team
),

-- the months whose policy is needed: those, and the usage months of adjustment lines
policy_months as (
    select month_start from months
    union distinct
    select usage_month as month_start from usage
),

-- the policy row in force on the first day of the month (policies change at month boundaries)
policies_in_force as (
    select
        policy_months.month_start,
        policies.team,
        policies.chargeback_method,
        policies.markup_pct,
        policies.cost_center
    from policy_months
    inner join policies
        on
            policy_months.month_start >= policies.effective_from
            and (policies.effective_to is null or policy_months.month_start < policies.effective_to)
),

-- a team's allowance: the budgets of the use cases (features) it owns
budgets_by_team as (
    select
        months.month_start,
        features.owning_team as team,
        sum(budgets.monthly_budget_usd) as budget_usd
    from months
    inner join budgets
        on
            months.month_start >= budgets.effective_from
            and (budgets.effective_to is null or months.month_start < budgets.effective_to)
    inner join features
        on budgets.feature = features.feature
    group by months.month_start, features.owning_team
),

lines as (
    -- regular lines: every team with usage, a shared-cost share or a policy in force
    select
        charge_month,
        team,
        usage_month
    from usage
    where usage_month = charge_month
    union distinct
    select
        charge_month,
        team,
        charge_month as usage_month
    from shared_by_team
    union distinct
    select
        policies_in_force.month_start as charge_month,
        policies_in_force.team,
        policies_in_force.month_start as usage_month
    from policies_in_force
    inner join months
        on policies_in_force.month_start = months.month_start
    union distinct
    -- adjustment lines: late arrivals to a closed month, charged in this one
    select
        charge_month,
        team,
        usage_month
    from usage
    where usage_month <> charge_month
),

joined as (
    select
        lines.charge_month,
        lines.team,
        lines.usage_month,
        lines.usage_month <> lines.charge_month as is_adjustment,

        -- policy: the one in force in the usage month; a team without one gets the default
        team_policy.team is not null as has_policy,
        coalesce(team_policy.chargeback_method, '{{ var("chargeback_default_method") }}') as chargeback_method,
        coalesce(team_policy.markup_pct, {{ var('chargeback_default_markup_pct') }}) as markup_pct,
        coalesce(team_policy.cost_center, '{{ var("unattributed_cost_center") }}') as cost_center,

        -- usage
        coalesce(usage.requests, 0) as requests,
        coalesce(usage.total_tokens, 0) as total_tokens,
        coalesce(usage.actual_cost_usd, 0) as actual_cost_usd,
        coalesce(usage.direct_cost_usd, 0) as direct_cost_usd,
        coalesce(usage.rate_variance_usd, 0) as rate_variance_usd,

        -- shared costs and allowances belong to the month's regular line only
        case
            when lines.usage_month = lines.charge_month then coalesce(shared.shared_cost_usd, 0) else 0
        end as shared_cost_usd,
        case when lines.usage_month = lines.charge_month then budget.budget_usd end as budget_usd
    from lines
    left join usage
        on
            lines.charge_month = usage.charge_month
            and lines.team = usage.team
            and lines.usage_month = usage.usage_month
    left join shared_by_team as shared
        on
            lines.charge_month = shared.charge_month
            and lines.team = shared.team
    left join policies_in_force as team_policy
        on
            lines.usage_month = team_policy.month_start
            and lines.team = team_policy.team
    left join budgets_by_team as budget
        on
            lines.charge_month = budget.month_start
            and lines.team = budget.team
),

pooled as (
    select
        *,
        not is_adjustment and chargeback_method = 'proportional' as is_in_pool,
        -- proportional: the month's direct cost of the proportional teams is their pool, split
        -- by token share, so the pool's charges sum to its cost and no money leaves the pool
        sum(
            case when not is_adjustment and chargeback_method = 'proportional' then direct_cost_usd else 0 end
        ) over (partition by charge_month) as pool_cost_usd,
        sum(
            case when not is_adjustment and chargeback_method = 'proportional' then total_tokens else 0 end
        ) over (partition by charge_month) as pool_tokens,
        -- the proportional what-if: every team in the pool, the month's whole direct cost
        sum(case when not is_adjustment then direct_cost_usd else 0 end)
            over (partition by charge_month) as month_cost_usd,
        sum(case when not is_adjustment then total_tokens else 0 end)
            over (partition by charge_month) as month_tokens,
        row_number() over (
            partition by charge_month, is_adjustment, chargeback_method order by total_tokens desc, team asc
        ) as pool_rank,
        row_number() over (
            partition by charge_month, is_adjustment order by total_tokens desc, team asc
        ) as month_rank
    from joined
),

split as (
    select
        *,
        -- a pool without tokens has no cost to split: each team keeps its own
        case
            when is_in_pool and pool_tokens > 0
                then cast(
                    {{ ai_finops.divide('pool_cost_usd * total_tokens', 'pool_tokens') }}
                    as {{ ai_finops.money_type() }}
                )
            else direct_cost_usd
        end as rounded_pool_share_usd,
        case
            when not is_adjustment and month_tokens > 0
                then cast(
                    {{ ai_finops.divide('month_cost_usd * total_tokens', 'month_tokens') }}
                    as {{ ai_finops.money_type() }}
                )
            else direct_cost_usd
        end as rounded_month_share_usd
    from pooled
),

-- rounding remainders go to the line with the most tokens, so each split sums to its pool exactly
settled as (
    select
        *,
        rounded_pool_share_usd
        + case
            when is_in_pool and pool_rank = 1
                then
                    pool_cost_usd
                    - sum(case when is_in_pool then rounded_pool_share_usd else 0 end)
                        over (partition by charge_month)
            else 0
        end as pool_share_usd,
        rounded_month_share_usd
        + case
            when not is_adjustment and month_rank = 1
                then
                    month_cost_usd
                    - sum(case when not is_adjustment then rounded_month_share_usd else 0 end)
                        over (partition by charge_month)
            else 0
        end as month_share_usd
    from split
),

components as (
    select
        charge_month,
        team,
        usage_month,
        is_adjustment,
        cost_center,
        chargeback_method,
        has_policy,
        markup_pct,
        requests,
        total_tokens,
        actual_cost_usd,
        direct_cost_usd,
        rate_variance_usd,
        case
            when chargeback_method = 'real_cost_plus_markup'
                then cast(direct_cost_usd * markup_pct * 0.01 as {{ ai_finops.money_type() }})
            else 0
        end as markup_usd,
        shared_cost_usd,
        case when is_in_pool then pool_share_usd - direct_cost_usd else 0 end as proportional_adjustment_usd,
        budget_usd,
        -- what-if inputs
        month_share_usd,
        cast(direct_cost_usd * markup_pct * 0.01 as {{ ai_finops.money_type() }}) as what_if_markup_usd
    from settled
),

final as (
    select
        -- grain
        charge_month,
        team,
        usage_month,
        is_adjustment,

        -- policy
        cost_center,
        chargeback_method,
        has_policy,
        markup_pct,

        -- usage
        requests,
        total_tokens,

        -- cost in US dollars
        actual_cost_usd,
        direct_cost_usd,
        rate_variance_usd,
        markup_usd,
        shared_cost_usd,
        proportional_adjustment_usd,

        -- what is debited (showback: nothing) and what is only reported
        case
            when chargeback_method = 'showback' then 0
            else direct_cost_usd + markup_usd + shared_cost_usd + proportional_adjustment_usd
        end as charge_usd,
        case
            when chargeback_method = 'showback' then direct_cost_usd + shared_cost_usd else 0
        end as showback_usd,

        -- the charge if every team were on each method this month
        0 as charge_if_showback_usd,
        month_share_usd + shared_cost_usd as charge_if_proportional_usd,
        direct_cost_usd + what_if_markup_usd + shared_cost_usd as charge_if_real_cost_plus_markup_usd,
        direct_cost_usd + shared_cost_usd as charge_if_budget_usd,

        -- allowance of the team's use cases this month
        budget_usd
    from components
)

select * from final
