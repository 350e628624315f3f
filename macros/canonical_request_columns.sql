{#
    The columns of the canonical request row that every source's staging model delivers
    (DESIGN.md, "One canonical request row"), in order. The union and the de-duplication
    select exactly these, so a new source cannot add or drop a column by accident.
#}
{% macro canonical_request_columns() %}
    {{ return([
        'request_id', 'source_system', 'ledger_seq', 'source_file', 'line_number', 'trace_id',
        'requested_at', 'ended_at',
        'provider', 'model', 'pricing_model', 'model_group', 'deployment_id', 'api_base', 'call_type', 'status', 'service_tier',
        'is_usage_reported',
        'input_tokens', 'cache_read_tokens', 'cache_write_tokens', 'output_tokens', 'reasoning_tokens',
        'gateway_cost_usd',
        'request_tag_count', 'tag_feature', 'tag_team', 'tag_environment', 'tag_region', 'tag_customer_id',
        'metadata_feature', 'metadata_environment', 'metadata_region', 'metadata_customer_id',
        'api_key_alias', 'api_key_team_alias', 'service_name', 'end_user_id', 'client_user_agent',
    ]) }}
{% endmacro %}

{#
    LiteLLM keeps two records of a request, its logged payload (source litellm) and its row in
    the proxy's SpendLogs table (litellm_spend_logs). Written at different times in different
    shapes (times to the millisecond in the table, tags and trace ids as each record has them),
    they must still agree on what the request is billed for: these columns. A difference is a
    conflict (int_llm_requests_deduplicated, rpt_request_delivery_conflicts).
#}
{% macro litellm_billing_columns() %}
    {{ return([
        'provider', 'model', 'input_tokens', 'cache_read_tokens', 'cache_write_tokens',
        'output_tokens', 'reasoning_tokens', 'gateway_cost_usd',
    ]) }}
{% endmacro %}

{% macro is_litellm_record(source_system) -%}
    {{ source_system }} in ('litellm', 'litellm_spend_logs')
{%- endmacro %}
