{#
    The column type of every amount of money in the project. Exact decimal arithmetic, so that
    request costs summed any way (by day, by feature, by team) tie out to the same cent.
    Twelve decimals keep per-request costs of a few millionths of a dollar exact.
#}
{% macro money_type() %}
    {{- return(adapter.dispatch('money_type', 'ai_finops')()) -}}
{% endmacro %}

{% macro default__money_type() %}
    {{- return('decimal(38, 12)') -}}
{% endmacro %}

{% macro double_type() %}
    {{- return(adapter.dispatch('double_type', 'ai_finops')()) -}}
{% endmacro %}

{% macro default__double_type() %}
    {{- return('double') -}}
{% endmacro %}
