{#
    One row: a fingerprint of the months in config/closed_periods.csv. When a month closes or is
    reopened, the journal (fct_llm_cost_entries) is booked again from scratch; otherwise only the
    requests valued again since its last build are (macros/valuation.sql).
#}
with

closed_periods as (
    select closed_month from {{ ref('closed_periods') }}
),

final as (
    select {{ ai_finops.rows_fingerprint(['closed_month']) }} as closing_fingerprint
    from closed_periods
)

select * from final
