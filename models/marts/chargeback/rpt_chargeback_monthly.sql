-- One row per charge month x team x usage month: what each team is charged for its LLM use,
-- by the policy finance chose for it, with its share of the shared platform costs, the rate
-- variance held centrally, and what the charge would be under each method. Closed months show
-- the lines recorded when they closed (never restated); open months are computed on each build
-- and carry, as adjustment lines, the requests that arrived after their own month closed.
{%- set line_columns = [
    'charge_month', 'team', 'usage_month', 'is_adjustment', 'cost_center', 'chargeback_method',
    'has_policy', 'markup_pct', 'requests', 'total_tokens', 'actual_cost_usd', 'direct_cost_usd',
    'rate_variance_usd', 'markup_usd', 'shared_cost_usd', 'proportional_adjustment_usd',
    'charge_usd', 'showback_usd', 'charge_if_showback_usd', 'charge_if_proportional_usd',
    'charge_if_real_cost_plus_markup_usd', 'charge_if_budget_usd', 'budget_usd',
] %}
with

computed as (
    select * from {{ ref('int_chargeback_lines_computed') }}
),

closed_periods as (
    select * from {{ ref('closed_periods') }}
),

-- a month reopened (no longer in closed_periods) is computed again, whatever was recorded
recorded as (
    select recorded_lines.*
    from {{ ref('int_chargeback_lines_closed') }} as recorded_lines
    inner join closed_periods
        on recorded_lines.charge_month = closed_periods.closed_month
),

recorded_months as (
    select distinct charge_month
    from recorded
),

open_lines as (
    select computed.*
    from computed
    left join recorded_months
        on computed.charge_month = recorded_months.charge_month
    where recorded_months.charge_month is null
),

-- by name, not position: the recorded table may have gained columns at its end
unioned as (
    select
        {%- for column in line_columns %}
        {{ column }},
        {%- endfor %}
        recorded_at,
        true as is_closed
    from recorded
    union all
    select
        {%- for column in line_columns %}
        {{ column }},
        {%- endfor %}
        cast(null as {{ dbt.type_timestamp() }}) as recorded_at,
        false as is_closed
    from open_lines
),

final as (
    select
        -- grain
        unioned.charge_month,
        unioned.team,
        unioned.usage_month,
        unioned.is_adjustment,

        -- period
        unioned.is_closed,
        closed_periods.closed_on,
        unioned.recorded_at,

        -- policy
        unioned.cost_center,
        unioned.chargeback_method,
        unioned.has_policy,
        cast(unioned.markup_pct as decimal(9, 4)) as markup_pct,

        -- usage
        cast(unioned.requests as bigint) as requests,
        cast(unioned.total_tokens as bigint) as total_tokens,

        -- cost in US dollars
        cast(unioned.actual_cost_usd as {{ ai_finops.money_type() }}) as actual_cost_usd,
        cast(unioned.direct_cost_usd as {{ ai_finops.money_type() }}) as direct_cost_usd,
        cast(unioned.rate_variance_usd as {{ ai_finops.money_type() }}) as rate_variance_usd,
        cast(unioned.markup_usd as {{ ai_finops.money_type() }}) as markup_usd,
        cast(unioned.shared_cost_usd as {{ ai_finops.money_type() }}) as shared_cost_usd,
        cast(unioned.proportional_adjustment_usd as {{ ai_finops.money_type() }}) as proportional_adjustment_usd,
        cast(unioned.charge_usd as {{ ai_finops.money_type() }}) as charge_usd,
        cast(unioned.showback_usd as {{ ai_finops.money_type() }}) as showback_usd,

        -- what-if: the charge if every team were on each method
        cast(unioned.charge_if_showback_usd as {{ ai_finops.money_type() }}) as charge_if_showback_usd,
        cast(unioned.charge_if_proportional_usd as {{ ai_finops.money_type() }}) as charge_if_proportional_usd,
        cast(unioned.charge_if_real_cost_plus_markup_usd as {{ ai_finops.money_type() }})
            as charge_if_real_cost_plus_markup_usd,
        cast(unioned.charge_if_budget_usd as {{ ai_finops.money_type() }}) as charge_if_budget_usd,

        -- allowance
        cast(unioned.budget_usd as {{ ai_finops.money_type() }}) as budget_usd
    from unioned
    left join closed_periods
        on unioned.charge_month = closed_periods.closed_month
)

select * from final
