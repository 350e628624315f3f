{#
    One row per month x provider x model: the price seed row in force on the first day of the
    month. Chargeback prices a month's usage at these rates, so a provider's mid-month price
    change (a new row of seeds/model_prices.csv starting on the 15th) does not swing what teams
    are charged; the difference to the actual list cost is a rate variance held centrally.

    Computed from the seed as it is now on every build, so two warehouses fed the same files
    hold the same rates whatever their build history. A closed month does not move when the
    seed is corrected later: its books (direct cost included) were recorded when it closed
    (int_llm_cost_entries_closed), and the correction is booked in the first open month.
#}
with

requests as (
    select * from {{ ref('fct_llm_requests') }}
),

prices as (
    select * from {{ ref('model_prices') }}
),

months as (
    select distinct requested_month as price_month
    from requests
),

in_force_on_first_day as (
    select
        months.price_month,
        prices.*
    from months
    inner join prices
        on
            months.price_month >= prices.effective_from
            and (prices.effective_to is null or months.price_month < prices.effective_to)
),


final as (
    select
        -- key
        price_month,
        provider,
        model,
        effective_from as price_effective_from,

        -- rates, US dollars per million tokens
        input_usd_per_mtok,
        cache_read_usd_per_mtok,
        cache_write_usd_per_mtok,
        output_usd_per_mtok,
        long_context_threshold_tokens,
        input_above_threshold_usd_per_mtok,
        cache_read_above_threshold_usd_per_mtok,
        cache_write_above_threshold_usd_per_mtok,
        output_above_threshold_usd_per_mtok,
        batch_multiplier,
        flex_multiplier,
        priority_multiplier
    from in_force_on_first_day
)

select * from final
