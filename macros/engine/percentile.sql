{#
    Continuous percentile (linear interpolation) of `expression`, `fraction` in [0, 1].
    Spelled differently by every engine, so dispatched.
#}
{% macro percentile_cont(expression, fraction) %}
    {{ return(adapter.dispatch('percentile_cont', 'ai_finops')(expression, fraction)) }}
{% endmacro %}

{% macro default__percentile_cont(expression, fraction) %}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{% endmacro %}

{% macro duckdb__percentile_cont(expression, fraction) %}
    quantile_cont({{ expression }}, {{ fraction }})
{% endmacro %}

{% macro spark__percentile_cont(expression, fraction) %}
    percentile({{ expression }}, {{ fraction }})
{% endmacro %}
