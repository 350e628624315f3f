{#
    Cost in US dollars of `tokens` at `usd_per_mtok` (US dollars per million tokens), times a
    service-tier multiplier, as an exact decimal. NULL when the rate is unknown.
#}
{% macro token_cost(tokens, usd_per_mtok, multiplier) %}
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
