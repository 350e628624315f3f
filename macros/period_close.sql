{#
    Period close: what each month's books say, and how a change to a closed month is booked.

    The books are a journal of cost entries (fct_llm_cost_entries): one row per request x month
    booked x entry type x business context, carrying the request's measures (requests, tokens,
    list, direct and gateway cost). A request's entries always add up to what it is worth now;
    which month holds which part is the period-close rule:
      - a request of an open month that no closed month booked: one `usage` entry in its month;
      - a month in config/closed_periods.csv keeps the entries it had when it closed
        (int_llm_cost_entries_closed), whatever happens later;
      - whatever would change a closed month later is the difference between what a request is
        worth now and what closed months booked for it, posted to the first open month after
        its own month with its cause:
          late_arrival        the request was never booked (its file landed after the close)
          mapping_correction  its business context changed (feature, cost center, P&L line, ...):
                              the old context is reversed and the new one booked
          price_correction    same context, other amounts (a price seed correction)
    So every usage month still ties to the requests: its own entries plus its later adjustments
    equal the month valued today.
#}

{# The business context an entry is booked to, and the measures it carries. #}
{% macro cost_entry_dimensions() %}
    {{ return([
        'requested_date', 'requested_month', 'feature', 'product', 'usage_type', 'team',
        'cost_center', 'pnl_category', 'customer_id', 'region', 'environment',
        'attribution_source', 'source_system', 'provider', 'model',
    ]) }}
{% endmacro %}

{% macro cost_entry_measures() %}
    {{ return([
        'requests', 'failed_requests', 'unpriced_requests',
        'input_tokens', 'cache_read_tokens', 'cache_write_tokens', 'output_tokens',
        'reasoning_tokens', 'total_tokens',
        'list_cost_usd', 'direct_cost_usd', 'gateway_cost_usd',
    ]) }}
{% endmacro %}

{# The type of a journal column. #}
{% macro cost_entry_column_type(column) %}
    {%- if column in ('requested_date', 'requested_month', 'booked_month') -%}
        {{ return('date') }}
    {%- elif column.endswith('_usd') -%}
        {{ return(ai_finops.money_type()) }}
    {%- elif column in ai_finops.cost_entry_measures() -%}
        {{ return('bigint') }}
    {%- else -%}
        {{ return(dbt.type_string()) }}
    {%- endif -%}
{% endmacro %}

{#
    The entries of the months that are open, given
      valued         one row per request: request_id, the dimensions and the measures, as the
                     request is worth now (its requested_month is its usage month);
      booked         the entries recorded in closed months (same columns, plus booked_month);
      closed_months  the closed months (column closed_month).
    Returns request_id, booked_month, entry_type, the dimensions and the measures.
#}
{% macro cost_entries_open(valued, booked, closed_months) %}
    {%- set dims = ai_finops.cost_entry_dimensions() | join(', ') -%}
    {%- set measures = ai_finops.cost_entry_measures() -%}
    {#- compared as the journal stores them, so that equal values hash equal -#}
    {%- set typed = ['cast(request_id as ' ~ dbt.type_string() ~ ')'] -%}
    {%- for column in ai_finops.cost_entry_dimensions() + measures -%}
        {%- do typed.append('cast(' ~ column ~ ' as ' ~ ai_finops.cost_entry_column_type(column) ~ ')') -%}
    {%- endfor -%}
    {%- set qualified = [] -%}
    {%- for column in ai_finops.cost_entry_dimensions() + measures -%}
        {%- do qualified.append('classified.' ~ column) -%}
    {%- endfor -%}
    {%- set summed = [] -%}
    {%- set negated = [] -%}
    {%- set any_nonzero = [] -%}
    {%- for column in measures -%}
        {%- do summed.append('sum(' ~ column ~ ') as ' ~ column) -%}
        {%- do negated.append('-1 * ' ~ column ~ ' as ' ~ column) -%}
        {%- do any_nonzero.append('coalesce(' ~ column ~ ', 0) <> 0') -%}
    {%- endfor %}
    with

    -- every month an entry could be booked to: the usage months, and the month after each
    -- closed month (so the first open month after a run of closed months is a candidate)
    candidate_months as (
        select distinct requested_month as candidate_month from {{ valued }}
        union distinct
        select cast({{ dbt.dateadd('month', 1, 'closed_month') }} as date) as candidate_month
        from {{ closed_months }}
    ),

    open_months as (
        select candidate_months.candidate_month
        from candidate_months
        left join {{ closed_months }} as closed
            on candidate_months.candidate_month = closed.closed_month
        where closed.closed_month is null
    ),

    usage_months as (
        select distinct requested_month from {{ valued }}
    ),

    -- a month's usage and its corrections are booked to the first open month from it on
    first_open_month as (
        select
            usage_months.requested_month,
            min(open_months.candidate_month) as booked_month
        from usage_months
        inner join open_months
            on open_months.candidate_month >= usage_months.requested_month
        group by usage_months.requested_month
    ),

    -- a request whose closed months booked it once, exactly as it is worth now, is settled:
    -- nothing to book (most requests, once their month closed). Only the others are netted.
    booked_fingerprints as (
        select
            request_id,
            count(*) as booked_rows,
            min({{ ai_finops.comparison_hash(typed) }}) as booked_fingerprint
        from {{ booked }}
        group by request_id
    ),

    booked_requests as (
        select
            booked_fingerprints.request_id,
            coalesce(
                booked_fingerprints.booked_rows = 1
                and booked_fingerprints.booked_fingerprint = valued_fingerprints.valued_fingerprint,
                false
            ) as is_settled
        from booked_fingerprints
        left join (
            select request_id, {{ ai_finops.comparison_hash(typed) }} as valued_fingerprint
            from {{ valued }}
        ) as valued_fingerprints
            on booked_fingerprints.request_id = valued_fingerprints.request_id
    ),

    unsettled_booked as (
        select booked.*
        from {{ booked }} as booked
        inner join booked_requests
            on booked.request_id = booked_requests.request_id
        where not booked_requests.is_settled
    ),

    valued_with_month as (
        select
            valued.*,
            first_open_month.booked_month,
            booked_requests.request_id is not null as was_booked,
            coalesce(booked_requests.is_settled, false) as is_settled
        from {{ valued }} as valued
        inner join first_open_month
            on valued.requested_month = first_open_month.requested_month
        left join booked_requests
            on valued.request_id = booked_requests.request_id
    ),

    -- most requests: never booked by a closed month, and their month is open
    plain as (
        select request_id, booked_month, 'usage' as entry_type, {{ dims }}, {{ measures | join(', ') }}
        from valued_with_month
        where not was_booked and booked_month = requested_month
    ),

    -- what closed months booked for each request, per business context (nets to zero for a
    -- context an earlier correction already reversed)
    booked_net as (
        select request_id, {{ dims }}, {{ summed | join(', ') }}
        from unsettled_booked
        group by request_id, {{ dims }}
    ),

    -- the other requests: worth now (+) against booked (-), per business context
    sides as (
        select request_id, {{ dims }}, {{ measures | join(', ') }}, 1 as is_current, 0 as is_booked
        from valued_with_month
        where (was_booked and not is_settled) or (not was_booked and booked_month <> requested_month)
        union all
        select request_id, {{ dims }}, {{ negated | join(', ') }}, 0 as is_current, 1 as is_booked
        from booked_net
        where {{ any_nonzero | join(' or ') }}
    ),

    netted as (
        select
            request_id,
            {{ dims }},
            {{ summed | join(', ') }},
            max(is_current) as has_current,
            max(is_booked) as has_booked
        from sides
        group by request_id, {{ dims }}
    ),

    classified as (
        select
            netted.*,
            -- the context changed when a context is on one side only
            max(case when has_current = 1 and has_booked = 1 then 0 else 1 end)
                over (partition by request_id) as is_context_changed,
            max(has_booked) over (partition by request_id) as was_booked
        from netted
    ),

    corrections as (
        select
            classified.request_id,
            first_open_month.booked_month,
            case
                when classified.was_booked = 0 and first_open_month.booked_month = classified.requested_month
                    then 'usage'
                when classified.was_booked = 0 then 'late_arrival'
                when classified.is_context_changed = 1 then 'mapping_correction'
                else 'price_correction'
            end as entry_type,
            {{ qualified | join(', ') }}
        from classified
        inner join first_open_month
            on classified.requested_month = first_open_month.requested_month
        where {{ any_nonzero | join(' or ') }}
    )

    select * from plain
    union all
    select * from corrections
{% endmacro %}

{#
    Removes the recorded rows of months no longer in config/closed_periods.csv (a month reopened
    to be corrected): it is valued from the seeds again, and closes anew when it is listed
    again. The restatement is reported in the build's output: which month, and how many
    recorded rows are forgotten. A pre-hook of the models that record closed months. Spark's
    parquet tables cannot delete rows: there the reopened month's rows are ignored while it is
    open, and closing it again brings back what it had when it first closed.
#}
{% macro forget_reopened_months(relation, month_column) %}
    {%- if not execute or target.type == 'spark' or load_relation(relation) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set reopened = run_query(
        'select cast(' ~ month_column ~ ' as ' ~ dbt.type_string() ~ '), count(*) from ' ~ relation
        ~ ' where ' ~ month_column ~ ' not in (select closed_month from ' ~ ref('closed_periods') ~ ')'
        ~ ' group by 1 order by 1'
    ).rows -%}
    {%- for row in reopened -%}
        {%- do log(
            'Period close: ' ~ row[0][:7] ~ ' is no longer in ' ~ ai_finops.seed_file('closed_periods') ~ ': ' ~ relation.identifier
            ~ ' forgets the ' ~ row[1] ~ ' row(s) recorded when it closed, and the month is restated'
            ~ ' from the seeds as they are now.', info=true
        ) -%}
    {%- endfor -%}
    delete from {{ relation }}
    where {{ month_column }} not in (select closed_month from {{ ref('closed_periods') }})
{% endmacro %}
