{#
    A UTC timestamp's calendar date and month in the reporting time zone (var reporting_timezone).
    Finance closes months in its own time zone: a request at 23:30 UTC on 31 October is a
    November cost for a company reporting in Asia/Tokyo.
#}
{% macro reporting_date(utc_timestamp) %}
    {{ return(adapter.dispatch('reporting_date', 'ai_finops')(utc_timestamp)) }}
{% endmacro %}

{% macro default__reporting_date(utc_timestamp) %}
    {%- if var('reporting_timezone') == 'UTC' -%}
        cast({{ utc_timestamp }} as date)
    {%- else -%}
        cast(({{ utc_timestamp }} at time zone 'UTC') at time zone '{{ var("reporting_timezone") }}' as date)
    {%- endif -%}
{% endmacro %}

{% macro duckdb__reporting_date(utc_timestamp) %}
    {%- if var('reporting_timezone') == 'UTC' -%}
        cast({{ utc_timestamp }} as date)
    {%- else -%}
        cast(timezone('{{ var("reporting_timezone") }}', timezone('UTC', {{ utc_timestamp }})) as date)
    {%- endif -%}
{% endmacro %}

{# First day of the reporting month, as a date. #}
{% macro reporting_month(utc_timestamp) %}
    cast({{ dbt.date_trunc('month', ai_finops.reporting_date(utc_timestamp)) }} as date)
{% endmacro %}
