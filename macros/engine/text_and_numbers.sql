{#
    Small expressions that engines spell differently. The default__ versions are the SQL the
    models had inline (DuckDB and PostgreSQL); macros/adapters/spark.sql has Spark's.
#}

{#
    U+FFFD, the character that replaces bytes that are not UTF-8 when a landing file is read.
    Spark's chr() takes the code point modulo 256 (chr(65533) is 'ý').
#}
{% macro replacement_character() %}
    {{- return(adapter.dispatch('replacement_character', 'ai_finops')()) -}}
{% endmacro %}

{% macro default__replacement_character() %}
    {{- return('chr(65533)') -}}
{% endmacro %}

{#
    floor() of a DOUBLE, as a number that compares with the DOUBLE exactly (x = floor_double(x)
    when x is whole). Spark's floor(double) is a BIGINT, which saturates at 9.2e18: 1e20 would
    not equal its own floor.
#}
{% macro floor_double(value) %}
    {{- return(adapter.dispatch('floor_double', 'ai_finops')(value)) -}}
{% endmacro %}

{% macro default__floor_double(value) %}
    {{- return('floor(' ~ value ~ ')') -}}
{% endmacro %}
