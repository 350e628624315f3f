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
