{#
    A quotient of money (decimals) as the project computes it: on DuckDB, decimal / decimal (or
    / integer) is a DOUBLE, which the model then casts to the money type, so every engine must
    divide in double precision to round each share to the same 1e-12 dollar. Spark divides
    decimals as decimals (spark__divide in macros/adapters/spark.sql); PostgreSQL keeps its
    numeric division. `numerator` and `denominator` are SQL expressions (text); the default
    renders `numerator / denominator` unchanged, so write the numerator without enclosing
    parentheses where the model had none.
#}
{% macro divide(numerator, denominator) %}
    {{- return(adapter.dispatch('divide', 'ai_finops')(numerator, denominator)) -}}
{% endmacro %}

{% macro default__divide(numerator, denominator) %}
    {{- return(numerator ~ ' / ' ~ denominator) -}}
{% endmacro %}
