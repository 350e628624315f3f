{#
    Epoch seconds (a double, as LiteLLM logs startTime) to a UTC timestamp without time zone.
    Engines spell this differently; DuckDB's to_timestamp() returns a TIMESTAMPTZ whose
    rendering depends on the session time zone, so we build the naive UTC value from microseconds.
#}
{% macro epoch_seconds_to_timestamp(epoch_seconds) %}
    {{ return(adapter.dispatch('epoch_seconds_to_timestamp', 'ai_finops')(epoch_seconds)) }}
{% endmacro %}

{% macro default__epoch_seconds_to_timestamp(epoch_seconds) %}
    (timestamp '1970-01-01 00:00:00' + ({{ epoch_seconds }}) * interval '1 second')
{% endmacro %}

{% macro duckdb__epoch_seconds_to_timestamp(epoch_seconds) %}
    make_timestamp(cast(round(({{ epoch_seconds }}) * 1000000) as bigint))
{% endmacro %}

{# The earliest plausible request time (var earliest_request_date, UTC): earlier is a clock error. #}
{% macro earliest_request_time() %}
    cast('{{ var("earliest_request_date") }} 00:00:00' as {{ dbt.type_timestamp() }})
{% endmacro %}
