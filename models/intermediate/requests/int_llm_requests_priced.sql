{#
    One row per request, priced by the project from the finance-owned price seed.

    Rules (each a comment below where it is applied):
    - the model priced: the one LiteLLM priced the request as (a Router deployment's base model,
      pricing_model), else, for an Azure deployment, the model seed azure_deployments maps it
      to, else the model logged;
    - the price row in force at requested_at: effective_from <= requested_at < effective_to;
    - a dated snapshot ("gpt-4o-mini-2024-07-18") takes its base model's price unless the seed
      prices the snapshot itself;
    - long context: when the prompt (uncached + cache read + cache write) is above the model's
      threshold, every token class of the request is billed at the above-threshold rate, as
      Google and OpenAI bill it;
    - service tier: batch / flex / priority multiply the whole request's price;
    - a class without its own rate (cache read or write on a model that has none) is billed at
      the input rate: no discount is assumed that the provider does not give.
    An unpriced request is kept with list_cost_usd NULL and a pricing_status that says why.
#}
with

requests as (
    select * from {{ ref('int_llm_requests_deduplicated') }}
),

prices as (
    select * from {{ ref('model_prices') }}
),

azure_deployments as (
    select * from {{ ref('azure_deployments') }}
),

priced_models as (
    select distinct
        provider,
        model
    from prices
),

-- an Azure caller names a deployment, not a model: what LiteLLM priced it as, else the seed
resolved as (
    select
        requests.*,
        coalesce(
            requests.pricing_model,
            lower(azure_deployments.model),
            requests.model
        ) as resolved_model
    from requests
    left join azure_deployments
        on
            requests.provider = 'azure'
            and requests.model = lower(azure_deployments.deployment)
),

requests_with_price_keys as (
    select
        resolved.*,
        -- the snapshot date suffix: -2024-07-18 (OpenAI) or -20251001 (Anthropic)
        {{ ai_finops.strip_snapshot_suffix('resolved.resolved_model') }} as base_model,
        exact_model.model is not null as is_model_priced_exactly
    from resolved
    left join priced_models as exact_model
        on
            resolved.provider = exact_model.provider
            and resolved.resolved_model = exact_model.model
),

matched as (
    select
        requests_with_price_keys.*,
        case
            when requests_with_price_keys.is_model_priced_exactly
                then requests_with_price_keys.resolved_model
            else requests_with_price_keys.base_model
        end as priced_as_model,
        base_model.model is not null as is_base_model_priced,
        prices.effective_from as price_effective_from,
        prices.input_usd_per_mtok,
        prices.cache_read_usd_per_mtok,
        prices.cache_write_usd_per_mtok,
        prices.output_usd_per_mtok,
        prices.long_context_threshold_tokens,
        prices.input_above_threshold_usd_per_mtok,
        prices.cache_read_above_threshold_usd_per_mtok,
        prices.cache_write_above_threshold_usd_per_mtok,
        prices.output_above_threshold_usd_per_mtok,
        prices.batch_multiplier,
        prices.flex_multiplier,
        prices.priority_multiplier
    from requests_with_price_keys
    left join priced_models as base_model
        on
            requests_with_price_keys.provider = base_model.provider
            and requests_with_price_keys.base_model = base_model.model
    left join prices
        on
            requests_with_price_keys.provider = prices.provider
            and prices.model = case
                when requests_with_price_keys.is_model_priced_exactly
                    then requests_with_price_keys.resolved_model
                else requests_with_price_keys.base_model
            end
            -- no usage logged, nothing to price: pricing_status says usage_missing
            and requests_with_price_keys.is_usage_reported
            and requests_with_price_keys.requested_at >= prices.effective_from
            and (
                prices.effective_to is null
                or requests_with_price_keys.requested_at < prices.effective_to
            )
),

-- the rate rules are shared with chargeback repricing (macros/pricing.sql)
rated as (
    select
        *,
        {{ ai_finops.is_long_context_expr() }} as is_long_context,
        {{ ai_finops.tier_multiplier_expr() }} as tier_multiplier
    from matched
),

rates as (
    select
        *,
        {{ ai_finops.token_class_rates('is_long_context') }}
    from rated
),

final as (
    select
        {%- for column in ai_finops.canonical_request_columns() %}
        {{ column }},
        {%- endfor %}
        delivery_count,
        last_ledger_seq,

        -- pricing
        priced_as_model,
        price_effective_from,
        is_long_context,
        tier_multiplier,
        case
            -- a request whose source logged no token usage is not silently priced as zero
            when not is_usage_reported then 'usage_missing'
            when input_rate is not null then 'priced'
            when is_model_priced_exactly or is_base_model_priced then 'no_price_in_force'
            else 'unpriced_model'
        end as pricing_status,

        -- list cost per token class, in US dollars
        {{ ai_finops.token_cost('input_tokens', 'input_rate', 'tier_multiplier') }} as input_cost_usd,
        {{ ai_finops.token_cost('cache_read_tokens', 'cache_read_rate', 'tier_multiplier') }} as cache_read_cost_usd,
        {{ ai_finops.token_cost('cache_write_tokens', 'cache_write_rate', 'tier_multiplier') }} as cache_write_cost_usd,
        {{ ai_finops.token_cost('output_tokens', 'output_rate', 'tier_multiplier') }} as output_cost_usd
    from rates
)

select
    *,
    cast(
        input_cost_usd + cache_read_cost_usd + cache_write_cost_usd + output_cost_usd
        as {{ ai_finops.money_type() }}
    ) as list_cost_usd
from final
