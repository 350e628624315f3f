{#
    One row per month x provider x model: the price seed row in force on the first day of the
    month, frozen. Chargeback prices a month's usage at these rates, so a provider's mid-month
    price change (a new row of seeds/model_prices.csv starting on the 15th) does not swing what
    teams are charged; the difference to the actual list cost is a rate variance held centrally.

    Insert-only: each run adds the months (and the models of a month) not recorded yet, read
    from the seed as it stands, and never rewrites a recorded row, even when the seed is later
    edited for a past month. `full_refresh: false` keeps it through `dbt build --full-refresh`;
    to re-freeze on purpose, drop the table.

    It reads fct_llm_requests, the persisted request ledger (landing files may be purged), for
    the months to freeze.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='append_new_columns',
    )
}}

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

{% if is_incremental() %}
recorded as (
    select
        price_month,
        provider,
        model
    from {{ this }}
),
{% endif %}

to_record as (
    select in_force_on_first_day.*
    from in_force_on_first_day
    {% if is_incremental() %}
    -- a recorded month and model is never rewritten
    left join recorded
        on
            in_force_on_first_day.price_month = recorded.price_month
            and in_force_on_first_day.provider = recorded.provider
            and in_force_on_first_day.model = recorded.model
    where recorded.price_month is null
    {% endif %}
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
        priority_multiplier,

        -- audit
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }}) as frozen_at
    from to_record
)

select * from final
