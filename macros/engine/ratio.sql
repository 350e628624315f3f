{#
    numerator / denominator as a floating-point share (0.25 = 25%), for columns that are
    ratios, not money. Both sides are cast first: a decimal quotient would keep a scale that
    differs per engine (DuckDB returns a double, PostgreSQL and Spark keep decimals), so every
    engine computes the same double. The caller guards against a zero denominator.
#}
{% macro ratio(numerator, denominator) %}
    {{- 'cast(' ~ numerator ~ ' as ' ~ ai_finops.double_type() ~ ') / cast('
        ~ denominator ~ ' as ' ~ ai_finops.double_type() ~ ')' -}}
{% endmacro %}
