{#
    One row per month x shared cost item x team: the team's share of the month's shared platform
    cost (config/shared_platform_costs.csv), in US dollars.

    Allocation bases (allocation_basis), on the month's own usage (late arrivals charged as
    adjustments of a later month do not move a month's allocation):
    - cost      share of the month's direct LLM cost (frozen rates): heavy users pay more;
    - requests  share of the month's requests: gateway and logging cost scales with calls;
    - even      equal split across the teams with requests in the month;
    - fixed     the shares of config/shared_cost_fixed_shares.csv, the version in force (the
                latest effective_from on or before the month), including teams with no usage.
    Every dollar is allocated. A basis with nothing to weigh in the month (no cost, no requests)
    falls back to an even split, and allocation_basis_applied says `even_fallback`. An even split
    goes to the teams with requests in the month; in a month without any, to the teams with a
    chargeback policy in force; with neither, to the explicit `unattributed` bucket.
    Rounding: each share is rounded to the money type and the remainder (a few 1e-12 dollars)
    goes to the team with the largest weight, so the shares add up to the seed exactly.
#}
with

costs as (
    select * from {{ ref('shared_platform_costs') }}
),

fixed_shares as (
    select * from {{ ref('shared_cost_fixed_shares') }}
),

policies as (
    select * from {{ ref('chargeback_policies') }}
),

usage as (
    select * from {{ ref('int_chargeback_usage_aggregated') }}
),

team_usage as (
    select
        charge_month as cost_month,
        team,
        requests,
        direct_cost_usd
    from usage
    where usage_month = charge_month
),

month_usage as (
    select
        cost_month,
        sum(requests) as month_requests,
        sum(direct_cost_usd) as month_cost_usd
    from team_usage
    group by cost_month
),

cost_months as (
    select distinct cost_month
    from costs
),

active_teams as (
    select
        cost_month,
        team
    from team_usage
    where requests > 0
),

policy_teams as (
    select distinct
        cost_months.cost_month,
        policies.team
    from cost_months
    inner join policies
        on
            cost_months.cost_month >= policies.effective_from
            and (policies.effective_to is null or cost_months.cost_month < policies.effective_to)
),

even_split_fallbacks as (
    select
        cost_months.cost_month,
        count(distinct active_teams.team) as active_team_count,
        count(distinct policy_teams.team) as policy_team_count
    from cost_months
    left join active_teams
        on cost_months.cost_month = active_teams.cost_month
    left join policy_teams
        on cost_months.cost_month = policy_teams.cost_month
    group by cost_months.cost_month
),

-- who shares an even split: teams with requests, else teams with a policy, else unattributed
even_split_teams as (
    select
        active_teams.cost_month,
        active_teams.team
    from active_teams
    union all
    select
        policy_teams.cost_month,
        policy_teams.team
    from policy_teams
    inner join even_split_fallbacks
        on policy_teams.cost_month = even_split_fallbacks.cost_month
    where even_split_fallbacks.active_team_count = 0
    union all
    select
        cost_month,
        'unattributed' as team
    from even_split_fallbacks
    where active_team_count = 0 and policy_team_count = 0
),

fixed_versions as (
    select
        costs.cost_month,
        costs.cost_item,
        max(fixed_shares.effective_from) as version_from
    from costs
    inner join fixed_shares
        on
            costs.cost_item = fixed_shares.cost_item
            and costs.cost_month >= fixed_shares.effective_from
    where costs.allocation_basis = 'fixed'
    group by costs.cost_month, costs.cost_item
),

resolved as (
    select
        costs.cost_month,
        costs.cost_item,
        costs.amount_usd,
        costs.allocation_basis,
        fixed_versions.version_from,
        -- the basis as finance set it, unless it has nothing to weigh this month
        case
            when costs.allocation_basis = 'cost' and month_usage.month_cost_usd > 0 then 'cost'
            when costs.allocation_basis = 'requests' and month_usage.month_requests > 0 then 'requests'
            when costs.allocation_basis = 'fixed' and fixed_versions.version_from is not null then 'fixed'
            when costs.allocation_basis = 'even' then 'even'
            else 'even_fallback'
        end as allocation_basis_applied
    from costs
    left join month_usage
        on costs.cost_month = month_usage.cost_month
    left join fixed_versions
        on
            costs.cost_month = fixed_versions.cost_month
            and costs.cost_item = fixed_versions.cost_item
),

weights as (
    select
        resolved.*,
        team_usage.team,
        cast(team_usage.direct_cost_usd as {{ ai_finops.money_type() }}) as weight
    from resolved
    inner join team_usage
        on resolved.cost_month = team_usage.cost_month
    where resolved.allocation_basis_applied = 'cost' and team_usage.direct_cost_usd > 0
    union all
    select
        resolved.*,
        team_usage.team,
        cast(team_usage.requests as {{ ai_finops.money_type() }}) as weight
    from resolved
    inner join team_usage
        on resolved.cost_month = team_usage.cost_month
    where resolved.allocation_basis_applied = 'requests' and team_usage.requests > 0
    union all
    select
        resolved.*,
        fixed_shares.team,
        cast(fixed_shares.share_pct as {{ ai_finops.money_type() }}) as weight
    from resolved
    inner join fixed_shares
        on
            resolved.cost_item = fixed_shares.cost_item
            and resolved.version_from = fixed_shares.effective_from
    where resolved.allocation_basis_applied = 'fixed'
    union all
    select
        resolved.*,
        even_split_teams.team,
        cast(1 as {{ ai_finops.money_type() }}) as weight
    from resolved
    inner join even_split_teams
        on resolved.cost_month = even_split_teams.cost_month
    where resolved.allocation_basis_applied in ('even', 'even_fallback')
),

shares as (
    select
        *,
        sum(weight) over (partition by cost_month, cost_item) as total_weight,
        row_number() over (partition by cost_month, cost_item order by weight desc, team asc) as weight_rank
    from weights
),

rounded as (
    select
        *,
        cast(
            {{ ai_finops.divide('amount_usd * weight', 'total_weight') }} as {{ ai_finops.money_type() }}
        ) as rounded_usd
    from shares
),

final as (
    select
        -- grain
        cost_month,
        cost_item,
        team,

        -- how
        allocation_basis,
        allocation_basis_applied,
        cast(weight as {{ ai_finops.double_type() }})
        / cast(total_weight as {{ ai_finops.double_type() }}) as allocation_share,

        -- US dollars; the rounding remainder goes to the largest weight
        cast(
            rounded_usd
            + case
                when weight_rank = 1
                    then amount_usd - sum(rounded_usd) over (partition by cost_month, cost_item)
                else 0
            end
            as {{ ai_finops.money_type() }}
        ) as allocated_usd
    from rounded
)

select * from final
