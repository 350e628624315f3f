{#
    Checks of the finance mapping seeds (features, cost centers, API keys, P&L rules, customer
    revenue). Each runs as the seed's post-hook (dbt_project.yml) and fails it with a message
    naming the file, the line and the fix (raise_on_bad_seed_rows in seed_validation.sql).
    References between seeds are checked once all of them are loaded, by
    validate_mapping_references(), a pre-hook of int_llm_requests_attributed.
#}

{% macro _numbered(seed) %}
    (select {{ ai_finops.seed_csv_line() }} as csv_line, * from {{ seed }})
{%- endmacro %}

{# Rows whose `key_sql` value occurs more than once. #}
{% macro _duplicate_key_check(seed, key_sql, label) %}
    {{ return({
        'sql': "select csv_line, '" ~ label ~ " ' || " ~ key_sql ~ " || ' appears more than once.' as problem"
            ~ " from (select *, count(*) over (partition by " ~ key_sql ~ ") as n from "
            ~ ai_finops._numbered(seed) ~ " as numbered) as counted where n > 1 order by csv_line",
        'fix': 'keep one row per ' ~ label ~ ' (merge or delete the others).'
    }) }}
{% endmacro %}

{# Rows whose `column` is not one of `allowed` (or NULL, unless allow_null). #}
{% macro _allowed_values_check(seed, column, allowed, allow_null=false) %}
    {{ return({
        'sql': "select csv_line, '" ~ column ~ " ''' || coalesce(cast(" ~ column ~ " as varchar), '')"
            ~ " || ''' is not allowed' || "
            ~ ai_finops.closest_allowed(column, "select '" ~ allowed | join("' as candidate union all select '") ~ "' as candidate")
            ~ " || '.' as problem from " ~ ai_finops._numbered(seed) ~ " as numbered"
            ~ " where " ~ ("false" if allow_null else column ~ " is null") ~ " or " ~ column
            ~ " not in ('" ~ allowed | join("', '") ~ "')"
            ~ " order by csv_line",
        'fix': column ~ ' must be one of: ' ~ allowed | join(', ') ~ '.'
    }) }}
{% endmacro %}

{% macro pnl_categories() %}
    {{ return(['cost_of_revenue', 'research_and_development', 'sales_and_marketing', 'general_and_administrative']) }}
{% endmacro %}

{% macro validate_features(seed) %}
    {{ return(ai_finops.raise_on_bad_seed_rows(seed, [
        ai_finops._duplicate_key_check(seed, 'feature', 'feature'),
        ai_finops._allowed_values_check(seed, 'usage_type', ['product', 'internal', 'rnd']),
        {
            'sql': "select csv_line, 'feature ' || coalesce(feature, '(empty)') || ' has no product, owning_team or cost_center.' as problem"
                ~ " from " ~ ai_finops._numbered(seed) ~ " as numbered"
                ~ " where feature is null or product is null or owning_team is null or cost_center is null order by csv_line",
            'fix': 'every feature needs feature, product, owning_team and cost_center.'
        },
    ])) }}
{% endmacro %}

{% macro validate_cost_centers(seed) %}
    {{ return(ai_finops.raise_on_bad_seed_rows(seed, [
        ai_finops._duplicate_key_check(seed, 'cost_center', 'cost center'),
        ai_finops._allowed_values_check(seed, 'pnl_category', ai_finops.pnl_categories()),
    ])) }}
{% endmacro %}

{% macro validate_api_keys(seed) %}
    {{ return(ai_finops.raise_on_bad_seed_rows(seed, [
        ai_finops._duplicate_key_check(seed, 'api_key_alias', 'api key alias'),
        ai_finops._allowed_values_check(seed, 'environment', ['prod', 'staging', 'dev'], allow_null=true),
        {
            'sql': "select csv_line, 'api key ' || coalesce(api_key_alias, '(empty)') || ' has no owning_team.' as problem"
                ~ " from " ~ ai_finops._numbered(seed) ~ " as numbered"
                ~ " where api_key_alias is null or owning_team is null order by csv_line",
            'fix': 'every key needs api_key_alias and owning_team (the team that pays for its untagged use).'
        },
    ])) }}
{% endmacro %}

{% macro validate_pnl_rules(seed) %}
    {{ return(ai_finops.raise_on_bad_seed_rows(seed, [
        ai_finops._duplicate_key_check(seed, 'cast(rule_priority as varchar)', 'rule_priority'),
        ai_finops._allowed_values_check(seed, 'match_usage_type', ['product', 'internal', 'rnd', 'unattributed', '*']),
        ai_finops._allowed_values_check(seed, 'match_environment', ['production', 'non_production', '*']),
        ai_finops._allowed_values_check(seed, 'pnl_category', ai_finops.pnl_categories()),
    ])) }}
{% endmacro %}

{% macro validate_customer_revenue(seed) %}
    {{ return(ai_finops.raise_on_bad_seed_rows(seed, [
        ai_finops._duplicate_key_check(seed, "customer_id || ' ' || cast(revenue_month as varchar)", 'customer and month'),
        {
            'sql': "select csv_line, 'customer ' || coalesce(customer_id, '(empty)') || ' has a negative or empty revenue_usd.' as problem"
                ~ " from " ~ ai_finops._numbered(seed) ~ " as numbered"
                ~ " where customer_id is null or revenue_usd is null or revenue_usd < 0 order by csv_line",
            'fix': 'revenue_usd is the recognised revenue of the month in US dollars, 0 or more (credits go to the next month).'
        },
        {
            'sql': "select csv_line, 'revenue_month ' || cast(revenue_month as varchar) || ' is not the first day of a month.' as problem"
                ~ " from " ~ ai_finops._numbered(seed) ~ " as numbered"
                ~ " where extract(day from revenue_month) <> 1 order by csv_line",
            'fix': 'write the month as its first day, e.g. 2026-10-01.'
        },
    ])) }}
{% endmacro %}

{#
    References between the mapping seeds, checked once all are loaded: a feature pointing to an
    unknown cost center, a key pointing to an unknown feature, a P&L rule naming an unknown
    feature. Messages name the referring seed's line.
#}
{% macro validate_mapping_references() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set features = ref('features') -%}
    {%- set checks = [
        {
            'seed': features,
            'sql': "select f.csv_line, 'feature ' || f.feature || ' points to cost center ' || f.cost_center"
                ~ " || ', which is not in cost_centers.csv' || "
                ~ ai_finops.closest_allowed('f.cost_center', 'select cost_center as candidate from ' ~ ref('cost_centers'))
                ~ " || '.' as problem from " ~ ai_finops._numbered(features) ~ " as f"
                ~ " left join " ~ ref('cost_centers') ~ " as c on f.cost_center = c.cost_center"
                ~ " where c.cost_center is null order by f.csv_line",
            'fix': 'add the cost center to ' ~ ai_finops.seed_file('cost_centers') ~ ' or correct the code.'
        },
        {
            'seed': ref('api_keys'),
            'sql': "select k.csv_line, 'api key ' || k.api_key_alias || ' has default_feature ' || k.default_feature"
                ~ " || ', which is not in features.csv' || "
                ~ ai_finops.closest_allowed('k.default_feature', 'select feature as candidate from ' ~ features)
                ~ " || '.' as problem from " ~ ai_finops._numbered(ref('api_keys')) ~ " as k"
                ~ " left join " ~ features ~ " as f on k.default_feature = f.feature"
                ~ " where k.default_feature is not null and f.feature is null order by k.csv_line",
            'fix': 'add the feature to ' ~ ai_finops.seed_file('features') ~ ', correct the name, or leave default_feature empty.'
        },
        {
            'seed': ref('pnl_rules'),
            'sql': "select r.csv_line, 'P&L rule ' || cast(r.rule_priority as varchar) || ' matches feature ' || r.match_feature"
                ~ " || ', which is not in features.csv' || "
                ~ ai_finops.closest_allowed('r.match_feature', 'select feature as candidate from ' ~ features)
                ~ " || '.' as problem from " ~ ai_finops._numbered(ref('pnl_rules')) ~ " as r"
                ~ " left join " ~ features ~ " as f on r.match_feature = f.feature"
                ~ " where r.match_feature <> '*' and f.feature is null order by r.csv_line",
            'fix': 'use a feature key from ' ~ ai_finops.seed_file('features') ~ ', or * for any feature.'
        },
    ] -%}
    {%- for check in checks -%}
        {%- do ai_finops.raise_on_bad_seed_rows(check.seed, [check]) -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}

{#
    `make check-seeds`: every seed's own checks run as it loads (its post-hook); this adds the
    references between seeds, the check a model build would otherwise run first. Finance runs it
    before opening a pull request; CI runs it first.
#}
{% macro check_seed_references() %}
    {%- do ai_finops.validate_mapping_references() -%}
    {%- do log('Seeds checked: every seed loads and every reference between seeds resolves.', info=true) -%}
{% endmacro %}
