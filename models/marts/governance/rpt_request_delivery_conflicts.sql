{#
    One row per delivery that contradicts the kept delivery of its request: the same request_id
    delivered again by the same source with different content (tokens, cost, model, time, tags),
    or LiteLLM's other record of it (payload vs SpendLogs row) with a different bill (macro
    litellm_billing_columns: only those are compared between the two records).
    Such a delivery is never merged or billed: the request counts once, from the kept delivery
    (rules in int_llm_requests_deduplicated), and this report says which columns disagree and
    by how much, so that a person can find out which record is right and re-deliver it.
    Exact re-deliveries are not conflicts and are not listed (they are counted in
    rpt_landing_line_accounting); neither is a request that LiteLLM and OpenTelemetry both saw.
#}
{%- set compared_columns = [] -%}
{%- for column in ai_finops.canonical_request_columns() -%}
{%- if column not in ['request_id', 'source_system', 'ledger_seq', 'source_file', 'line_number'] -%}
{%- do compared_columns.append(column) -%}
{%- endif -%}
{%- endfor -%}
{%- set billed = ai_finops.litellm_billing_columns() -%}
with

deliveries as (
    select * from {{ ref('int_llm_requests_unioned') }}
),

requests as (
    select * from {{ ref('int_llm_requests_deduplicated') }}
),

conflicted_requests as (
    select * from requests
    where conflicting_delivery_count > 0
),

compared as (
    select
        -- ids
        kept.request_id,
        kept.source_system,
        kept.delivery_count,
        kept.source_file as kept_source_file,
        kept.line_number as kept_source_line_number,
        other.source_file as conflicting_source_file,
        other.line_number as conflicting_source_line_number,

        -- the canonical columns whose values differ, in canonical order (between LiteLLM's two
        -- records of a request, the billed ones only)
        concat_ws(
            ', '
            {%- for column in compared_columns %},
            case
                when
                    other.{{ column }} is distinct from kept.{{ column }}
                    and {{ 'true' if column in billed else 'other.source_system = kept.source_system' }}
                    then '{{ column }}'
            end
            {%- endfor %}
        ) as differing_columns,

        -- what each delivery says
        kept.requested_at as kept_requested_at,
        other.requested_at as conflicting_requested_at,
        kept.model as kept_model,
        other.model as conflicting_model,
        kept.input_tokens + kept.cache_read_tokens + kept.cache_write_tokens + kept.output_tokens
            as kept_total_tokens,
        other.input_tokens + other.cache_read_tokens + other.cache_write_tokens + other.output_tokens
            as conflicting_total_tokens,
        kept.gateway_cost_usd as kept_gateway_cost_usd,
        other.gateway_cost_usd as conflicting_gateway_cost_usd
    from conflicted_requests as kept
    inner join deliveries as other
        on
            kept.request_id = other.request_id
            and (
                kept.source_system = other.source_system
                or (
                    {{ ai_finops.is_litellm_record('kept.source_system') }}
                    and {{ ai_finops.is_litellm_record('other.source_system') }}
                )
            )
            and not (kept.source_file = other.source_file and kept.line_number = other.line_number)
),

final as (
    select
        request_id,
        source_system,
        cast(delivery_count as integer) as delivery_count,
        kept_source_file,
        cast(kept_source_line_number as bigint) as kept_source_line_number,
        conflicting_source_file,
        cast(conflicting_source_line_number as bigint) as conflicting_source_line_number,
        differing_columns,
        kept_requested_at,
        conflicting_requested_at,
        kept_model,
        conflicting_model,
        cast(kept_total_tokens as bigint) as kept_total_tokens,
        cast(conflicting_total_tokens as bigint) as conflicting_total_tokens,
        cast(kept_gateway_cost_usd as {{ ai_finops.money_type() }}) as kept_gateway_cost_usd,
        cast(conflicting_gateway_cost_usd as {{ ai_finops.money_type() }})
            as conflicting_gateway_cost_usd
    from compared
    -- an exact re-delivery of the kept content is a duplicate, not a conflict
    where differing_columns != ''
)

select * from final
