{#
    PostgreSQL implementations of the project's dispatched macros (adapter.dispatch picks a
    postgres__ macro before the default__ one). The models are the same on every engine; what
    differs is here: reading landing lines, parsing JSON, casts that must not fail the build,
    time arithmetic and regular expressions.

    PostgreSQL cannot read the landing files: `python -m ai_finops.load_raw --engine postgres`
    loads their lines into the sources litellm.raw_lines and otel.raw_lines first.

    JSON is parsed with jsonb. PostgreSQL (before 16) has no cast that returns NULL instead of
    failing, so a line that is not valid JSON would fail the whole build: the function
    ai_finops_try_jsonb(text) (created by the on-run-start hook `engine_setup`, below) returns
    NULL for it instead, and staging quarantines the line as invalid_json.

    Known differences from DuckDB, on input no gateway writes: a \u0000 escape in a JSON string
    (which jsonb cannot hold) reads as U+FFFD; object-valued tags and attributes are printed as
    jsonb prints them.
#}

{#
    engine_setup(): what a build needs on the engine before any model runs, as SQL for the
    on-run-start hook (dbt_project.yml). Nothing on DuckDB and Spark.
#}
{% macro engine_setup() %}
    {{ return(adapter.dispatch('engine_setup', 'ai_finops')()) }}
{% endmacro %}

{% macro default__engine_setup() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__engine_setup() %}
    create schema if not exists {{ adapter.quote(target.schema) }};
    create or replace function {{ ai_finops.postgres__try_jsonb_function() }}(line text)
    returns jsonb
    language plpgsql
    immutable
    parallel safe
    as $body$
    begin
        return line::jsonb;
    exception
        when untranslatable_character then
            -- jsonb cannot hold U+0000: read a \u0000 escape as U+FFFD instead (the loader
            -- does the same with a raw NUL byte), so that the line is not lost
            begin
                return regexp_replace(line, '(?<!\\)((\\\\)*)\\u0000', '\1\\ufffd', 'g')::jsonb;
            exception
                when others then return null;
            end;
        when others then return null;
    end;
    $body$
{% endmacro %}

{#
    engine_session_setup(): session settings every model's connection needs, as SQL for a
    pre-hook of every model (dbt_project.yml). Empty (no hook runs) on DuckDB and Spark.
    PostgreSQL: JIT off. Parsing OTLP and classifying spans are wide expressions, and LLVM
    compiling them costs minutes once the planner's estimate passes jit_above_cost (measured:
    stg_otel__spans 147 s with JIT, 0.3 s without, on the 10-line sample).
#}
{% macro engine_session_setup() %}
    {{ return(adapter.dispatch('engine_session_setup', 'ai_finops')()) }}
{% endmacro %}

{% macro default__engine_session_setup() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__engine_session_setup() %}
    set jit = off
{% endmacro %}

{% macro postgres__try_jsonb_function() -%}
    {{ adapter.quote(target.schema) }}.ai_finops_try_jsonb
{%- endmacro %}

{# The line as jsonb when it is one JSON object (text starting with "{"), else NULL. #}
{% macro postgres__json_object_or_null(raw_line) -%}
    case
        when left(ltrim({{ raw_line }}), 1) = '{'
            then {{ ai_finops.postgres__try_jsonb_function() }}({{ raw_line }})
    end
{%- endmacro %}

{#
    Typed reads of a jsonb value, lenient the way DuckDB's from_json is: a number, a numeric
    string or a boolean (1 / 0) converts, anything else is NULL; nothing fails the build.
    Each is a scalar subquery, so that the value expression is written (and evaluated, and
    JIT-compiled) once, not once per use.
#}
{% macro postgres__json_numeric(value) -%}
    (
        select case jsonb_typeof(json_value.v)
            when 'number' then cast(cast(json_value.v as text) as numeric)
            when 'boolean' then case when cast(json_value.v as text) = 'true' then 1 else 0 end
            when 'string'
                then case
                    when json_value.v #>> '{}' ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$'
                        then cast(trim(json_value.v #>> '{}') as numeric)
                end
        end
        from (select {{ value }} as v) as json_value
    )
{%- endmacro %}

{# numeric to double precision; beyond its range +/-Infinity, as DuckDB reads 1e400 #}
{% macro postgres__numeric_to_double(value) -%}
    (
        select case
            when abs(number_value.n) < 1e308 then cast(number_value.n as double precision)
            when number_value.n is not null then sign(number_value.n) * cast('Infinity' as double precision)
        end
        from (select {{ value }} as n) as number_value
    )
{%- endmacro %}

{% macro postgres__json_double(value) -%}
    {{ ai_finops.postgres__numeric_to_double(ai_finops.postgres__json_numeric(value)) }}
{%- endmacro %}

{# a whole number in the bigint range (rounded half away from zero, as DuckDB casts), else NULL #}
{% macro postgres__json_bigint(value) -%}
    (
        select case
            when number_value.n between -9223372036854775808 and 9223372036854775807
                then cast(number_value.n as bigint)
        end
        from (select round({{ ai_finops.postgres__json_numeric(value) }}) as n) as number_value
    )
{%- endmacro %}

{#
    LiteLLM lines: the same output as duckdb__parse_litellm_lines (macros/landing/
    parse_litellm_lines.sql), column for column. Each line is parsed once to jsonb.
#}
{% macro postgres__parse_litellm_lines(lines) %}
    {%- set tag_keys = ['feature', 'team', 'env', 'region', 'customer'] -%}
    with parsed as materialized (
        select
            source_system,
            source_file,
            line_number,
            raw_line,
            has_invalid_utf8,
            ledger_seq,
            {{ ai_finops.postgres__json_object_or_null('raw_line') }} as payload
        from {{ lines }}
    ),

    typed as materialized (
        select
            *,
            -- tags: a list as LiteLLM writes it; a string or an object is read as that list
            case jsonb_typeof(payload -> 'request_tags')
                when 'array' then array(
                    select tag.value
                    from jsonb_array_elements_text(payload -> 'request_tags') with ordinality as tag (value, position)
                    order by tag.position
                )
                when 'string' then array(
                    select trim(tag.value)
                    from regexp_split_to_table(payload ->> 'request_tags', ',') with ordinality as tag (value, position)
                    order by tag.position
                )
                when 'object' then array(
                    select tag.key || ':' || coalesce(tag.value, '')
                    from jsonb_each_text(payload -> 'request_tags') as tag
                )
            end as request_tags
        from parsed
    ),

    fields as materialized (
        select
            source_system,
            source_file,
            line_number,
            raw_line,
            has_invalid_utf8,
            ledger_seq,
            payload is not null as is_json_object,
            payload ->> '_landing_problem' as landing_problem,
            payload ->> 'id' as id,
            payload ->> 'call_type' as call_type,
            payload ->> 'status' as status,
            payload ->> 'custom_llm_provider' as custom_llm_provider,
            payload ->> 'model' as model,
            {{ ai_finops.postgres__json_double("payload -> 'startTime'") }} as start_time_epoch,
            {{ ai_finops.postgres__json_double("payload -> 'endTime'") }} as end_time_epoch,
            payload ->> 'trace_id' as trace_id,
            {{ ai_finops.postgres__json_double("payload -> 'response_cost'") }} as response_cost,
            coalesce(jsonb_typeof(payload -> 'prompt_tokens'), 'null') <> 'null' as has_prompt_tokens,
            coalesce(jsonb_typeof(payload -> 'completion_tokens'), 'null') <> 'null' as has_completion_tokens,
            -- strictly JSON numbers: `true` or "12" is not a token count
            case
                when jsonb_typeof(payload -> 'prompt_tokens') = 'number'
                    then {{ ai_finops.postgres__numeric_to_double("(payload -> 'prompt_tokens')::text::numeric") }}
            end as prompt_tokens,
            case
                when jsonb_typeof(payload -> 'completion_tokens') = 'number'
                    then {{ ai_finops.postgres__numeric_to_double("(payload -> 'completion_tokens')::text::numeric") }}
            end as completion_tokens,
            {{ ai_finops.postgres__json_bigint("payload #> '{metadata,usage_object,prompt_tokens_details,cached_tokens}'") }}
                as cached_tokens,
            coalesce(
                {{ ai_finops.postgres__json_bigint("payload #> '{metadata,usage_object,cache_creation_input_tokens}'") }},
                {{ ai_finops.postgres__json_bigint("payload #> '{metadata,usage_object,prompt_tokens_details,cache_creation_tokens}'") }}
            ) as cache_creation_tokens,
            {{ ai_finops.postgres__json_bigint("payload #> '{metadata,usage_object,completion_tokens_details,reasoning_tokens}'") }}
                as reasoning_tokens,
            payload #>> '{cost_breakdown,service_tier}' as service_tier,
            -- tags: "key:value" strings; the first tag of each key wins (a request counts once)
            case
                when request_tags is not null then (
                    select count(*)
                    from unnest(request_tags) as tag (value)
                    where not {{ ai_finops.is_system_tag('tag.value') }}
                )
            end as request_tag_count,
            {%- for tag_key in tag_keys %}
            (
                select nullif(substr(tag.value, {{ tag_key | length + 2 }}), '')
                from unnest(request_tags) with ordinality as tag (value, position)
                where left(tag.value, {{ tag_key | length + 1 }}) = '{{ tag_key }}:'
                order by tag.position
                limit 1
            ) as tag_{{ tag_key }},
            {%- endfor %}
            payload #>> '{metadata,spend_logs_metadata,feature}' as metadata_feature,
            coalesce(
                payload #>> '{metadata,spend_logs_metadata,env}',
                payload #>> '{metadata,spend_logs_metadata,environment}'
            ) as metadata_env,
            payload #>> '{metadata,spend_logs_metadata,region}' as metadata_region,
            payload #>> '{metadata,spend_logs_metadata,customer_id}' as metadata_customer_id,
            payload #>> '{metadata,user_api_key_alias}' as api_key_alias,
            payload #>> '{metadata,user_api_key_team_alias}' as api_key_team_alias,
            coalesce(payload #>> '{metadata,user_api_key_end_user_id}', payload ->> 'end_user') as end_user_id,
            payload ->> 'model_group' as model_group,
            payload ->> 'model_id' as deployment_id,
            payload ->> 'api_base' as api_base,
            payload #>> '{model_map_information,model_map_key}' as model_map_key,
            coalesce(
                (
                    select nullif(trim(substr(tag.value, {{ ai_finops.user_agent_tag_prefix() | length + 1 }})), '')
                    from unnest(request_tags) with ordinality as tag (value, position)
                    where {{ ai_finops.is_system_tag('tag.value') }} and {{ ai_finops.is_user_agent_tag('tag.value') }}
                    order by tag.value desc
                    limit 1
                ),
                payload ->> 'user_agent',
                payload #>> '{metadata,user_agent}'
            ) as client_user_agent
        from typed
    )

    select * from fields
{% endmacro %}

{#
    OpenTelemetry lines: the same output as duckdb__parse_otel_lines (macros/landing/
    parse_otel_lines.sql). Resources, scopes and spans are unnested in document order; a line
    without spans keeps one row with span_index NULL.

    Each attribute list becomes one jsonb object, attribute name -> the value as text, built
    once per span (and resource), so that each of the ~30 lookups is one key access:
      - the first attribute of a name wins (as DuckDB's list_filter(...)[1]);
      - an attribute whose value is not an AnyValue object is left out, so that the next
        name of a lookup list is tried (DuckDB: its value struct is NULL);
      - the text is stringValue, intValue, doubleValue or boolValue, whichever is set; a double
        is printed as DuckDB prints it (a whole number keeps ".0"), so that a token count
        logged as a double is rejected the same way on every engine.
#}
{% macro postgres__otel_attribute_map(attributes) -%}
    (
        select jsonb_object_agg(first_attribute.attribute_key, to_jsonb(first_attribute.value_text))
        from (
            select distinct on (attribute.value ->> 'key')
                attribute.value ->> 'key' as attribute_key,
                jsonb_typeof(attribute.value -> 'value') = 'object' as is_any_value,
                coalesce(
                    attribute.value #>> '{value,stringValue}',
                    attribute.value #>> '{value,intValue}',
                    (
                        select case
                            when double_value.d = trunc(double_value.d) and abs(double_value.d) < 1e15
                                then cast(cast(double_value.d as bigint) as text) || '.0'
                            else cast(double_value.d as text)
                        end
                        from (
                            select {{ ai_finops.postgres__json_double("attribute.value #> '{value,doubleValue}'") }} as d
                        ) as double_value
                    ),
                    case
                        when jsonb_typeof(attribute.value #> '{value,boolValue}') = 'boolean'
                            then attribute.value #>> '{value,boolValue}'
                    end
                ) as value_text
            from jsonb_array_elements(
                case when jsonb_typeof({{ attributes }}) = 'array' then {{ attributes }} end
            ) with ordinality as attribute (value, position)
            where attribute.value ->> 'key' is not null
            order by attribute.value ->> 'key', attribute.position
        ) as first_attribute
        where first_attribute.is_any_value
    )
{%- endmacro %}

{# the text of the first of `keys` present in an attribute map; NULL when none is #}
{% macro postgres__otel_attribute(attribute_map, keys) -%}
    {%- if keys is string %}{% set keys = [keys] %}{% endif -%}
    case
        {%- for key in keys %}
        when {{ attribute_map }} ? '{{ ai_finops.sql_string(key) }}' then {{ attribute_map }} ->> '{{ ai_finops.sql_string(key) }}'
        {%- endfor %}
    end
{%- endmacro %}

{% macro postgres__parse_otel_lines(lines) %}
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
    {%- set context_attributes = {
        'feature': ai_finops.otel_context_keys('otel_feature_attributes'),
        'team': ai_finops.otel_context_keys('otel_team_attributes'),
        'customer_id': ai_finops.otel_context_keys('otel_customer_id_attributes'),
        'environment': ai_finops.otel_context_keys('otel_environment_attributes'),
        'region': ai_finops.otel_context_keys('otel_region_attributes'),
    } -%}
    with parsed as materialized (
        select
            source_file,
            line_number,
            raw_line,
            has_invalid_utf8,
            ledger_seq,
            {{ ai_finops.postgres__json_object_or_null('raw_line') }} as payload
        from {{ lines }}
    ),

    -- every span of the line, with its resource's attributes and its scope's name; a line
    -- without spans keeps one row (span and span_index NULL)
    unnested as materialized (
        select
            parsed.source_file,
            parsed.line_number,
            parsed.raw_line,
            parsed.has_invalid_utf8,
            parsed.ledger_seq,
            parsed.payload is not null as is_json_object,
            coalesce(jsonb_typeof(parsed.payload -> 'resourceSpans') = 'array', false) as is_export_request,
            entry.span_index,
            entry.resource_attributes,
            entry.scope_name,
            entry.span
        from parsed
        left join lateral (
            select
                row_number() over (order by resource_span.position, scope_span.position, span.position) as span_index,
                resource_span.value #> '{resource,attributes}' as resource_attributes,
                scope_span.value #>> '{scope,name}' as scope_name,
                span.value as span
            from jsonb_array_elements(
                case when jsonb_typeof(parsed.payload -> 'resourceSpans') = 'array' then parsed.payload -> 'resourceSpans' end
            ) with ordinality as resource_span (value, position)
            cross join lateral jsonb_array_elements(
                case when jsonb_typeof(resource_span.value -> 'scopeSpans') = 'array' then resource_span.value -> 'scopeSpans' end
            ) with ordinality as scope_span (value, position)
            cross join lateral jsonb_array_elements(
                case when jsonb_typeof(scope_span.value -> 'spans') = 'array' then scope_span.value -> 'spans' end
            ) with ordinality as span (value, position)
        ) as entry on true
    ),

    attribute_maps as materialized (
        select
            *,
            {{ ai_finops.postgres__otel_attribute_map("span -> 'attributes'") }} as span_attribute_map,
            {{ ai_finops.postgres__otel_attribute_map('resource_attributes') }} as resource_attribute_map
        from unnested
    ),

    final as materialized (
        select
            source_file,
            line_number,
            raw_line,
            has_invalid_utf8,
            ledger_seq,
            is_json_object,
            is_export_request,
            span_index,
            span ->> 'traceId' as trace_id,
            span ->> 'spanId' as span_id,
            span ->> 'parentSpanId' as parent_span_id,
            span ->> 'name' as span_name,
            scope_name,
            span ->> 'startTimeUnixNano' as start_time_unix_nano_text,
            span ->> 'endTimeUnixNano' as end_time_unix_nano_text,
            span #>> '{status,code}' as status_code,
            coalesce((
                select count(*)
                from jsonb_array_elements(
                    case when jsonb_typeof(span -> 'attributes') = 'array' then span -> 'attributes' end
                ) as attribute (value)
                where left(attribute.value ->> 'key', 7) = 'gen_ai.'
            ), 0) as genai_attribute_count,
            {%- for column, keys in span_attributes.items() %}
            {{ ai_finops.postgres__otel_attribute('span_attribute_map', keys) }} as {{ column }},
            {%- endfor %}
            {%- for column, keys in context_attributes.items() %}
            {{ ai_finops.postgres__otel_attribute('span_attribute_map', keys) }} as span_{{ column }},
            {{ ai_finops.postgres__otel_attribute('resource_attribute_map', keys) }} as resource_{{ column }},
            {%- endfor %}
            {{ ai_finops.postgres__otel_attribute('resource_attribute_map', ['service.name']) }} as service_name
        from attribute_maps
    )

    select * from final
{% endmacro %}

{#
    OTLP integers (JSON strings) to bigint, NULL when not a number: 19 digits, because a
    nanosecond time in this century has 19 (the default's 18 would reject every span time).
    Nested CASE: PostgreSQL does not promise to evaluate AND's operands in order.
#}
{% macro postgres__otel_text_to_bigint(text) %}
    case
        when trim({{ text }}) ~ '^-?[0-9]{1,19}$'
            then case
                when cast(trim({{ text }}) as numeric) between -9223372036854775808 and 9223372036854775807
                    then cast(trim({{ text }}) as bigint)
            end
    end
{% endmacro %}

{# Epoch seconds (double) to a UTC timestamp, rounded to the microsecond as DuckDB rounds. #}
{% macro postgres__epoch_seconds_to_timestamp(epoch_seconds) %}
    (
        timestamp '1970-01-01 00:00:00'
        + sign({{ epoch_seconds }}) * floor(abs({{ epoch_seconds }}) * 1000000 + 0.5) * interval '1 microsecond'
    )
{% endmacro %}

{% macro postgres__double_type() %}
    {{- return('double precision') -}}
{% endmacro %}
