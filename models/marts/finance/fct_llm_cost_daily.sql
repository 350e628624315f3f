-- One row per month booked x entry type x usage day x every business dimension x provider x
-- model: the table BI tools read. Additive measures only (requests, tokens, dollars), so any
-- roll-up of it is a sum. It aggregates the books (fct_llm_cost_entries): a closed month shows
-- what it had when it closed, and later changes to it are adjustment rows of an open month.
with

entries as (
    select * from {{ ref('fct_llm_cost_entries') }}
),

final as (
    select
        -- grain: the month booked, why, and the journal's usage day and business context
        booked_month,
        entry_type,
        {%- for column in ai_finops.cost_entry_dimensions() %}
        {{ column }},
        {%- endfor %}

        -- counts (an adjustment can be negative: a request moved to another context)
        cast(sum(requests) as bigint) as requests,
        cast(sum(failed_requests) as bigint) as failed_requests,
        cast(sum(unpriced_requests) as bigint) as unpriced_requests,

        -- tokens
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(cache_read_tokens) as bigint) as cache_read_tokens,
        cast(sum(cache_write_tokens) as bigint) as cache_write_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        cast(sum(reasoning_tokens) as bigint) as reasoning_tokens,
        cast(sum(total_tokens) as bigint) as total_tokens,

        -- cost in US dollars
        cast(sum(list_cost_usd) as {{ ai_finops.money_type() }}) as cost_usd,
        cast(sum(gateway_cost_usd) as {{ ai_finops.money_type() }}) as gateway_cost_usd
    from entries
    group by booked_month, entry_type, {{ ai_finops.cost_entry_dimensions() | join(', ') }}
)

select * from final
