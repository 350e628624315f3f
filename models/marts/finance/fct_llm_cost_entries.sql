{#
    The books: one row per cost entry (request x month booked x entry type x business context),
    the journal every period-closed mart (P&L, daily cost, cost to serve, customer
    profitability, budgets, chargeback) aggregates by booked_month. Closed months show what was
    recorded when they closed; open months are valued from the seeds as they are now, and carry
    as adjustment entries whatever changed a closed month since (macros/period_close.sql).

    A build books again only the requests valued again since the journal's last build (their
    entries are forgotten by the pre-hook and booked anew), or every request when a month
    closed or reopened (macros/valuation.sql).
#}
{%- set dims = ai_finops.cost_entry_dimensions() -%}
{%- set measures = ai_finops.cost_entry_measures() -%}
{%- set columns = ['request_id', 'booked_month', 'entry_type'] + dims + measures -%}
{%- set state = ai_finops.journal_state(this) -%}
{{
    config(
        materialized=ai_finops.valuation_materialization(),
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        pre_hook="{{ ai_finops.forget_rebooked_entries(this) }}",
    )
}}
with

closed_periods as (
    select closed_month from {{ ref('closed_periods') }}
),

recorded as (
    select * from {{ ref('int_llm_cost_entries_closed') }}
),

requests as (
    select * from {{ ref('fct_llm_requests') }}
),

closing_fingerprint as (
    select * from {{ ref('int_closing_fingerprint') }}
),

{% if state['all'] %}
valued as (
    select * from {{ ref('int_llm_requests_repriced') }}
),

closed_entries as (
    select recorded.*
    from recorded
    inner join closed_periods
        on recorded.booked_month = closed_periods.closed_month
    where recorded.entry_type <> 'period_closed'
),
{% else %}
-- only the requests valued again since the journal's last build
valued as (
    select * from {{ ref('int_llm_requests_repriced') }}
    where valuation_seq > {{ state['valuation_seq'] }}
),

closed_entries as (
    select recorded.*
    from recorded
    inner join closed_periods
        on recorded.booked_month = closed_periods.closed_month
    where
        recorded.entry_type <> 'period_closed'
        and recorded.request_id in (
            select requests.request_id from requests
            where requests.valuation_seq > {{ state['valuation_seq'] }}
        )
),
{% endif %}

open_entries as (
    {{ ai_finops.cost_entries_open('valued', 'closed_entries', 'closed_periods') }}
),

unioned as (
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        true as is_closed
    from closed_entries
    union all
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        false as is_closed
    from open_entries
),

final as (
    select
        -- key: one entry per request, month booked, entry type and business context
        {{ ai_finops.row_hash(['request_id', 'booked_month', 'entry_type'] + dims) }} as entry_key,
        request_id,

        -- period
        booked_month,
        entry_type,

        -- business context and usage time
        {%- for column in dims %}
        cast({{ column }} as {{ ai_finops.cost_entry_column_type(column) }}) as {{ column }},
        {%- endfor %}

        -- measures (counts; tokens; US dollars)
        {%- for column in measures %}
        cast({{ column }} as {{ ai_finops.cost_entry_column_type(column) }}) as {{ column }},
        {%- endfor %}

        -- period close
        is_closed,
        requested_month <> booked_month as is_adjustment,

        -- journal state: the valuations and the closed months it was booked from
        (select max(valued.valuation_seq) from requests as valued) as valuation_seq,
        (select closing.closing_fingerprint from closing_fingerprint as closing) as closing_fingerprint
    from unioned
)

select * from final
