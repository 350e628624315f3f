{#
    A hash of the given columns' values, NULL-safe and unambiguous: each value as text, NULL as
    '~', joined with '|'. Used for a delivery's content hash and a journal entry's key.
#}
{% macro row_hash(columns) %}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- if parts %}{% do parts.append("'|'") %}{% endif -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '~')") -%}
    {%- endfor -%}
    {{ return(dbt.hash(dbt.concat(parts))) }}
{% endmacro %}

{#
    A hash to tell, inside one query, whether two rows hold the same values: never stored, so
    it may be the engine's fastest hash rather than a portable one. DuckDB hashes the typed
    values (no text conversion, a tenth of md5's cost); elsewhere it is row_hash.
#}
{% macro comparison_hash(columns) %}
    {{ return(adapter.dispatch('comparison_hash', 'ai_finops')(columns)) }}
{% endmacro %}

{% macro default__comparison_hash(columns) %}
    {{ return(ai_finops.row_hash(columns)) }}
{% endmacro %}

{% macro duckdb__comparison_hash(columns) %}
    {{ return('hash(' ~ columns | join(', ') ~ ')') }}
{% endmacro %}
