{#
    Tags a gateway adds to every request on its own, not the caller's business context: the
    LiteLLM proxy adds "User-Agent: <product>" and "User-Agent: <full agent string>" to
    request_tags. They are never read as a feature, team, environment, region or customer, and
    do not count as tags (a request with only these is untagged); the user agent is kept as the
    client_user_agent dimension.

    var system_tag_prefixes lists them (case-sensitive, as written). Tags are read when a line is
    parsed, once: a prefix added later applies to lines landed from then on.
#}
{% macro user_agent_tag_prefix() %}{{ return('User-Agent:') }}{% endmacro %}

{# SQL: whether the tag (a text expression) is a system tag; the same text on every engine. #}
{% macro is_system_tag(tag) -%}
    {%- set prefixes = var('system_tag_prefixes') -%}
    {%- if prefixes | length == 0 -%}
        false
    {%- else -%}
        ({% for prefix in prefixes %}left({{ tag }}, {{ prefix | length }}) = '{{ prefix | replace("'", "''") }}'{{ ' or ' if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{% macro is_user_agent_tag(tag) -%}
    left({{ tag }}, {{ ai_finops.user_agent_tag_prefix() | length }}) = '{{ ai_finops.user_agent_tag_prefix() }}'
{%- endmacro %}
