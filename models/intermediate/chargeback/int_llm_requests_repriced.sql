{#
    One row per request, priced a second time at the rates frozen on the first day of its month
    (int_model_prices_frozen): the cost chargeback charges, `direct_cost_usd`. The actual list
    cost (fct_llm_requests.list_cost_usd, the price in force at requested_at) minus it is the
    request's rate variance, held centrally and never charged to a team.

    Rules:
    - only requests the project priced are repriced; an unpriced request costs 0 either way;
    - the frozen row is looked up by month, provider and the model the request was priced as;
      a model with no frozen row (first priced after the month began) keeps its actual cost,
      with is_rate_frozen = false;
    - the rate rules are those of int_llm_requests_priced (macros/pricing.sql: long-context
      tier on the prompt size, service-tier multiplier, cache classes without a rate of their own
      billed at the input rate), applied to the frozen row.
    It reads fct_llm_requests, the persisted request ledger (landing files may be purged).
#}
with

requests as (
    select * from {{ ref('fct_llm_requests') }}
),

frozen_prices as (
    select * from {{ ref('int_model_prices_frozen') }}
),

matched as (
    select
        requests.*,
        frozen_prices.price_month is not null as is_rate_frozen,
        frozen_prices.price_effective_from as frozen_price_effective_from,
        frozen_prices.input_usd_per_mtok,
        frozen_prices.cache_read_usd_per_mtok,
        frozen_prices.cache_write_usd_per_mtok,
        frozen_prices.output_usd_per_mtok,
        frozen_prices.long_context_threshold_tokens,
        frozen_prices.input_above_threshold_usd_per_mtok,
        frozen_prices.cache_read_above_threshold_usd_per_mtok,
        frozen_prices.cache_write_above_threshold_usd_per_mtok,
        frozen_prices.output_above_threshold_usd_per_mtok,
        frozen_prices.batch_multiplier,
        frozen_prices.flex_multiplier,
        frozen_prices.priority_multiplier
    from requests
    left join frozen_prices
        on
            requests.requested_month = frozen_prices.price_month
            and requests.provider = frozen_prices.provider
            and requests.priced_as_model = frozen_prices.model
            and requests.pricing_status = 'priced'
),

-- the rate rules are shared with chargeback repricing (macros/pricing.sql)
rated as (
    select
        *,
        {{ ai_finops.is_long_context_expr() }} as is_frozen_long_context,
        {{ ai_finops.tier_multiplier_expr() }} as frozen_tier_multiplier
    from matched
),

rates as (
    select
        *,
        {{ ai_finops.token_class_rates('is_frozen_long_context') }}
    from rated
),

costed as (
    select
        *,
        {{ ai_finops.token_cost('input_tokens', 'input_rate', 'frozen_tier_multiplier') }}
        + {{ ai_finops.token_cost('cache_read_tokens', 'cache_read_rate', 'frozen_tier_multiplier') }}
        + {{ ai_finops.token_cost('cache_write_tokens', 'cache_write_rate', 'frozen_tier_multiplier') }}
        + {{ ai_finops.token_cost('output_tokens', 'output_rate', 'frozen_tier_multiplier') }}
            as frozen_cost_usd
    from rates
),

final as (
    select
        -- ids and time
        request_id,
        requested_at,
        valuation_seq,

        -- usage time and business context, as the period-close journal books them
        {%- for column in ai_finops.cost_entry_dimensions() %}
        {{ column }},
        {%- endfor %}

        -- what ran
        priced_as_model,
        pricing_status,
        total_tokens,

        -- the request's measures, as the period-close journal books them
        1 as requests,
        case when status = 'failure' then 1 else 0 end as failed_requests,
        case when pricing_status <> 'priced' then 1 else 0 end as unpriced_requests,
        input_tokens,
        cache_read_tokens,
        cache_write_tokens,
        output_tokens,
        reasoning_tokens,
        cast(coalesce(list_cost_usd, 0) as {{ ai_finops.money_type() }}) as list_cost_usd,
        gateway_cost_usd,

        -- cost in US dollars: actual (price in force at requested_at), direct (frozen rates)
        is_rate_frozen,
        frozen_price_effective_from,
        cast(coalesce(list_cost_usd, 0) as {{ ai_finops.money_type() }}) as actual_cost_usd,
        cast(
            case when is_rate_frozen then frozen_cost_usd else coalesce(list_cost_usd, 0) end
            as {{ ai_finops.money_type() }}
        ) as direct_cost_usd
    from costed
)

select
    *,
    actual_cost_usd - direct_cost_usd as rate_variance_usd
from final
