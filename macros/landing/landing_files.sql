{#
    The raw files of one source below the landing folder, sorted, as a list of paths.

    Files are listed when the model runs (not when dbt parses), so a build always sees the
    files that are there now. `.jsonl` and gzip-compressed `.jsonl.gz` files are read.
#}
{% macro landing_glob(subdir) %}
    {{- return(var('raw_data_dir') ~ '/' ~ subdir ~ '/**/*.jsonl*') -}}
{% endmacro %}

{% macro landing_files(subdir) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set pattern = ai_finops.landing_glob(subdir) -%}
    {%- set listing -%}
        select file
        from glob('{{ ai_finops.sql_string(pattern) }}')
        where file like '%.jsonl' or file like '%.jsonl.gz'
        order by file
    {%- endset -%}
    {{ return(run_query(listing).columns[0].values() | list) }}
{% endmacro %}

{# Escape a value for use inside a single-quoted SQL string literal. #}
{% macro sql_string(value) %}
    {{- return(value | replace("'", "''")) -}}
{% endmacro %}
