{#
    The books of every closed month, as they were when it closed: the cost entries booked to
    each month of config/closed_periods.csv, recorded by the first build that finds the month
    listed (computed then as if it were still open, from the seeds as they were), plus one
    `period_closed` marker row per month so that a month with no entry is recorded closed too.

    Insert-only and kept through `dbt build --full-refresh` and `make rebuild-facts`: a closed
    month never changes. What would change it later is booked in the first open month
    (fct_llm_cost_entries, macro cost_entries_open). A month removed from closed_periods.csv is
    reopened: its rows are forgotten (pre-hook) and it is valued from the seeds again.
#}
-- depends_on: {{ ref('int_llm_requests_repriced') }}
{%- set dims = ai_finops.cost_entry_dimensions() -%}
{%- set measures = ai_finops.cost_entry_measures() -%}
{#- most builds close no month: then nothing is recorded, and the books are not computed here -#}
{%- set closes_a_month = true -%}
{%- if execute and is_incremental() -%}
    {%- set closes_a_month = run_query(
        'select count(*) from ' ~ ref('closed_periods') ~ ' where closed_month not in'
        ~ ' (select booked_month from ' ~ this ~ ')'
    ).columns[0].values()[0] > 0 -%}
{%- endif -%}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='append_new_columns',
        pre_hook="{{ ai_finops.forget_reopened_months(this, 'booked_month') }}",
    )
}}

with

closed_periods as (
    select closed_month from {{ ref('closed_periods') }}
),

{% if is_incremental() %}
recorded_rows as (
    select recorded.*
    from {{ this }} as recorded
    inner join closed_periods
        on recorded.booked_month = closed_periods.closed_month
),
{% else %}
recorded_rows as (
    select
        cast(null as {{ dbt.type_string() }}) as request_id,
        cast(null as date) as booked_month,
        cast(null as {{ dbt.type_string() }}) as entry_type,
        {%- for column in dims + measures %}
        cast(null as {{ ai_finops.cost_entry_column_type(column) }}) as {{ column }},
        {%- endfor %}
        cast(null as {{ dbt.type_timestamp() }}) as recorded_at
    where false
),
{% endif %}

recorded_months as (
    select distinct booked_month as closed_month
    from recorded_rows
),

recorded_entries as (
    select * from recorded_rows
    where entry_type <> 'period_closed'
),

newly_closed as (
    select closed_periods.closed_month
    from closed_periods
    left join recorded_months
        on closed_periods.closed_month = recorded_months.closed_month
    where recorded_months.closed_month is null
),

{% if closes_a_month %}
valued as (
    select * from {{ ref('int_llm_requests_repriced') }}
),

-- the books as they stand before this close: the months closed so far are closed, the newly
-- listed ones still open
open_entries as (
    {{ ai_finops.cost_entries_open('valued', 'recorded_entries', 'recorded_months') }}
),
{% else %}
open_entries as (
    select
        request_id,
        booked_month,
        entry_type,
        {{ (dims + measures) | join(', ') }}
    from recorded_entries
    where false
),
{% endif %}

to_record as (
    select open_entries.*
    from open_entries
    inner join newly_closed
        on open_entries.booked_month = newly_closed.closed_month
),

markers as (
    select
        cast(null as {{ dbt.type_string() }}) as request_id,
        closed_month as booked_month,
        'period_closed' as entry_type,
        {%- for column in dims %}
        cast(null as {{ ai_finops.cost_entry_column_type(column) }}) as {{ column }},
        {%- endfor %}
        {%- for column in measures[:-1] %}
        0 as {{ column }},
        {%- endfor %}
        0 as {{ measures[-1] }}
    from newly_closed
),

final as (
    select
        request_id,
        booked_month,
        entry_type,
        {%- for column in dims %}
        {{ column }},
        {%- endfor %}
        {%- for column in measures %}
        cast({{ column }} as {{ ai_finops.cost_entry_column_type(column) }}) as {{ column }},
        {%- endfor %}
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }}) as recorded_at
    from (
        select * from to_record
        union all
        select * from markers
    ) as closing
)

select * from final
