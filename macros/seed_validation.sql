{#
    Finance edits seeds by pull request; a wrong edit must stop the build with a message a
    person can act on: which file, which rows, what is wrong, how to fix it.

    raise_on_bad_seed_rows(seed, checks) runs each check's query; every row it returns is a
    problem. A check is {'sql': ..., 'fix': ...}; its query selects `csv_line` (the row's line
    in the CSV file, header = line 1, where the engine can tell) and `problem` (a sentence).
    Used as a seed post-hook, so the seed's node fails and nothing downstream is built on it.
#}
{% macro raise_on_bad_seed_rows(seed, checks) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set messages = [] -%}
    {%- for check in checks -%}
        {#- checks spell text `varchar`; Spark spells it `string` (dbt.type_string) -#}
        {%- set result = run_query(check.sql | replace(' as varchar)', ' as ' ~ dbt.type_string() ~ ')')) -%}
        {%- for row in result.rows -%}
            {%- set where = 'line ' ~ row['csv_line'] if row['csv_line'] is not none else 'row' -%}
            {%- do messages.append('  - ' ~ where ~ ': ' ~ row['problem'] ~ ' Fix: ' ~ check.fix) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if messages | length > 0 -%}
        {%- do exceptions.raise_compiler_error(
            ai_finops.seed_file(seed.identifier) ~ ' has ' ~ messages | length ~ ' bad row(s):\n'
            ~ messages | join('\n')
        ) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{#
    The file a seed is loaded from, as a person would open it: seeds/model_prices.csv, or the
    company's configuration folder (var AI_FINOPS_CONFIG_DIR: config/, or the demo's
    examples/demo_company/config/) for every other seed.
#}
{% macro seed_file(name) %}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'seed' and node.name == name -%}
            {{ return(node.original_file_path) }}
        {%- endfor -%}
    {%- endif -%}
    {{ return(name ~ '.csv') }}
{% endmacro %}

{#
    For a value a seed check rejects: " (closest allowed value: 'x')", the candidate nearest by
    edit distance (case and surrounding spaces ignored), as SQL text to append to a problem.
    `candidates_sql` is a query with one column, `candidate`. DuckDB (the default warehouse, and
    make check-seeds) names it; the other engines have no built-in edit distance: empty there.
#}
{% macro closest_allowed(value_sql, candidates_sql) %}
    {{ return(adapter.dispatch('closest_allowed', 'ai_finops')(value_sql, candidates_sql)) }}
{% endmacro %}

{% macro default__closest_allowed(value_sql, candidates_sql) %}
    {{ return("''") }}
{% endmacro %}

{% macro duckdb__closest_allowed(value_sql, candidates_sql) %}
    {%- set closest = "(select arg_min(candidates.candidate, levenshtein(lower(trim(candidates.candidate)), lower(trim("
        ~ value_sql ~ ")))) from (" ~ candidates_sql ~ ") as candidates)" -%}
    {{ return("coalesce(' (closest allowed value: ''' || " ~ closest ~ " || ''')', '')") }}
{% endmacro %}

{#
    The CSV line number of a seed row (header = line 1). DuckDB keeps a freshly loaded seed in
    file order and its rowids ascending (from an arbitrary start), so the n-th rowid is line n + 1;
    other engines give no order, and messages name the row by its key instead.
#}
{% macro seed_csv_line() %}
    {{ return(adapter.dispatch('seed_csv_line', 'ai_finops')()) }}
{% endmacro %}

{% macro default__seed_csv_line() %}
    cast(null as bigint)
{% endmacro %}

{% macro duckdb__seed_csv_line() %}
    row_number() over (order by rowid) + 1
{% endmacro %}

{# The checks of the price seed. #}
{% macro validate_model_prices(seed) %}
    {%- set key = "provider || '/' || model" -%}
    {%- set window -%}
        '[' || cast(effective_from as varchar) || ', '
        || coalesce(cast(effective_to as varchar), 'open') || ')'
    {%- endset -%}
    {%- set numbered -%}
        (select {{ ai_finops.seed_csv_line() }} as csv_line, * from {{ seed }})
    {%- endset -%}
    {%- set checks = [
        {
            'sql': "select a.csv_line, 'prices for ' || " ~ key.replace('provider', 'a.provider').replace('model', 'a.model')
                ~ " || ' overlap: ' || " ~ window.replace('effective', 'a.effective')
                ~ " || ' and ' || " ~ window.replace('effective', 'b.effective')
                ~ " || ' (line ' || coalesce(cast(b.csv_line as varchar), '?') || ').' as problem"
                ~ " from " ~ numbered ~ " as a inner join " ~ numbered ~ " as b"
                ~ " on a.provider = b.provider and a.model = b.model"
                ~ " and a.effective_from < b.effective_from"
                ~ " and (a.effective_to is null or a.effective_to > b.effective_from)",
            'fix': 'close the earlier window: set its effective_to to the later row\'s effective_from.'
        },
        {
            'sql': "select a.csv_line, 'prices for ' || " ~ key.replace('provider', 'a.provider').replace('model', 'a.model')
                ~ " || ' start on ' || cast(a.effective_from as varchar) || ' twice (also line '"
                ~ " || coalesce(cast(b.csv_line as varchar), '?') || ').' as problem"
                ~ " from " ~ numbered ~ " as a inner join " ~ numbered ~ " as b"
                ~ " on a.provider = b.provider and a.model = b.model"
                ~ " and a.effective_from = b.effective_from and a.csv_line < b.csv_line",
            'fix': 'keep one row per provider, model and effective_from: delete the copy, or give a new price its own effective_from and close the old window there.'
        },
        {
            'sql': "select csv_line, 'provider \"' || provider || '\" / model \"' || model"
                ~ " || '\" is not lower case without spaces, so no request would ever match it.' as problem from " ~ numbered ~ " as numbered"
                ~ " where provider != lower(trim(provider)) or model != lower(trim(model)) or model like '% %'",
            'fix': 'write provider and model as the gateway logs them: lower case, no spaces, no provider prefix (e.g. openai, gpt-4o-mini).'
        },
        {
            'sql': "select csv_line, " ~ key ~ " || ' has no effective_from.' as problem from " ~ numbered ~ " as numbered"
                ~ " where effective_from is null",
            'fix': 'set effective_from to the first day (UTC) the price applies, e.g. 2026-12-01.'
        },
        {
            'sql': "select csv_line, " ~ key ~ " || ' window ' || " ~ window
                ~ " || ' ends on or before it starts.' as problem from " ~ numbered ~ " as numbered"
                ~ " where effective_to <= effective_from",
            'fix': 'effective_to is exclusive and must be after effective_from (leave it empty while the price is in force).'
        },
        {
            'sql': "select csv_line, " ~ key ~ " || ' has a negative price.' as problem from " ~ numbered ~ " as numbered"
                ~ " where least(coalesce(input_usd_per_mtok, 0), coalesce(cache_read_usd_per_mtok, 0),"
                ~ " coalesce(cache_write_usd_per_mtok, 0), coalesce(output_usd_per_mtok, 0),"
                ~ " coalesce(input_above_threshold_usd_per_mtok, 0), coalesce(cache_read_above_threshold_usd_per_mtok, 0),"
                ~ " coalesce(cache_write_above_threshold_usd_per_mtok, 0), coalesce(output_above_threshold_usd_per_mtok, 0)) < 0",
            'fix': 'prices are US dollars per million tokens and cannot be below 0.'
        },
        {
            'sql': "select csv_line, " ~ key ~ " || ' has no input or no output price.' as problem from " ~ numbered ~ " as numbered"
                ~ " where input_usd_per_mtok is null or output_usd_per_mtok is null",
            'fix': 'fill input_usd_per_mtok and output_usd_per_mtok (0 for a free class, e.g. output of an embedding model).'
        },
        {
            'sql': "select csv_line, " ~ key ~ " || ' has a service-tier multiplier outside (0, 10].' as problem from " ~ numbered ~ " as numbered"
                ~ " where batch_multiplier <= 0 or flex_multiplier <= 0 or priority_multiplier <= 0"
                ~ " or batch_multiplier > 10 or flex_multiplier > 10 or priority_multiplier > 10",
            'fix': 'a multiplier is a factor on the standard price, e.g. 0.5 for batch; leave it empty if the tier does not exist.'
        },
        {
            'sql': "select csv_line, " ~ key ~ " || ' has above-threshold prices but no long_context_threshold_tokens (or a threshold <= 0).' as problem from " ~ numbered ~ " as numbered"
                ~ " where (long_context_threshold_tokens is null and coalesce(input_above_threshold_usd_per_mtok,"
                ~ " output_above_threshold_usd_per_mtok, cache_read_above_threshold_usd_per_mtok,"
                ~ " cache_write_above_threshold_usd_per_mtok) is not null) or long_context_threshold_tokens <= 0",
            'fix': 'set long_context_threshold_tokens (e.g. 200000) or clear the *_above_threshold_* prices.'
        },
        {
            'sql': ai_finops.price_change_check_sql(numbered),
            'fix': 'check the unit (US dollars per million tokens), or say why the price changed this much in the row\'s change_reason.'
        },
    ] -%}
    {{ return(ai_finops.raise_on_bad_seed_rows(seed, checks)) }}
{% endmacro %}

{#
    A rate more than var('price_change_factor') away from the window before it (same provider
    and model, the earlier window's effective_to = this one's effective_from), in either
    direction, with no change_reason: the typical unit slip (per 1k tokens or per token typed
    as per million) is named.
#}
{% macro price_change_check_sql(numbered) %}
    {%- set factor = var('price_change_factor') | float -%}
    {%- set ratios = [] -%}
    {%- for column in ['input_usd_per_mtok', 'output_usd_per_mtok'] -%}
        {%- set now = 'cast(a.' ~ column ~ ' as ' ~ ai_finops.double_type() ~ ')' -%}
        {%- set before = 'cast(b.' ~ column ~ ' as ' ~ ai_finops.double_type() ~ ')' -%}
        {%- do ratios.append(
            'case when ' ~ now ~ ' > 0 and ' ~ before ~ ' > 0 then greatest('
            ~ now ~ ' / ' ~ before ~ ', ' ~ before ~ ' / ' ~ now ~ ') else 1 end'
        ) -%}
    {%- endfor -%}
    {%- set off_by = 'greatest(' ~ ratios | join(', ') ~ ')' -%}
    {%- set amounts -%}
        'input ' || cast(a.input_usd_per_mtok as varchar) || ' and output '
        || cast(a.output_usd_per_mtok as varchar) || ' USD per million tokens against '
        || cast(b.input_usd_per_mtok as varchar) || ' and ' || cast(b.output_usd_per_mtok as varchar)
    {%- endset -%}
    {%- set sql -%}
        select
            a.csv_line,
            'prices for ' || a.provider || '/' || a.model || ' from '
            || cast(a.effective_from as varchar) || ' are ' || {{ amounts }}
            || ' in the window before (line ' || coalesce(cast(b.csv_line as varchar), '?')
            || '): ' || cast(cast({{ off_by }} as decimal(38, 1)) as varchar) || 'x apart, more than {{ factor }}x'
            || case
                when {{ off_by }} between 500 and 2000
                    then ' (about 1000x: a price per 1k tokens typed as per million, or the reverse?)'
                when {{ off_by }} between 500000 and 2000000
                    then ' (about 1,000,000x: a price per token typed as per million, or the reverse?)'
                else ''
            end || '.' as problem
        from {{ numbered }} as a
        inner join {{ numbered }} as b
            on a.provider = b.provider and a.model = b.model and b.effective_to = a.effective_from
        where coalesce(trim(a.change_reason), '') = '' and {{ off_by }} > {{ factor }}
    {%- endset -%}
    {{ return(sql) }}
{% endmacro %}

{#
    Every date column of a seed (column_types: date) holds ISO dates, YYYY-MM-DD. Checked before
    the seed loads (a pre-hook of every seed), so that a US or European date (09/01/2026,
    01.09.2026) is named with its file, line, value and the format expected, not with the
    engine's conversion error. DuckDB reads the CSV as text for it; other engines load seeds
    through dbt's own reader, which names the row itself.
#}
{% macro check_seed_dates(node) %}
    {{ return(adapter.dispatch('check_seed_dates', 'ai_finops')(node)) }}
{% endmacro %}

{% macro default__check_seed_dates(node) %}
    {{ return('') }}
{% endmacro %}

{% macro duckdb__check_seed_dates(node) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set csv = "read_csv('" ~ adapter.get_seed_file_path(node) ~ "', header = true, all_varchar = true)" -%}
    {%- set header = run_query('select * from ' ~ csv ~ ' limit 0').column_names -%}
    {%- set dates = [] -%}
    {%- for column, type in (node.config.column_types or {}).items() -%}
        {%- if type | lower == 'date' and column in header -%}
            {%- do dates.append(column) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not dates -%}
        {{ return('') }}
    {%- endif -%}
    {%- set checks = [] -%}
    {%- for column in dates -%}
        {%- set value = 'trim("' ~ column ~ '")' -%}
        {%- do checks.append(
            "select csv_line, '" ~ column ~ " ''' || " ~ value ~ " || ''' is not a date in the format YYYY-MM-DD.'"
            ~ " as problem from lines where nullif(" ~ value ~ ", '') is not null and (not regexp_full_match("
            ~ value ~ ", '[0-9]{4}-[0-9]{2}-[0-9]{2}') or try_cast(" ~ value ~ " as date) is null)"
        ) -%}
    {%- endfor -%}
    {#- a seed file is read by one thread, in file order: row n is line n + 1 -#}
    {%- do ai_finops.raise_on_bad_seed_rows({'identifier': node.name}, [{
        'sql': 'with lines as (select row_number() over () + 1 as csv_line, * from ' ~ csv ~ ') '
            ~ checks | join(' union all ') ~ ' order by csv_line',
        'fix': 'write it as year-month-day, e.g. 2026-09-01 for 1 September 2026.'
    }]) -%}
    {{ return('') }}
{% endmacro %}
