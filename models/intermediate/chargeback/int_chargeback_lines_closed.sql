{#
    One row per closed charge month x team x usage month: the chargeback lines of every month
    in config/closed_periods.csv, recorded by the first build that saw the month closed, exactly
    as int_chargeback_lines_computed had them then. This is what was charged.

    Insert-only: a recorded month is never rewritten, whatever later happens to its requests,
    prices, policies or shared costs (`full_refresh: false` keeps it through
    `dbt build --full-refresh`). What changes its usage later (late arrivals, price and mapping
    corrections) is booked in the first open month (fct_llm_cost_entries) and charged there as
    adjustment lines; a seed edit that would restate it is reported by the test
    assert_closed_months_not_restated. A month removed from closed_periods.csv is reopened: its
    rows are forgotten (pre-hook) and it is computed again.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='append_new_columns',
        pre_hook="{{ ai_finops.forget_reopened_months(this, 'charge_month') }}",
    )
}}

with

lines as (
    select * from {{ ref('int_chargeback_lines_computed') }}
),

closed_periods as (
    select * from {{ ref('closed_periods') }}
),

{% if is_incremental() %}
recorded_months as (
    select distinct recorded.charge_month
    from {{ this }} as recorded
    inner join closed_periods
        on recorded.charge_month = closed_periods.closed_month
),
{% endif %}

to_record as (
    select lines.*
    from lines
    inner join closed_periods
        on lines.charge_month = closed_periods.closed_month
    {% if is_incremental() %}
    left join recorded_months
        on lines.charge_month = recorded_months.charge_month
    where recorded_months.charge_month is null
    {% endif %}
),

final as (
    select
        *,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }}) as recorded_at
    from to_record
)

select * from final
