{#
    Checks of the chargeback seeds (policies, shared platform costs, fixed shares, budgets,
    closed periods). Each runs as the seed's post-hook (dbt_project.yml) and fails it with a
    message naming the file, the line and the fix (raise_on_bad_seed_rows in
    seed_validation.sql; _numbered, _duplicate_key_check and _allowed_values_check in
    seed_validation_mappings.sql). References to other seeds are checked once all are loaded,
    by validate_chargeback_references(), a pre-hook of int_chargeback_lines_computed.
#}

{% macro chargeback_methods() %}
    {{ return(['showback', 'proportional', 'real_cost_plus_markup', 'budget']) }}
{% endmacro %}

{% macro shared_cost_allocation_bases() %}
    {{ return(['cost', 'requests', 'even', 'fixed']) }}
{% endmacro %}

{#
    Effective-dated windows by month: [effective_from, effective_to) per `key_sql`, both on the
    first day of a month, the end after the start, and no two windows of one key overlapping.
#}
{% macro _monthly_window_checks(seed, key_sql, label) %}
    {%- set numbered = ai_finops._numbered(seed) -%}
    {%- set window -%}
        '[' || cast({alias}effective_from as varchar) || ', '
        || coalesce(cast({alias}effective_to as varchar), 'open') || ')'
    {%- endset -%}
    {{ return([
        {
            'sql': "select a.csv_line, '" ~ label ~ " ' || a." ~ key_sql ~ " || ' has overlapping windows: ' || "
                ~ window.replace('{alias}', 'a.') ~ " || ' and ' || " ~ window.replace('{alias}', 'b.')
                ~ " || ' (line ' || coalesce(cast(b.csv_line as varchar), '?') || ').' as problem"
                ~ " from " ~ numbered ~ " as a inner join " ~ numbered ~ " as b"
                ~ " on a." ~ key_sql ~ " = b." ~ key_sql
                ~ " and (a.effective_from < b.effective_from or (a.effective_from = b.effective_from and a.csv_line < b.csv_line))"
                ~ " and (a.effective_to is null or a.effective_to > b.effective_from)"
                ~ " order by a.csv_line",
            'fix': 'close the earlier window: set its effective_to to the later row\'s effective_from.'
        },
        {
            'sql': "select csv_line, '" ~ label ~ " ' || coalesce(" ~ key_sql ~ ", '(empty)') || ' window ' || "
                ~ window.replace('{alias}', '') ~ " || ' has no start, or ends on or before it starts.' as problem"
                ~ " from " ~ numbered ~ " as numbered"
                ~ " where effective_from is null or effective_to <= effective_from order by csv_line",
            'fix': 'effective_from is required; effective_to is exclusive and after effective_from (empty while in force).'
        },
        {
            'sql': "select csv_line, '" ~ label ~ " ' || " ~ key_sql ~ " || ' window ' || " ~ window.replace('{alias}', '')
                ~ " || ' does not start and end on the first day of a month.' as problem"
                ~ " from " ~ numbered ~ " as numbered"
                ~ " where extract(day from effective_from) <> 1 or extract(day from effective_to) <> 1 order by csv_line",
            'fix': 'charges are monthly: write months as their first day, e.g. 2026-10-01.'
        },
    ]) }}
{% endmacro %}

{% macro validate_chargeback_policies(seed) %}
    {%- set numbered = ai_finops._numbered(seed) -%}
    {{ return(ai_finops.raise_on_bad_seed_rows(seed, ai_finops._monthly_window_checks(seed, 'team', 'team') + [
        ai_finops._allowed_values_check(seed, 'chargeback_method', ai_finops.chargeback_methods()),
        {
            'sql': "select csv_line, 'team ' || coalesce(team, '(empty)') || ' has markup_pct '"
                ~ " || cast(markup_pct as varchar) || ', outside 0 to 100.' as problem"
                ~ " from " ~ numbered ~ " as numbered where markup_pct < 0 or markup_pct > 100 order by csv_line",
            'fix': 'markup_pct is a percent of the team\'s own cost, e.g. 15 for 15% (typically 10 to 20).'
        },
        {
            'sql': "select csv_line, 'team ' || coalesce(team, '(empty)') || ' is on real_cost_plus_markup without a markup_pct.' as problem"
                ~ " from " ~ numbered ~ " as numbered"
                ~ " where chargeback_method = 'real_cost_plus_markup' and markup_pct is null order by csv_line",
            'fix': 'fill markup_pct (e.g. 15 for 15%), or 0 to charge cost only.'
        },
        {
            'sql': "select csv_line, 'policy has no team or no cost_center.' as problem"
                ~ " from " ~ numbered ~ " as numbered where team is null or cost_center is null order by csv_line",
            'fix': 'every policy names the team and the cost center its charge is debited to.'
        },
    ])) }}
{% endmacro %}

{% macro validate_shared_platform_costs(seed) %}
    {%- set numbered = ai_finops._numbered(seed) -%}
    {{ return(ai_finops.raise_on_bad_seed_rows(seed, [
        ai_finops._duplicate_key_check(seed, "cast(cost_month as varchar) || ' ' || cost_item", 'month and cost item'),
        ai_finops._allowed_values_check(seed, 'allocation_basis', ai_finops.shared_cost_allocation_bases()),
        {
            'sql': "select csv_line, 'cost ' || coalesce(cost_item, '(empty)') || ' has an empty or negative amount_usd.' as problem"
                ~ " from " ~ numbered ~ " as numbered"
                ~ " where cost_item is null or amount_usd is null or amount_usd < 0 order by csv_line",
            'fix': 'amount_usd is the month\'s cost in US dollars, 0 or more (book a credit against the next month).'
        },
        {
            'sql': "select csv_line, 'cost_month ' || coalesce(cast(cost_month as varchar), '(empty)') || ' is not the first day of a month.' as problem"
                ~ " from " ~ numbered ~ " as numbered"
                ~ " where cost_month is null or extract(day from cost_month) <> 1 order by csv_line",
            'fix': 'write the month as its first day, e.g. 2026-10-01.'
        },
    ])) }}
{% endmacro %}

{% macro validate_shared_cost_fixed_shares(seed) %}
    {%- set numbered = ai_finops._numbered(seed) -%}
    {{ return(ai_finops.raise_on_bad_seed_rows(seed, [
        ai_finops._duplicate_key_check(
            seed, "cost_item || ' ' || cast(effective_from as varchar) || ' ' || team", 'cost item, version and team'
        ),
        {
            'sql': "select csv_line, 'share of ' || coalesce(team, '(empty)') || ' in ' || coalesce(cost_item, '(empty)')"
                ~ " || ' is empty or outside (0, 100].' as problem from " ~ numbered ~ " as numbered"
                ~ " where team is null or cost_item is null or share_pct is null or share_pct <= 0 or share_pct > 100"
                ~ " order by csv_line",
            'fix': 'share_pct is a percent of the cost item, above 0 and at most 100.'
        },
        {
            'sql': "select min(csv_line) as csv_line, 'shares of ' || cost_item || ' from ' || cast(effective_from as varchar)"
                ~ " || ' sum to ' || cast(sum(share_pct) as varchar) || ', not 100.' as problem"
                ~ " from " ~ numbered ~ " as numbered group by cost_item, effective_from"
                ~ " having abs(sum(share_pct) - 100) > 0.0001 order by 1",
            'fix': 'the rows of one cost item and effective_from are one version: their share_pct must add up to 100.'
        },
        {
            'sql': "select csv_line, 'effective_from ' || coalesce(cast(effective_from as varchar), '(empty)')"
                ~ " || ' is not the first day of a month.' as problem from " ~ numbered ~ " as numbered"
                ~ " where effective_from is null or extract(day from effective_from) <> 1 order by csv_line",
            'fix': 'write the month as its first day, e.g. 2026-10-01.'
        },
    ])) }}
{% endmacro %}

{% macro validate_budgets(seed) %}
    {%- set numbered = ai_finops._numbered(seed) -%}
    {{ return(ai_finops.raise_on_bad_seed_rows(seed, ai_finops._monthly_window_checks(seed, 'feature', 'feature') + [
        ai_finops._allowed_values_check(seed, 'over_budget_action', ['alert', 'throttle']),
        {
            'sql': "select csv_line, 'budget of ' || coalesce(feature, '(empty)') || ' has an empty or negative monthly_budget_usd.' as problem"
                ~ " from " ~ numbered ~ " as numbered"
                ~ " where feature is null or monthly_budget_usd is null or monthly_budget_usd < 0 order by csv_line",
            'fix': 'monthly_budget_usd is the allowance per month in US dollars, 0 or more.'
        },
        {
            'sql': "select csv_line, 'budget of ' || coalesce(feature, '(empty)') || ' has warning_at_pct outside (0, 100]'"
                ~ " || ' or forecast_over_at_pct not above 0.' as problem from " ~ numbered ~ " as numbered"
                ~ " where warning_at_pct is null or warning_at_pct <= 0 or warning_at_pct > 100"
                ~ " or forecast_over_at_pct is null or forecast_over_at_pct <= 0 order by csv_line",
            'fix': 'thresholds are percents of the allowance, e.g. warning_at_pct 80 and forecast_over_at_pct 100.'
        },
    ])) }}
{% endmacro %}

{% macro validate_closed_periods(seed) %}
    {%- set numbered = ai_finops._numbered(seed) -%}
    {{ return(ai_finops.raise_on_bad_seed_rows(seed, [
        ai_finops._duplicate_key_check(seed, 'cast(closed_month as varchar)', 'closed month'),
        {
            'sql': "select csv_line, 'closed_month ' || coalesce(cast(closed_month as varchar), '(empty)')"
                ~ " || ' is not the first day of a month.' as problem from " ~ numbered ~ " as numbered"
                ~ " where closed_month is null or extract(day from closed_month) <> 1 order by csv_line",
            'fix': 'write the month as its first day, e.g. 2026-09-01.'
        },
        {
            'sql': "select csv_line, 'month ' || cast(closed_month as varchar) || ' is closed on '"
                ~ " || coalesce(cast(closed_on as varchar), '(empty)') || ', before the month ended.' as problem"
                ~ " from " ~ numbered ~ " as numbered"
                ~ " where closed_on is null or closed_on < " ~ dbt.dateadd('month', 1, 'closed_month')
                ~ " order by csv_line",
            'fix': 'a month closes after its last day: closed_on is on or after the first day of the next month.'
        },
    ])) }}
{% endmacro %}

{#
    References between the chargeback seeds and the mapping seeds, checked once all are loaded:
    a policy debiting an unknown cost center, a budget for an unknown feature, a cost allocated
    on fixed shares with no share version in force, a share version for an unknown cost item.
#}
{% macro validate_chargeback_references() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set policies = ref('chargeback_policies') -%}
    {%- set costs = ref('shared_platform_costs') -%}
    {%- set shares = ref('shared_cost_fixed_shares') -%}
    {%- set checks = [
        {
            'seed': policies,
            'sql': "select p.csv_line, 'team ' || p.team || ' is debited to cost center ' || p.cost_center"
                ~ " || ', which is not in cost_centers.csv' || "
                ~ ai_finops.closest_allowed('p.cost_center', 'select cost_center as candidate from ' ~ ref('cost_centers'))
                ~ " || '.' as problem from " ~ ai_finops._numbered(policies) ~ " as p"
                ~ " left join " ~ ref('cost_centers') ~ " as c on p.cost_center = c.cost_center"
                ~ " where c.cost_center is null order by p.csv_line",
            'fix': 'add the cost center to ' ~ ai_finops.seed_file('cost_centers') ~ ' or correct the code.'
        },
        {
            'seed': ref('budgets'),
            'sql': "select b.csv_line, 'budget for feature ' || b.feature || ', which is not in features.csv' || "
                ~ ai_finops.closest_allowed('b.feature', 'select feature as candidate from ' ~ ref('features'))
                ~ " || '.' as problem"
                ~ " from " ~ ai_finops._numbered(ref('budgets')) ~ " as b"
                ~ " left join " ~ ref('features') ~ " as f on b.feature = f.feature"
                ~ " where f.feature is null order by b.csv_line",
            'fix': 'use a feature key from ' ~ ai_finops.seed_file('features') ~ '.'
        },
        {
            'seed': costs,
            'sql': "select c.csv_line, 'cost ' || c.cost_item || ' of ' || cast(c.cost_month as varchar)"
                ~ " || ' is allocated on fixed shares, but shared_cost_fixed_shares.csv has none in force.' as problem"
                ~ " from " ~ ai_finops._numbered(costs) ~ " as c"
                ~ " where c.allocation_basis = 'fixed' and not exists (select 1 from " ~ shares ~ " as s"
                ~ " where s.cost_item = c.cost_item and s.effective_from <= c.cost_month) order by c.csv_line",
            'fix': 'add the shares to ' ~ ai_finops.seed_file('shared_cost_fixed_shares') ~ ' (effective_from on or before the month) or use another allocation_basis.'
        },
        {
            'seed': shares,
            'sql': "select min(s.csv_line) as csv_line, 'shares for cost item ' || s.cost_item"
                ~ " || ', which is not in shared_platform_costs.csv' || "
                ~ ai_finops.closest_allowed('s.cost_item', 'select distinct cost_item as candidate from ' ~ costs)
                ~ " || '.' as problem"
                ~ " from " ~ ai_finops._numbered(shares) ~ " as s"
                ~ " left join (select distinct cost_item from " ~ costs ~ ") as c on s.cost_item = c.cost_item"
                ~ " where c.cost_item is null group by s.cost_item order by 1",
            'fix': 'correct the cost_item to the name used in ' ~ ai_finops.seed_file('shared_platform_costs') ~ '.'
        },
    ] -%}
    {%- for check in checks -%}
        {%- do ai_finops.raise_on_bad_seed_rows(check.seed, [check]) -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}
