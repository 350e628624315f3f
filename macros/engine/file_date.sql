{#
    The date a landing file's path names, or NULL: the last YYYY-MM-DD or YYYY/MM/DD in it
    (LiteLLM's S3 logger writes <prefix>/<YYYY-MM-DD>/time-...json; date-partitioned folders
    are <YYYY>/<MM>/<DD>/). A request stamped further than var file_date_tolerance_days from
    its file's date is a clock error, quarantined as time_far_from_file_date.
#}
{% macro path_date(path) %}
    {{ return(adapter.dispatch('path_date', 'ai_finops')(path)) }}
{% endmacro %}

{% macro default__path_date(path) %}
    case
        when {{ path }} ~ '[0-9]{4}[-/](0[1-9]|1[0-2])[-/](0[1-9]|[12][0-9]|3[01])'
            then cast(replace(
                substring({{ path }} from '.*([0-9]{4}[-/](?:0[1-9]|1[0-2])[-/](?:0[1-9]|[12][0-9]|3[01]))'),
                '/', '-'
            ) as date)
    end
{% endmacro %}

{% macro duckdb__path_date(path) %}
    try_cast(replace(
        regexp_extract({{ path }}, '.*([0-9]{4}[-/](0[1-9]|1[0-2])[-/](0[1-9]|[12][0-9]|3[01]))', 1),
        '/', '-'
    ) as date)
{% endmacro %}

{% macro spark__path_date(path) %}
    to_date(nullif(regexp_replace(
        regexp_extract({{ path }}, '.*([0-9]{4}[-/](0[1-9]|1[0-2])[-/](0[1-9]|[12][0-9]|3[01]))', 1),
        '/', '-'
    ), ''))
{% endmacro %}

{#
    True when a request time lies further than var file_date_tolerance_days (whole days) from
    the date its file's path names; false when the path names no date or the check is off
    (the var set to a negative number).
#}
{% macro is_far_from_file_date(request_time, path) %}
    {%- set days = var('file_date_tolerance_days') | int -%}
    {%- if days < 0 -%}
        {{ return('false') }}
    {%- endif -%}
    {%- set file_day = 'cast(' ~ ai_finops.path_date(path) ~ ' as ' ~ dbt.type_timestamp() ~ ')' -%}
    {{ return(
        '(' ~ request_time ~ ' < ' ~ dbt.dateadd('day', -days, file_day)
        ~ ' or ' ~ request_time ~ ' >= ' ~ dbt.dateadd('day', days + 1, file_day) ~ ')'
    ) }}
{% endmacro %}
