-- One row per month x use case (feature) with a budget in force or spend: the allowance
-- (config/budgets.csv), spend to date at the month's frozen rates (what the team is charged),
-- the daily burn rate, the month-end forecast and a status that warns before the money runs out.
-- Measured as of var chargeback_as_of_date (default: the reporting date of the newest request),
-- so a month in progress is forecast and a finished month is final. Spend is the month's books
-- (fct_llm_cost_entries, by booked_month): a closed month keeps what it had when it closed, and
-- a later change to it counts in the first open month.
{%- set as_of = var('chargeback_as_of_date') %}
with

entries as (
    select * from {{ ref('fct_llm_cost_entries') }}
),

budgets as (
    select * from {{ ref('budgets') }}
),

features as (
    select * from {{ ref('features') }}
),

as_of as (
    {% if as_of -%}
    select cast('{{ as_of }}' as date) as as_of_date
    {%- else -%}
    select max(requested_date) as as_of_date
    from entries
    {%- endif %}
),

months as (
    select distinct entries.booked_month as budget_month
    from entries
    cross join as_of
    where entries.booked_month <= as_of.as_of_date
),

spend as (
    select
        entries.booked_month as budget_month,
        entries.feature,
        min(entries.team) as team,
        sum(entries.requests) as requests,
        sum(entries.direct_cost_usd) as spend_to_date_usd
    from entries
    cross join as_of
    where entries.requested_date <= as_of.as_of_date
    group by entries.booked_month, entries.feature
),

budgets_in_force as (
    select
        months.budget_month,
        budgets.*
    from months
    inner join budgets
        on
            months.budget_month >= budgets.effective_from
            and (budgets.effective_to is null or months.budget_month < budgets.effective_to)
),

keys as (
    select
        budget_month,
        feature
    from budgets_in_force
    union distinct
    select
        budget_month,
        feature
    from spend
),

measured as (
    select
        keys.budget_month,
        keys.feature,
        coalesce(features.owning_team, spend.team) as team,
        budgets_in_force.monthly_budget_usd as budget_usd,
        budgets_in_force.warning_at_pct,
        budgets_in_force.forecast_over_at_pct,
        budgets_in_force.over_budget_action,
        as_of.as_of_date,
        coalesce(spend.requests, 0) as requests,
        coalesce(spend.spend_to_date_usd, 0) as spend_to_date_usd,
        cast({{ dbt.dateadd('month', 1, 'keys.budget_month') }} as date) as next_month_start
    from keys
    cross join as_of
    left join budgets_in_force
        on
            keys.budget_month = budgets_in_force.budget_month
            and keys.feature = budgets_in_force.feature
    left join spend
        on
            keys.budget_month = spend.budget_month
            and keys.feature = spend.feature
    left join features
        on keys.feature = features.feature
),

days as (
    select
        *,
        {{ dbt.datediff('budget_month', 'next_month_start', 'day') }}
            as days_in_month,
        1 + {{ dbt.datediff('budget_month', 'as_of_date', 'day') }}
            as days_since_month_start
    from measured
),

forecast as (
    select
        *,
        -- a finished month has elapsed in full: its forecast is its spend
        case
            when days_since_month_start < days_in_month then days_since_month_start else days_in_month
        end as days_elapsed
    from days
),

burn as (
    select
        *,
        -- burn rate: spend to date over the days elapsed; forecast: that rate over the whole month
        cast({{ ai_finops.divide('spend_to_date_usd', 'days_elapsed') }} as {{ ai_finops.money_type() }})
            as daily_burn_rate_usd,
        cast(
            {{ ai_finops.divide('spend_to_date_usd * days_in_month', 'days_elapsed') }}
            as {{ ai_finops.money_type() }}
        ) as forecast_month_end_usd
    from forecast
),

final as (
    select
        -- grain
        budget_month,
        feature,
        team,

        -- as of
        as_of_date,
        cast(days_in_month as integer) as days_in_month,
        cast(days_elapsed as integer) as days_elapsed,
        days_elapsed = days_in_month as is_month_complete,

        -- money in US dollars
        cast(budget_usd as {{ ai_finops.money_type() }}) as budget_usd,
        cast(requests as bigint) as requests,
        cast(spend_to_date_usd as {{ ai_finops.money_type() }}) as spend_to_date_usd,
        daily_burn_rate_usd,
        forecast_month_end_usd,
        cast(budget_usd - spend_to_date_usd as {{ ai_finops.money_type() }}) as remaining_usd,
        case
            when budget_usd > 0 then {{ ai_finops.ratio('spend_to_date_usd', 'budget_usd') }}
        end as share_used,
        case
            when budget_usd > 0 then {{ ai_finops.ratio('forecast_month_end_usd', 'budget_usd') }}
        end as forecast_share,

        -- thresholds (seed) and status, most severe first
        cast(warning_at_pct as decimal(9, 4)) as warning_at_pct,
        cast(forecast_over_at_pct as decimal(9, 4)) as forecast_over_at_pct,
        case
            when budget_usd is null then 'no_budget'
            when spend_to_date_usd > budget_usd then 'over'
            when forecast_month_end_usd > budget_usd * forecast_over_at_pct * 0.01 then 'forecast_over'
            when spend_to_date_usd > 0 and spend_to_date_usd >= budget_usd * warning_at_pct * 0.01 then 'warning'
            else 'ok'
        end as budget_status,
        over_budget_action,
        -- once over the allowance, the seed's action applies: alert the owner or throttle the use case
        case when spend_to_date_usd > budget_usd then over_budget_action else 'none' end as enforcement_action
    from burn
)

select * from final
