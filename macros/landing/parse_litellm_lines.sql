{#
    Parse LiteLLM StandardLoggingPayload JSON lines into flat, typed payload fields.

    Input: the name of a relation or CTE with (source_system, ledger_seq, source_file,
    line_number, raw_line, has_invalid_utf8).
    Output: one row per input line, the input columns plus
      - is_json_object: the line is one well-formed JSON object
      - the payload fields staging needs, under LiteLLM's own names (snake-cased)
    Fields that are present but of the wrong type come back NULL; staging turns that into a
    quarantine reason. Token counts are typed strictly, because DuckDB's lenient cast would
    bill `true` as 1 token and round 1.5 to 2: `prompt_tokens` / `completion_tokens` are the
    JSON numbers as DOUBLE (NULL when absent or not a number) and `has_prompt_tokens` /
    `has_completion_tokens` say whether the field was there at all.
    `request_tags` is LiteLLM's list of "key:value" strings; a single string ("feature:x", or
    "feature:x,env:prod") or an object ({"feature": "x"}) is read as the same list, so that the
    context a caller logged the wrong way is kept. Message content (messages, response) is not
    parsed at all.

    Engine-specific: DuckDB parses each line once into a typed struct (from_json); parsing field
    by field with json_extract costs about four times as much on a million lines.
#}
{% macro parse_litellm_lines(lines) %}
    {{ return(adapter.dispatch('parse_litellm_lines', 'ai_finops')(lines)) }}
{% endmacro %}

