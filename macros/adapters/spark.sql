{#
    Apache Spark implementations of the project's dispatched macros (dbt-spark; tested with the
    `session` method on a local Spark 3.5, parquet tables, Hive metastore). The models are the
    same on every engine; what differs is here.

    Spark cannot read the landing files: `python -m ai_finops.load_raw --engine spark` loads
    their lines into the sources litellm.raw_lines and otel.raw_lines first.

    Also here, because the project is written for engines where they hold and Spark 3 differs:
    - type names: Spark has no VARCHAR without a length (it is `string`) and no DOUBLE
      PRECISION. Seeds' column_types and contracts' data_type say `varchar`: spark__cast (used
      by dbt's contract check), spark__create_csv_table and spark__load_csv_rows translate them.
    - incremental_strategy 'delete+insert' (fct_llm_requests): dbt-spark has no such strategy.
      On delta / iceberg / hudi tables it is run as `merge` on the unique key (the same result);
      on parquet, the merged table (rows of the target whose key is not in the new rows, plus
      the new rows) is written to a staging table and then overwrites the target.
#}

{# ---------------------------------------------------------------- types #}

{# A type name as Spark spells it. #}
{% macro spark_type(data_type) %}
    {%- set t = data_type | string | trim -%}
    {%- set lowered = t | lower -%}
    {%- if lowered in ('varchar', 'text', 'character varying') or lowered.startswith('varchar(') -%}
        {{- return('string') -}}
    {%- elif lowered in ('double precision', 'float8') -%}
        {{- return('double') -}}
    {%- elif lowered.replace(' ', '') == 'decimal(38,12)' -%}
        {{- return(ai_finops.spark__money_type()) -}}
    {%- endif -%}
    {{- return(t) -}}
{% endmacro %}

{% macro spark__cast(field, type) %}
    cast({{ field }} as {{ ai_finops.spark_type(type) }})
{% endmacro %}

{% macro spark__double_type() %}
    {{- return('double') -}}
{% endmacro %}

{# dbt-spark's seed macros, with the column types translated (ai_finops.spark_type). #}
{% macro spark__create_csv_table(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {% set sql %}
    create table {{ this.render() }} (
        {%- for col_name in agate_table.column_names -%}
            {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
            {%- set type = ai_finops.spark_type(column_override.get(col_name, inferred_type)) -%}
            {%- set column_name = (col_name | string) -%}
            {{ adapter.quote_seed_column(column_name, quote_seed_column) }} {{ type }} {%- if not loop.last -%}, {%- endif -%}
        {%- endfor -%}
    )
    {{ file_format_clause() }}
    {{ partition_cols(label="partitioned by") }}
    {{ clustered_cols(label="clustered by") }}
    {{ location_clause() }}
    {{ comment_clause() }}
    {% endset %}
    {% call statement('_') -%}
        {{ sql }}
    {%- endcall %}
    {{ return(sql) }}
{% endmacro %}

{#
    Seed rows as literals: the session method's parameter binding quotes values without
    escaping them (a seed value with an apostrophe breaks the statement) and writes an empty
    value as the text 'None'.
#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {% set column_override = model['config'].get('column_types', {}) %}
    {% set types = [] %}
    {% for col_name in agate_table.column_names %}
        {% do types.append(ai_finops.spark_type(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)))) %}
    {% endfor %}
    {% set statements = [] %}
    {% for chunk in agate_table.rows | batch(get_batch_size()) %}
        {% set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    cast({{ ai_finops.spark__literal(value) }} as {{ types[loop.index0] }})
                    {%- if not loop.last %},{%- endif %}
                {%- endfor -%})
                {%- if not loop.last %},{%- endif %}
            {%- endfor %}
        {% endset %}
        {% do adapter.add_query(sql, abridge_sql_log=True) %}
        {% if loop.index0 == 0 %}
            {% do statements.append(sql) %}
        {% endif %}
    {% endfor %}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{# A seed value as a Spark SQL literal. #}
{% macro spark__literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true -%}
        true
    {%- elif value is sameas false -%}
        false
    {%- elif value is number -%}
        {{ value }}
    {%- elif value is string -%}
        '{{ value | replace('\\', '\\\\') | replace("'", "\\'") }}'
    {%- else -%}
        '{{ value.isoformat() if value.isoformat is defined else value }}'
    {%- endif -%}
{%- endmacro %}

{#
    Contract constraints (not_null) can only be declared on delta tables; dbt-spark decides by
    file_format with a default of 'delta' here, while it creates tables with no `using` (parquet)
    when file_format is not set. Same macro, with the default that matches the table.
#}
{% macro spark__persist_constraints(relation, model) %}
    {%- set contract_config = config.get('contract') -%}
    {%- if contract_config.enforced and config.get('file_format', 'parquet') == 'delta' -%}
        {% do alter_table_add_constraints(relation, model.constraints) %}
        {% do alter_column_set_constraints(relation, model.columns) %}
    {%- endif -%}
{% endmacro %}

{# ---------------------------------------------------------------- incremental: delete+insert #}

{#
    dbt-spark's strategy check and strategy SQL (macros of dbt-spark, called by its incremental
    materialization; a root project's macro of the same name takes their place), as in
    dbt-spark 1.11 plus 'delete+insert'.
#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy == 'delete+insert' -%}
        {{ return('merge' if file_format in ['delta', 'iceberg', 'hudi'] else 'delete+insert') }}
    {%- endif -%}
    {%- if raw_strategy not in ['append', 'merge', 'insert_overwrite', 'microbatch'] -%}
        {%- do exceptions.raise_compiler_error(
            'Invalid incremental strategy provided: ' ~ raw_strategy
            ~ '. Expected one of: append, merge, insert_overwrite, microbatch, delete+insert'
        ) -%}
    {%- endif -%}
    {%- if raw_strategy == 'merge' and file_format not in ['delta', 'iceberg', 'hudi'] -%}
        {%- do exceptions.raise_compiler_error(
            'Invalid incremental strategy provided: merge. You can only choose this strategy'
            ~ " when file_format is set to 'delta' or 'iceberg' or 'hudi'"
        ) -%}
    {%- endif -%}
    {%- if raw_strategy in ['insert_overwrite', 'microbatch'] and target.endpoint -%}
        {%- do exceptions.raise_compiler_error(
            'Invalid incremental strategy provided: ' ~ raw_strategy
            ~ '. You cannot use this strategy when connecting via endpoint'
        ) -%}
    {%- endif -%}
    {{ return(raw_strategy) }}
{% endmacro %}

{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
    {%- if strategy == 'delete+insert' -%}
        {{ ai_finops.spark__delete_insert_sql(source, target, unique_key) }}
    {%- elif strategy == 'append' -%}
        {{ get_insert_into_sql(source, target) }}
    {%- elif strategy in ['insert_overwrite', 'microbatch'] -%}
        {%- if strategy == 'microbatch' and not config.get('partition_by') -%}
            {{ exceptions.raise_compiler_error("dbt-spark 'microbatch' incremental strategy requires a `partition_by` config.") }}
        {%- endif -%}
        {{ get_insert_overwrite_sql(source, target, existing) }}
    {%- elif strategy == 'merge' -%}
        {{ get_merge_sql(target, source, unique_key, dest_columns=none, incremental_predicates=incremental_predicates) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error('No known SQL for the incremental strategy provided: ' ~ strategy) }}
    {%- endif -%}
{% endmacro %}

{#
    delete+insert on a table format without MERGE (parquet): Spark cannot overwrite a table
    while reading it, so the merged rows go to a staging table first (a full rewrite of the
    target per run). Returns the statement that overwrites the target; the staging table is
    dropped at the start of the next run.
#}
{% macro spark__delete_insert_sql(source, target, unique_key) %}
    {%- if unique_key is none -%}
        {{ exceptions.raise_compiler_error("delete+insert needs a unique_key (" ~ target ~ ")") }}
    {%- endif -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set staging = target.incorporate(path={"identifier": target.identifier ~ '__dbt_merged'}) -%}
    {%- set columns = adapter.get_columns_in_relation(target) | map(attribute='quoted') | join(', ') -%}
    {% do run_query('drop table if exists ' ~ staging) %}
    {% call statement('ai_finops_delete_insert_staging') %}
        create table {{ staging }} using parquet as
        select {{ columns }}
        from {{ target }} as existing_rows
        where not exists (
            select 1 from {{ source }} as new_rows
            where
                {%- for key in keys %}
                new_rows.{{ key }} = existing_rows.{{ key }}{{ ' and' if not loop.last }}
                {%- endfor %}
        )
        union all
        select {{ columns }} from {{ source }}
    {% endcall %}
    insert overwrite table {{ target }}
    select {{ columns }} from {{ staging }}
{% endmacro %}

{# ---------------------------------------------------------------- landing lines #}

{#
    Spark's JSON reader is lenient where DuckDB is strict and strict where DuckDB is lenient, so
    every value is read as text and typed here (the rules of duckdb__parse_litellm_lines):
    - a line is one JSON object when it starts with "{", ends with "}" and parses;
    - fields of the wrong JSON type come back NULL, never failing the build.
#}
{% macro spark__numeric_text_pattern() -%}
    '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$'
{%- endmacro %}

{% macro spark__is_json_object(raw_line, parsed) -%}
    (
        left(ltrim({{ raw_line }}), 1) = '{'
        and {{ raw_line }} rlike '[}]\\s*$'
        and (
            {{ parsed }}._corrupt_record is null
            or from_json({{ raw_line }}, 'map<string, string>') is not null
        )
    )
{%- endmacro %}

{# JSON text (number, numeric string, true / false) to double, as DuckDB's lenient read. #}
{% macro spark__text_to_double(text) -%}
    case
        when {{ text }} rlike {{ ai_finops.spark__numeric_text_pattern() }} then cast(trim({{ text }}) as double)
        when {{ text }} = 'true' then 1.0
        when {{ text }} = 'false' then 0.0
    end
{%- endmacro %}

{# ... to bigint, rounded half away from zero; NULL beyond the bigint range #}
{% macro spark__text_to_bigint(text) -%}
    case
        when
            {{ text }} rlike {{ ai_finops.spark__numeric_text_pattern() }}
            and abs(cast(trim({{ text }}) as double)) < 9.2e18
            then cast(round(cast(trim({{ text }}) as double)) as bigint)
        when {{ text }} = 'true' then cast(1 as bigint)
        when {{ text }} = 'false' then cast(0 as bigint)
    end
{%- endmacro %}

{# ---------------------------------------------------------------- LiteLLM #}

{% macro spark__parse_litellm_lines(lines) %}
    {%- set payload_type -%}
        id string, call_type string, status string, custom_llm_provider string, model string,
        startTime string, endTime string, trace_id string, response_cost string,
        prompt_tokens string, completion_tokens string, request_tags string, end_user string,
        model_group string, model_id string, api_base string, user_agent string,
        model_map_information struct<model_map_key: string>, _landing_problem string,
        cost_breakdown struct<service_tier: string>,
        metadata struct<
            user_agent: string,
            user_api_key_alias: string, user_api_key_team_alias: string, user_api_key_end_user_id: string,
            spend_logs_metadata: struct<feature: string, env: string, environment: string, region: string, customer_id: string>,
            usage_object: struct<
                cache_creation_input_tokens: string,
                prompt_tokens_details: struct<cached_tokens: string, cache_creation_tokens: string>,
                completion_tokens_details: struct<reasoning_tokens: string>
            >
        >,
        _corrupt_record string
    {%- endset -%}
    {%- set tag_keys = ['feature', 'team', 'env', 'region', 'customer'] -%}
    with parsed as (
        select
            source_system,
            source_file,
            line_number,
            raw_line,
            has_invalid_utf8,
            ledger_seq,
            from_json(raw_line, '{{ payload_type | replace("\n", " ") }}') as payload,
            -- token totals strictly as JSON numbers: "12" or true is not a count
            from_json(
                raw_line, 'prompt_tokens double, completion_tokens double',
                map('allowNonNumericNumbers', 'false')
            ) as counts
        from {{ lines }}
    ),

    checked as (
        select
            *,
            {{ ai_finops.spark__is_json_object('raw_line', 'payload') }} as is_valid_object
        from parsed
    ),

    typed as (
        select
            *,
            -- tags: a list as LiteLLM writes it; a string or an object is read as that list
            case
                when not is_valid_object or payload.request_tags is null then null
                when
                    left(payload.request_tags, 1) = '['
                    and from_json(payload.request_tags, 'array<string>') is not null
                    then from_json(payload.request_tags, 'array<string>')
                when
                    left(payload.request_tags, 1) = '{'
                    and from_json(payload.request_tags, 'map<string, string>') is not null
                    then transform(
                        map_entries(from_json(payload.request_tags, 'map<string, string>')),
                        tag -> concat(tag.key, ':', coalesce(tag.value, ''))
                    )
                else transform(split(payload.request_tags, ','), tag -> trim(tag))
            end as request_tags
        from checked
    )

    select
        source_system,
        source_file,
        line_number,
        raw_line,
        has_invalid_utf8,
        ledger_seq,
        is_valid_object as is_json_object,
        case when is_valid_object then payload._landing_problem end as landing_problem,
        case when is_valid_object then payload.id end as id,
        case when is_valid_object then payload.call_type end as call_type,
        case when is_valid_object then payload.status end as status,
        case when is_valid_object then payload.custom_llm_provider end as custom_llm_provider,
        case when is_valid_object then payload.model end as model,
        case when is_valid_object then {{ ai_finops.spark__text_to_double('payload.startTime') }} end as start_time_epoch,
        case when is_valid_object then {{ ai_finops.spark__text_to_double('payload.endTime') }} end as end_time_epoch,
        case when is_valid_object then payload.trace_id end as trace_id,
        case when is_valid_object then {{ ai_finops.spark__text_to_double('payload.response_cost') }} end as response_cost,
        coalesce(is_valid_object and payload.prompt_tokens is not null, false) as has_prompt_tokens,
        coalesce(is_valid_object and payload.completion_tokens is not null, false) as has_completion_tokens,
        case when is_valid_object then counts.prompt_tokens end as prompt_tokens,
        case when is_valid_object then counts.completion_tokens end as completion_tokens,
        case
            when is_valid_object
                then {{ ai_finops.spark__text_to_bigint('payload.metadata.usage_object.prompt_tokens_details.cached_tokens') }}
        end as cached_tokens,
        case
            when is_valid_object
                then coalesce(
                    {{ ai_finops.spark__text_to_bigint('payload.metadata.usage_object.cache_creation_input_tokens') }},
                    {{ ai_finops.spark__text_to_bigint('payload.metadata.usage_object.prompt_tokens_details.cache_creation_tokens') }}
                )
        end as cache_creation_tokens,
        case
            when is_valid_object
                then {{ ai_finops.spark__text_to_bigint('payload.metadata.usage_object.completion_tokens_details.reasoning_tokens') }}
        end as reasoning_tokens,
        case when is_valid_object then payload.cost_breakdown.service_tier end as service_tier,
        -- tags: "key:value" strings; the first tag of each key wins (a request counts once)
        case
            when request_tags is not null
                then size(filter(request_tags, tag -> not {{ ai_finops.is_system_tag('tag') }}))
        end as request_tag_count,
        {%- for tag_key in tag_keys %}
        nullif(
            substr(element_at(filter(request_tags, tag -> left(tag, {{ tag_key | length + 1 }}) = '{{ tag_key }}:'), 1), {{ tag_key | length + 2 }}),
            ''
        ) as tag_{{ tag_key }},
        {%- endfor %}
        case when is_valid_object then payload.metadata.spend_logs_metadata.feature end as metadata_feature,
        case
            when is_valid_object
                then coalesce(payload.metadata.spend_logs_metadata.env, payload.metadata.spend_logs_metadata.environment)
        end as metadata_env,
        case when is_valid_object then payload.metadata.spend_logs_metadata.region end as metadata_region,
        case when is_valid_object then payload.metadata.spend_logs_metadata.customer_id end as metadata_customer_id,
        case when is_valid_object then payload.metadata.user_api_key_alias end as api_key_alias,
        case when is_valid_object then payload.metadata.user_api_key_team_alias end as api_key_team_alias,
        case
            when is_valid_object then coalesce(payload.metadata.user_api_key_end_user_id, payload.end_user)
        end as end_user_id,
        case when is_valid_object then payload.model_group end as model_group,
        case when is_valid_object then payload.model_id end as deployment_id,
        case when is_valid_object then payload.api_base end as api_base,
        case when is_valid_object then payload.model_map_information.model_map_key end as model_map_key,
        case
            when is_valid_object
                then coalesce(
                    nullif(trim(substr(
                        array_max(filter(
                            request_tags,
                            tag -> {{ ai_finops.is_system_tag('tag') }} and {{ ai_finops.is_user_agent_tag('tag') }}
                        )),
                        {{ ai_finops.user_agent_tag_prefix() | length + 1 }}
                    )), ''),
                    payload.user_agent,
                    payload.metadata.user_agent
                )
        end as client_user_agent
    from typed
{% endmacro %}

{# ---------------------------------------------------------------- OpenTelemetry #}

{#
    OTLP/JSON, parsed level by level (resourceSpans -> scopeSpans -> spans -> attributes, each
    list first read as a list of JSON texts), so that one malformed element is NULL on its
    own, as in DuckDB, instead of emptying its whole list (Spark's reader nulls a list whose
    element does not fit the schema).
#}
{% macro spark__otel_attributes(attributes_text) -%}
    transform(
        from_json({{ attributes_text }}, 'array<string>'),
        attribute_text -> named_struct(
            'key', from_json(attribute_text, 'key string').key,
            'value', from_json(
                from_json(attribute_text, 'value string').value,
                'stringValue string, intValue string, doubleValue string, boolValue string'
            )
        )
    )
{%- endmacro %}

{# the value struct of the first attribute whose key is one of `keys` (earlier keys win) #}
{% macro spark__otel_attribute(attributes, keys) -%}
    {%- if keys is string %}{% set keys = [keys] %}{% endif -%}
    coalesce(
        {%- for key in keys %}
        element_at(filter({{ attributes }}, attribute -> attribute.key = '{{ ai_finops.sql_string(key) }}'), 1).value{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{# an AnyValue as text; a double as DuckDB prints it (150.0) #}
{% macro spark__otel_value_as_text(value) -%}
    coalesce(
        {{ value }}.stringValue,
        {{ value }}.intValue,
        cast({{ ai_finops.spark__text_to_double(value ~ '.doubleValue') }} as string),
        case when {{ value }}.boolValue in ('true', 'false') then {{ value }}.boolValue end
    )
{%- endmacro %}

{% macro spark__parse_otel_lines(lines) %}
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
    with parsed as (
        select
            source_file,
            line_number,
            raw_line,
            has_invalid_utf8,
            ledger_seq,
            from_json(raw_line, 'resourceSpans string, _corrupt_record string') as payload
        from {{ lines }}
    ),

    checked as (
        select
            source_file,
            line_number,
            raw_line,
            has_invalid_utf8,
            ledger_seq,
            {{ ai_finops.spark__is_json_object('raw_line', 'payload') }} as is_json_object,
            payload.resourceSpans as resource_spans_text
        from parsed
    ),

    line_level as (
        select
            source_file,
            line_number,
            raw_line,
            has_invalid_utf8,
            ledger_seq,
            is_json_object,
            case
                when is_json_object then from_json(resource_spans_text, 'array<string>')
            end as resource_spans
        from checked
    ),

    resource_spans as (
        select
            line_level.source_file,
            line_level.line_number,
            resource_span.position as resource_position,
            from_json(resource_span.value, 'resource struct<attributes: string>, scopeSpans string') as resource_span
        from line_level
        lateral view posexplode(line_level.resource_spans) resource_span as position, value
    ),

    scope_spans as (
        select
            resource_spans.source_file,
            resource_spans.line_number,
            resource_spans.resource_position,
            resource_spans.resource_span.resource.attributes as resource_attributes_text,
            scope_span.position as scope_position,
            from_json(scope_span.value, 'scope struct<name: string>, spans string') as scope_span
        from resource_spans
        lateral view posexplode(from_json(resource_spans.resource_span.scopeSpans, 'array<string>')) scope_span as position, value
    ),

    spans as (
        select
            scope_spans.source_file,
            scope_spans.line_number,
            row_number() over (
                partition by scope_spans.source_file, scope_spans.line_number
                order by scope_spans.resource_position, scope_spans.scope_position, span.position
            ) as span_index,
            {{ ai_finops.spark__otel_attributes('scope_spans.resource_attributes_text') }} as resource_attributes,
            scope_spans.scope_span.scope.name as scope_name,
            from_json(
                span.value,
                'traceId string, spanId string, parentSpanId string, name string, startTimeUnixNano string,'
                || ' endTimeUnixNano string, attributes string, status struct<code: string>'
            ) as span
        from scope_spans
        lateral view posexplode(from_json(scope_spans.scope_span.spans, 'array<string>')) span as position, value
    ),

    -- a line without spans keeps one row (span and span_index NULL)
    unnested as (
        select
            line_level.source_file,
            line_level.line_number,
            line_level.raw_line,
            line_level.has_invalid_utf8,
            line_level.ledger_seq,
            line_level.is_json_object,
            line_level.resource_spans is not null as is_export_request,
            spans.span_index,
            spans.resource_attributes,
            spans.scope_name,
            spans.span,
            {{ ai_finops.spark__otel_attributes('spans.span.attributes') }} as span_attributes
        from line_level
        left join spans
            on
                line_level.source_file = spans.source_file
                and line_level.line_number = spans.line_number
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
            span.traceId as trace_id,
            span.spanId as span_id,
            span.parentSpanId as parent_span_id,
            span.name as span_name,
            scope_name,
            span.startTimeUnixNano as start_time_unix_nano_text,
            span.endTimeUnixNano as end_time_unix_nano_text,
            span.status.code as status_code,
            coalesce(size(filter(span_attributes, attribute -> left(attribute.key, 7) = 'gen_ai.')), 0)
                as genai_attribute_count,
            {%- for column, keys in span_attributes.items() %}
            {{ ai_finops.spark__otel_attribute('span_attributes', keys) }} as {{ column }}_value,
            {%- endfor %}
            {%- for column, keys in context_attributes.items() %}
            {{ ai_finops.spark__otel_attribute('span_attributes', keys) }} as span_{{ column }}_value,
            {{ ai_finops.spark__otel_attribute('resource_attributes', keys) }} as resource_{{ column }}_value,
            {%- endfor %}
            {{ ai_finops.spark__otel_attribute('resource_attributes', ['service.name']) }} as service_name_value
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
        {{ ai_finops.spark__otel_value_as_text(column ~ '_value') }} as {{ column }},
        {%- endfor %}
        {%- for column in context_attributes %}
        {{ ai_finops.spark__otel_value_as_text('span_' ~ column ~ '_value') }} as span_{{ column }},
        {{ ai_finops.spark__otel_value_as_text('resource_' ~ column ~ '_value') }} as resource_{{ column }},
        {%- endfor %}
        {{ ai_finops.spark__otel_value_as_text('service_name_value') }} as service_name
    from attribute_values
{% endmacro %}

{# ---------------------------------------------------------------- numbers and time #}

{# OTLP integers (JSON strings) to bigint, NULL when not a number (19 digits: nanoseconds). #}
{% macro spark__otel_text_to_bigint(text) %}
    case
        when
            trim({{ text }}) rlike '^-?[0-9]{1,19}$'
            and cast(trim({{ text }}) as decimal(20, 0)) between -9223372036854775808 and 9223372036854775807
            then cast(trim({{ text }}) as bigint)
    end
{% endmacro %}

{% macro spark__otel_unix_nano_to_timestamp(unix_nano) %}
    timestamp_micros(({{ unix_nano }}) div 1000)
{% endmacro %}

{# Epoch seconds (double) to a UTC timestamp, rounded to the microsecond as DuckDB rounds. #}
{% macro spark__epoch_seconds_to_timestamp(epoch_seconds) %}
    timestamp_micros(cast(round(({{ epoch_seconds }}) * 1000000) as bigint))
{% endmacro %}

{# Spark reads '\d' in a string literal as 'd': spell the digits as a class. #}
{% macro spark__strip_snapshot_suffix(model) %}
    regexp_replace({{ model }}, '-([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8})$', '')
{% endmacro %}

{% macro spark__reporting_date(utc_timestamp) %}
    {%- if var('reporting_timezone') == 'UTC' -%}
        cast({{ utc_timestamp }} as date)
    {%- else -%}
        cast(from_utc_timestamp({{ utc_timestamp }}, '{{ var("reporting_timezone") }}') as date)
    {%- endif -%}
{% endmacro %}

{# ---------------------------------------------------------------- OpenTelemetry ancestry #}

{#
    Context inherited from ancestor spans without a recursive CTE (Spark 3 has none): the spans
    of each trace are gathered into one map (span_id -> parent and context), and each span walks
    up its parent links in that map, at most `max_depth` steps, each key taking the first
    non-NULL value on the way (the nearest ancestor's). The same result as the recursive walk of
    default__otel_inherited_context (macros/engine/ancestry.sql); a span whose parent is not in
    the trace has no row.
#}
{% macro spark__otel_inherited_context(spans, span_context, max_depth) %}
    {%- set keys = ['feature', 'customer_id', 'environment', 'region'] -%}
    with traces as (
        select
            trace_id,
            map_from_entries(collect_list(struct(
                span_id,
                named_struct(
                    'parent_span_id', parent_span_id
                    {%- for key in keys %},
                    '{{ key }}', span_{{ key }}
                    {%- endfor %}
                )
            ))) as spans_by_id
        from {{ span_context }}
        group by trace_id
    ),

    walked as (
        select
            child.trace_id,
            child.span_id,
            aggregate(
                sequence(1, {{ max_depth | int }}),
                named_struct(
                    'next_span_id', child.parent_span_id
                    {%- for key in keys %},
                    '{{ key }}', cast(null as string)
                    {%- endfor %}
                ),
                (walk, step) -> case
                    when walk.next_span_id is null or traces.spans_by_id[walk.next_span_id] is null then walk
                    else named_struct(
                        'next_span_id', traces.spans_by_id[walk.next_span_id].parent_span_id
                        {%- for key in keys %},
                        '{{ key }}', coalesce(walk.{{ key }}, traces.spans_by_id[walk.next_span_id].{{ key }})
                        {%- endfor %}
                    )
                end
            ) as inherited
        from {{ spans }} as child
        inner join traces
            on child.trace_id = traces.trace_id
        where traces.spans_by_id[child.parent_span_id] is not null
    )

    select
        trace_id,
        span_id
        {%- for key in keys %},
        inherited.{{ key }} as inherited_{{ key }}
        {%- endfor %}
    from walked
{% endmacro %}

{# ---------------------------------------------------------------- money #}

{#
    Cost of `tokens` at `usd_per_mtok` x `multiplier`, to the money type. DuckDB multiplies the
    decimals exactly (scale 12 + 10 + 6 = 28, so 10 integer digits) and divides in double
    precision. On Spark the same exact product would overflow to NULL (not fail) past those 10
    digits, and with Spark's default decimal rules (allowPrecisionLoss) it would keep only 6
    decimals; so the product is taken in double precision, then rounded to 12 decimals like
    DuckDB's double quotient. The two agree to the 1e-12 dollar; the engine test compares them.
#}
{% macro spark__token_cost(tokens, usd_per_mtok, multiplier) %}
    cast(
        cast({{ tokens }} as double) * cast({{ usd_per_mtok }} as double) * cast({{ multiplier }} as double)
        / 1000000
        as {{ ai_finops.money_type() }}
    )
{% endmacro %}

{#
    decimal(28, 12), not DuckDB's (38, 12): Spark's sum() adds 10 digits of precision, so a sum
    of money is decimal(38, 12), the type DuckDB's sum of money has too.
#}
{% macro spark__money_type() %}
    {{- return('decimal(28, 12)') -}}
{% endmacro %}

{#
    A quotient of money, in double precision as on DuckDB (macros/engine/arithmetic.sql):
    Spark would divide decimals as decimals, rounding the quotient at its own scale (exact,
    but not the double DuckDB rounds to 12 decimals, so a share at a rounding tie could land
    1e-12 dollar apart). The numerator is computed as a decimal first (a product of money keeps
    all its decimals: spark.sql.decimalOperations.allowPrecisionLoss is false in profiles.yml),
    then converted, as DuckDB converts it.
#}
{% macro spark__divide(numerator, denominator) %}
    {{- return('cast(' ~ numerator ~ ' as double) / cast(' ~ denominator ~ ' as double)') -}}
{% endmacro %}

{# ---------------------------------------------------------------- text and numbers #}

{# U+FFFD (macros/engine/text_and_numbers.sql): Spark's chr(65533) is chr(253), 'ý'. #}
{% macro spark__replacement_character() %}
    {{- return("'\\uFFFD'") -}}
{% endmacro %}

{#
    floor() of a double as a double: Spark's floor(double) is a BIGINT, saturating at 9.2e18.
    Every double of magnitude 2^52 or more is whole, so it is its own floor.
#}
{% macro spark__floor_double(value) %}
    {{- return('case when abs(' ~ value ~ ') >= 4503599627370496 then ' ~ value
        ~ ' else cast(floor(' ~ value ~ ') as double) end') -}}
{% endmacro %}
