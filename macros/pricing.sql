{#
    Cost in US dollars of `tokens` at `usd_per_mtok` (US dollars per million tokens), times a
    service-tier multiplier, as an exact decimal. NULL when the rate is unknown.
#}
{% macro token_cost(tokens, usd_per_mtok, multiplier) %}
    {{ return(adapter.dispatch('token_cost', 'ai_finops')(tokens, usd_per_mtok, multiplier)) }}
{% endmacro %}

{% macro default__token_cost(tokens, usd_per_mtok, multiplier) %}
    cast(
        cast({{ tokens }} as {{ ai_finops.money_type() }})
        * {{ usd_per_mtok }} * {{ multiplier }} / 1000000
        as {{ ai_finops.money_type() }}
    )
{% endmacro %}

{#
    A provider's dated model snapshot without its date: gpt-4o-mini-2024-07-18 -> gpt-4o-mini,
    claude-haiku-4-5-20251001 -> claude-haiku-4-5. Names without a date suffix are unchanged.
#}
{% macro strip_snapshot_suffix(model) %}
    {{ return(adapter.dispatch('strip_snapshot_suffix', 'ai_finops')(model)) }}
{% endmacro %}

{% macro default__strip_snapshot_suffix(model) %}
    regexp_replace({{ model }}, '-(\d{4}-\d{2}-\d{2}|\d{8})$', '')
{% endmacro %}

{#
    A model name as LiteLLM logs it, lower case and without its provider prefix: LiteLLM strips
    the prefix from `model`, but not always (Router payloads keep it: "openai/gpt-4o"), so that
    "openai/gpt-4o" and "gpt-4o" price as the same model.
#}
{% macro strip_provider_prefix(model, provider) -%}
    case
        when lower(trim({{ model }})) like lower(trim({{ provider }})) || '/%'
            then substr(lower(trim({{ model }})), length(trim({{ provider }})) + 2)
        else lower(trim({{ model }}))
    end
{%- endmacro %}

{#
    The pricing rules shared by list pricing (int_llm_requests_priced, the price in force at
    requested_at) and chargeback repricing (int_llm_requests_repriced, the rates frozen at the
    start of the month). Both select the price seed's columns under their seed names.
#}

{# Long context: the prompt (uncached + cache read + cache write) is above the row's threshold. #}
{% macro is_long_context_expr() %}
    coalesce(
        long_context_threshold_tokens is not null
        and input_tokens + cache_read_tokens + cache_write_tokens > long_context_threshold_tokens,
        false
    )
{% endmacro %}

{# Service-tier multiplier; a tier the seed has no multiplier for is billed at standard. #}
{% macro tier_multiplier_expr() %}
    case service_tier
        when 'batch' then coalesce(batch_multiplier, 1)
        when 'flex' then coalesce(flex_multiplier, 1)
        when 'priority' then coalesce(priority_multiplier, 1)
        else 1
    end
{% endmacro %}

{#
    The four per-class rates (input_rate, cache_read_rate, cache_write_rate, output_rate), given
    the name of the boolean long-context column: above the threshold every class moves to its
    above-threshold rate; a class without a rate of its own is billed at the input rate, so no
    discount is assumed that the provider does not give.
#}
{% macro token_class_rates(long_context) %}
    case
        when {{ long_context }} then coalesce(input_above_threshold_usd_per_mtok, input_usd_per_mtok)
        else input_usd_per_mtok
    end as input_rate,
    case
        when {{ long_context }}
            then coalesce(
                cache_read_above_threshold_usd_per_mtok, cache_read_usd_per_mtok,
                input_above_threshold_usd_per_mtok, input_usd_per_mtok
            )
        else coalesce(cache_read_usd_per_mtok, input_usd_per_mtok)
    end as cache_read_rate,
    case
        when {{ long_context }}
            then coalesce(
                cache_write_above_threshold_usd_per_mtok, cache_write_usd_per_mtok,
                input_above_threshold_usd_per_mtok, input_usd_per_mtok
            )
        else coalesce(cache_write_usd_per_mtok, input_usd_per_mtok)
    end as cache_write_rate,
    case
        when {{ long_context }} then coalesce(output_above_threshold_usd_per_mtok, output_usd_per_mtok)
        else output_usd_per_mtok
    end as output_rate
{% endmacro %}