{% macro duckdb__parse_litellm_lines(lines) %}
    {%- set payload_type -%}
    {
        "id": "VARCHAR",
        "call_type": "VARCHAR",
        "status": "VARCHAR",
        "custom_llm_provider": "VARCHAR",
        "model": "VARCHAR",
        "startTime": "DOUBLE",
        "endTime": "DOUBLE",
        "trace_id": "VARCHAR",
        "response_cost": "DOUBLE",
        "prompt_tokens": "JSON",
        "completion_tokens": "JSON",
        "request_tags": "JSON",
        "end_user": "VARCHAR",
        "model_group": "VARCHAR",
        "model_id": "VARCHAR",
        "api_base": "VARCHAR",
        "user_agent": "VARCHAR",
        "model_map_information": {"model_map_key": "VARCHAR"},
        "_landing_problem": "VARCHAR",
        "cost_breakdown": {"service_tier": "VARCHAR"},
        "metadata": {
            "user_agent": "VARCHAR",
            "user_api_key_alias": "VARCHAR",
            "user_api_key_team_alias": "VARCHAR",
            "user_api_key_end_user_id": "VARCHAR",
            "spend_logs_metadata": {
                "feature": "VARCHAR",
                "env": "VARCHAR",
                "environment": "VARCHAR",
                "region": "VARCHAR",
                "customer_id": "VARCHAR"
            },
            "usage_object": {
                "cache_creation_input_tokens": "BIGINT",
                "prompt_tokens_details": {
                    "cached_tokens": "BIGINT",
                    "cache_creation_tokens": "BIGINT"
                },
                "completion_tokens_details": {"reasoning_tokens": "BIGINT"}
            }
        }
    }
    {%- endset %}
    with parsed as (
        select
            source_system,
            source_file,
            line_number,
            raw_line,
            has_invalid_utf8,
            ledger_seq,
            -- try(): a malformed line yields NULL instead of failing the whole build.
            case
                when starts_with(raw_line, chr(123)) or left(ltrim(raw_line), 1) = chr(123)
                    then try(from_json(raw_line, '{{ payload_type | replace("\n", " ") }}'))
            end as payload
        from {{ lines }}
    ),

    typed as (
        select
            *,
            -- tags: a list as LiteLLM writes it; a string or an object is read as that list
            case json_type(payload.request_tags)
                when 'ARRAY' then try_cast(payload.request_tags as varchar[])
                when 'VARCHAR'
                    then list_transform(
                        string_split(payload.request_tags ->> '$', ','), lambda tag: trim(tag)
                    )
                when 'OBJECT'
                    then list_transform(
                        json_keys(payload.request_tags),
                        lambda tag_key: tag_key || ':' || coalesce(payload.request_tags ->> tag_key, '')
                    )
            end as request_tags
        from parsed
    ),

    keyed as (
        select
            *,
            -- tags the gateway adds on its own (the proxy's "User-Agent: ..."): not the caller's
            list_filter(
                request_tags, lambda t: {{ ai_finops.is_system_tag('t') }}
            ) as system_tags,
            -- each tag's key (its text before the first ':'), found below by list_position
            list_transform(
                request_tags, lambda t: case when contains(t, ':') then split_part(t, ':', 1) end
            ) as request_tag_keys
        from typed
    )

    select
        source_system,
        source_file,
        line_number,
        raw_line,
        has_invalid_utf8,
        ledger_seq,
        payload is not null as is_json_object,
        -- what the reader found wrong with the record (a SpendLogs row's metadata: not JSON)
        payload._landing_problem as landing_problem,
        payload.id as id,
        payload.call_type as call_type,
        payload.status as status,
        payload.custom_llm_provider as custom_llm_provider,
        payload.model as model,
        payload.starttime as start_time_epoch,
        payload.endtime as end_time_epoch,
        payload.trace_id as trace_id,
        payload.response_cost as response_cost,
        -- the fields' JSON text: present unless absent or null; a number when the text casts to
        -- DOUBLE (a string keeps its quotes; true, false, objects and arrays do not cast)
        coalesce(cast(payload.prompt_tokens as varchar), 'null') <> 'null' as has_prompt_tokens,
        coalesce(cast(payload.completion_tokens as varchar), 'null') <> 'null' as has_completion_tokens,
        try_cast(cast(payload.prompt_tokens as varchar) as double) as prompt_tokens,
        try_cast(cast(payload.completion_tokens as varchar) as double) as completion_tokens,
        payload.metadata.usage_object.prompt_tokens_details.cached_tokens as cached_tokens,
        coalesce(
            payload.metadata.usage_object.cache_creation_input_tokens,
            payload.metadata.usage_object.prompt_tokens_details.cache_creation_tokens
        ) as cache_creation_tokens,
        payload.metadata.usage_object.completion_tokens_details.reasoning_tokens as reasoning_tokens,
        payload.cost_breakdown.service_tier as service_tier,
        -- tags: "key:value" strings; the first tag of each key wins (a request counts once)
        len(request_tags) - len(system_tags) as request_tag_count,
        {%- for tag_key in ['feature', 'team', 'env', 'region', 'customer'] %}
        nullif(
            substr(request_tags[list_position(request_tag_keys, '{{ tag_key }}')], {{ tag_key | length + 2 }}),
            ''
        ) as tag_{{ tag_key }},
        {%- endfor %}
        payload.metadata.spend_logs_metadata.feature as metadata_feature,
        coalesce(
            payload.metadata.spend_logs_metadata.env,
            payload.metadata.spend_logs_metadata.environment
        ) as metadata_env,
        payload.metadata.spend_logs_metadata.region as metadata_region,
        payload.metadata.spend_logs_metadata.customer_id as metadata_customer_id,
        payload.metadata.user_api_key_alias as api_key_alias,
        payload.metadata.user_api_key_team_alias as api_key_team_alias,
        coalesce(payload.metadata.user_api_key_end_user_id, payload.end_user) as end_user_id,
        -- where the request went: the Router's model group (the alias a client called), the
        -- deployment (its id and endpoint) and the model LiteLLM priced it as (an Azure
        -- deployment's base model), provider prefix and all
        payload.model_group as model_group,
        payload.model_id as deployment_id,
        payload.api_base as api_base,
        payload.model_map_information.model_map_key as model_map_key,
        -- the client: the proxy tags the product ("User-Agent: OpenAI") and the full agent
        -- string, which extends it ("User-Agent: OpenAI/Python 2.54.0"): the greatest tag
        coalesce(
            nullif(trim(substr(
                list_max(list_filter(system_tags, lambda t: {{ ai_finops.is_user_agent_tag('t') }})),
                {{ ai_finops.user_agent_tag_prefix() | length + 1 }}
            )), ''),
            payload.user_agent,
            payload.metadata.user_agent
        ) as client_user_agent
    from keyed
{% endmacro %}
