{#
    Parse OpenTelemetry OTLP/JSON trace export lines (one ExportTraceServiceRequest per line, as
    the Collector's file exporter writes them) into one row per span.

    Input: the name of a relation or CTE with (source_file, line_number, raw_line,
    has_invalid_utf8), as the macro landing_lines returns it.
    Output: one row per span of every line, the input columns plus
      - is_json_object: the line is one well-formed JSON object
      - is_export_request: that object holds a `resourceSpans` list (an OTLP trace export)
      - span_index: 1-based position of the span within its line (resource, scope, span order)
      - the span's fields and the attributes staging needs, as text under their own names
    A line that yields no span (not JSON, not an export, or an export without spans) still
    yields exactly one row, with span_index NULL, so that every line stays countable.

    Attribute values are returned as text (stringValue, intValue (a JSON string in OTLP/JSON),
    doubleValue or boolValue, whichever is set); staging casts them. The first key of a list
    that is present wins. Only the attributes listed here leave this macro: message content
    (gen_ai.input.messages, gen_ai.output.messages, ...) is read past and never selected.

    Engine-specific: DuckDB parses each line once into a typed struct (from_json) and flattens
    resources, scopes and spans with list lambdas.
#}
{% macro parse_otel_lines(lines) %}
    {{ return(adapter.dispatch('parse_otel_lines', 'ai_finops')(lines)) }}
{% endmacro %}

{# The configured attribute names of one business-context key (a dbt var), as a list. #}
{% macro otel_context_keys(var_name) %}
    {%- set keys = var(var_name) -%}
    {%- if keys is string -%}
        {%- set keys = [keys] -%}
    {%- endif -%}
    {{ return(keys) }}
{% endmacro %}

{#
    DuckDB: the value struct of the first attribute in `attributes` whose key is one of `keys`
    (earlier keys win), converted to text. NULL when none is present.
#}
{% macro duckdb__otel_attribute(attributes, keys) -%}
    {%- if keys is string %}{% set keys = [keys] %}{% endif -%}
    coalesce(
        {%- for key in keys %}
        list_filter({{ attributes }}, lambda a: a.key = '{{ ai_finops.sql_string(key) }}')[1].value{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{% macro duckdb__otel_value_as_text(value) -%}
    coalesce(
        {{ value }}.stringvalue,
        {{ value }}.intvalue,
        cast({{ value }}.doublevalue as varchar),
        cast({{ value }}.boolvalue as varchar)
    )
{%- endmacro %}

{% macro duckdb__parse_otel_lines(lines) %}
    {%- set attributes_type -%}
    [{"key": "VARCHAR", "value": {"stringValue": "VARCHAR", "intValue": "VARCHAR", "doubleValue": "DOUBLE", "boolValue": "BOOLEAN"}}]
    {%- endset -%}
    {%- set payload_type -%}
    {
        "resourceSpans": [{
            "resource": {"attributes": {{ attributes_type }}},
            "scopeSpans": [{
                "scope": {"name": "VARCHAR"},
                "spans": [{
                    "traceId": "VARCHAR",
                    "spanId": "VARCHAR",
                    "parentSpanId": "VARCHAR",
                    "name": "VARCHAR",
                    "startTimeUnixNano": "VARCHAR",
                    "endTimeUnixNano": "VARCHAR",
                    "attributes": {{ attributes_type }},
                    "status": {"code": "VARCHAR"}
                }]
            }]
        }]
    }
    {%- endset -%}
    {#- span attributes: output column -> attribute keys, first present wins -#}
    {%- set span_attributes = {
        'operation_name': ['gen_ai.operation.name'],
        'provider_name': ['gen_ai.provider.name'],
        'genai_system': ['gen_ai.system'],
        'request_model': ['gen_ai.request.model'],
        'response_model': ['gen_ai.response.model'],
        'response_id': ['gen_ai.response.id'],
        'server_address': ['server.address'],
        'error_type': ['error.type'],
        'service_tier': [
            'openai.response.service_tier', 'gen_ai.openai.response.service_tier',
            'openai.request.service_tier', 'gen_ai.openai.request.service_tier',
        ],
        'input_tokens_text': ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'],
        'output_tokens_text': ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'],
        'cache_read_tokens_text': [
            'gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens',
        ],
        'cache_creation_tokens_text': [
            'gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_creation_input_tokens',
        ],
        'reasoning_tokens_text': ['gen_ai.usage.reasoning.output_tokens'],
        'end_user_id': ['user.id', 'enduser.id'],
    } -%}
    {#- business context, looked up on the span and on its resource (dbt vars name the keys) -#}
    {%- set context_attributes = {
        'feature': ai_finops.otel_context_keys('otel_feature_attributes'),
        'team': ai_finops.otel_context_keys('otel_team_attributes'),
        'customer_id': ai_finops.otel_context_keys('otel_customer_id_attributes'),
        'environment': ai_finops.otel_context_keys('otel_environment_attributes'),
        'region': ai_finops.otel_context_keys('otel_region_attributes'),
    } -%}
    with parsed as (
        select
            source_file,
            line_number,
            raw_line,
            has_invalid_utf8,
            ledger_seq,
            -- try(): a malformed line yields NULL instead of failing the whole build.
            case
                when left(ltrim(raw_line), 1) = chr(123) then try(from_json(raw_line, '{{ payload_type | replace("\n", " ") }}'))
            end as payload
        from {{ lines }}
    ),

    flattened as (
        select
            source_file,
            line_number,
            raw_line,
            has_invalid_utf8,
            ledger_seq,
            payload is not null as is_json_object,
            payload.resourcespans is not null as is_export_request,
            -- every span of the line, with its resource's attributes and its scope's name
            flatten(list_transform(
                payload.resourcespans,
                lambda rs: flatten(list_transform(
                    rs.scopespans,
                    lambda ss: list_transform(
                        ss.spans,
                        lambda s: {'resource_attributes': rs.resource.attributes, 'scope_name': ss.scope.name, 'span': s}
                    )
                ))
            )) as spans
        from parsed
    ),

    unnested as (
        select
            source_file,
            line_number,
            raw_line,
            has_invalid_utf8,
            ledger_seq,
            is_json_object,
            is_export_request,
            -- a line without spans keeps one row (entry and span_index NULL)
            unnest(case when len(spans) > 0 then spans else [null] end) as entry,
            unnest(case when len(spans) > 0 then range(1, len(spans) + 1) else [null] end) as span_index
        from flattened
    ),

    attribute_values as (
        select
            source_file,
            line_number,
            raw_line,
            has_invalid_utf8,
            ledger_seq,
            is_json_object,
            is_export_request,
            span_index,
            entry.span.traceid as trace_id,
            entry.span.spanid as span_id,
            entry.span.parentspanid as parent_span_id,
            entry.span.name as span_name,
            entry.scope_name as scope_name,
            entry.span.starttimeunixnano as start_time_unix_nano_text,
            entry.span.endtimeunixnano as end_time_unix_nano_text,
            entry.span.status.code as status_code,
            coalesce(len(list_filter(entry.span.attributes, lambda a: starts_with(a.key, 'gen_ai.'))), 0)
                as genai_attribute_count,
            {%- for column, keys in span_attributes.items() %}
            {{ ai_finops.duckdb__otel_attribute('entry.span.attributes', keys) }} as {{ column }}_value,
            {%- endfor %}
            {%- for column, keys in context_attributes.items() %}
            {{ ai_finops.duckdb__otel_attribute('entry.span.attributes', keys) }} as span_{{ column }}_value,
            {{ ai_finops.duckdb__otel_attribute('entry.resource_attributes', keys) }} as resource_{{ column }}_value,
            {%- endfor %}
            {{ ai_finops.duckdb__otel_attribute('entry.resource_attributes', ['service.name']) }} as service_name_value
        from unnested
    )

    select
        source_file,
        line_number,
        raw_line,
        has_invalid_utf8,
        ledger_seq,
        is_json_object,
        is_export_request,
        span_index,
        trace_id,
        span_id,
        parent_span_id,
        span_name,
        scope_name,
        start_time_unix_nano_text,
        end_time_unix_nano_text,
        status_code,
        genai_attribute_count,
        {%- for column in span_attributes %}
        {{ ai_finops.duckdb__otel_value_as_text(column ~ '_value') }} as {{ column }},
        {%- endfor %}
        {%- for column in context_attributes %}
        {{ ai_finops.duckdb__otel_value_as_text('span_' ~ column ~ '_value') }} as span_{{ column }},
        {{ ai_finops.duckdb__otel_value_as_text('resource_' ~ column ~ '_value') }} as resource_{{ column }},
        {%- endfor %}
        {{ ai_finops.duckdb__otel_value_as_text('service_name_value') }} as service_name
    from attribute_values
{% endmacro %}

{#
    OTLP times are nanoseconds since the Unix epoch (a bigint): to a UTC timestamp without time
    zone, at microsecond precision (the finest a SQL timestamp holds on most engines).
#}
{% macro otel_unix_nano_to_timestamp(unix_nano) %}
    {{ return(adapter.dispatch('otel_unix_nano_to_timestamp', 'ai_finops')(unix_nano)) }}
{% endmacro %}

{% macro default__otel_unix_nano_to_timestamp(unix_nano) %}
    (timestamp '1970-01-01 00:00:00' + (({{ unix_nano }}) / 1000) * interval '1 microsecond')
{% endmacro %}

{% macro duckdb__otel_unix_nano_to_timestamp(unix_nano) %}
    make_timestamp(({{ unix_nano }}) // 1000)
{% endmacro %}

{#
    Text to bigint, NULL when the text is not a number (OTLP/JSON integers are JSON strings, and a
    malformed one must become a quarantine reason, not a failed build). dbt.safe_cast is a plain
    cast on engines without a non-failing cast, DuckDB included.
#}
{% macro otel_text_to_bigint(text) %}
    {{ return(adapter.dispatch('otel_text_to_bigint', 'ai_finops')(text)) }}
{% endmacro %}

{% macro default__otel_text_to_bigint(text) %}
    case
        when trim({{ text }}) ~ '^-?[0-9]{1,18}$' then cast(trim({{ text }}) as bigint)
    end
{% endmacro %}

{% macro duckdb__otel_text_to_bigint(text) %}
    case
        when regexp_full_match(trim({{ text }}), '-?[0-9]{1,19}') then try_cast(trim({{ text }}) as bigint)
    end
{% endmacro %}
