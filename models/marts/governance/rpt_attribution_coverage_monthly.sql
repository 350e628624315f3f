-- One row per reporting month x team x attribution source: how each team's spend was
-- attributed (own tags, metadata, API-key ownership, nothing), with shares of the team's and of
-- the month's spend. Every team that spent anything has rows, so "what did your use case cost
-- last month" has an answer for every team, and the untagged part of it is visible.
with

daily as (
    select * from {{ ref('fct_llm_cost_daily') }}
),

rolled_up as (
    select
        requested_month,
        team,
        attribution_source,
        sum(requests) as requests,
        sum(cost_usd) as cost_usd
    from daily
    group by requested_month, team, attribution_source
),

with_totals as (
    select
        *,
        sum(cost_usd) over (partition by requested_month, team) as team_cost_usd,
        sum(cost_usd) over (partition by requested_month) as month_cost_usd
    from rolled_up
),

final as (
    select
        requested_month,
        team,
        attribution_source,
        cast(requests as bigint) as requests,
        cast(cost_usd as {{ ai_finops.money_type() }}) as cost_usd,
        case
            when team_cost_usd <> 0 then {{ ai_finops.ratio('cost_usd', 'team_cost_usd') }}
        end as share_of_team_cost,
        case
            when month_cost_usd <> 0 then {{ ai_finops.ratio('cost_usd', 'month_cost_usd') }}
        end as share_of_month_cost
    from with_totals
)

select * from final
