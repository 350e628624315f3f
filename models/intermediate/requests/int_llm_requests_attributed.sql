{#
    One row per request with its business context: feature, product, usage type, team, cost
    center, P&L category, customer, region and environment, and which rule supplied it.

    Precedence (attribution_source), the first that names a feature wins:
      1. request_tag       the request's own tags (LiteLLM request_tags; OTel span attributes)
      2. request_metadata  request metadata (LiteLLM spend_logs_metadata; OTel ancestor spans)
      3. api_key           the API key's (or service's) owner and default feature (seed api_keys)
      4. unattributed      none of these: kept, and booked to var unattributed_cost_center
    Each other dimension (environment, customer, region) follows the same order field by field.
    A request carries one value per key (staging keeps the first tag of each key), so a request
    with several tags is counted once. A feature missing from the features seed is kept under
    its own name, flagged is_feature_mapped = false and booked like unattributed spend.
#}
{{ config(pre_hook="{{ validate_mapping_references() }}") }}

with

requests as (
    select * from {{ ref('int_llm_requests_priced') }}
),

features as (
    select * from {{ ref('features') }}
),

api_keys as (
    select * from {{ ref('api_keys') }}
),

cost_centers as (
    select * from {{ ref('cost_centers') }}
),

pnl_rules as (
    select * from {{ ref('pnl_rules') }}
),

keyed as (
    select
        requests.*,
        api_keys.api_key_alias is not null as is_key_known,
        api_keys.owning_team as key_owning_team,
        api_keys.default_feature as key_default_feature,
        api_keys.environment as key_environment
    from requests
    -- OpenTelemetry has no API key: its calling service is the owner of record
    left join api_keys
        on coalesce(requests.api_key_alias, requests.service_name) = api_keys.api_key_alias
),

resolved as (
    select
        *,
        case
            when tag_feature is not null then 'request_tag'
            when metadata_feature is not null then 'request_metadata'
            when is_key_known then 'api_key'
            else 'unattributed'
        end as attribution_source,
        coalesce(tag_feature, metadata_feature, key_default_feature) as resolved_feature,
        -- environment spellings differ between teams and tools; finance needs three values
        case lower(coalesce(tag_environment, metadata_environment, key_environment))
            when 'prod' then 'prod'
            when 'production' then 'prod'
            when 'staging' then 'staging'
            when 'stage' then 'staging'
            when 'dev' then 'dev'
            when 'development' then 'dev'
            when 'test' then 'dev'
            when 'local' then 'dev'
        end as resolved_environment
    from keyed
),

mapped as (
    select
        resolved.*,
        coalesce(resolved.resolved_feature, 'unattributed') as feature,
        features.feature is not null as is_feature_mapped,
        coalesce(features.product, 'unmapped') as product,
        coalesce(features.usage_type, 'unattributed') as usage_type,
        coalesce(
            features.owning_team,
            resolved.tag_team,
            resolved.key_owning_team,
            resolved.api_key_team_alias,
            'unattributed'
        ) as team,
        coalesce(features.cost_center, '{{ var("unattributed_cost_center") }}') as cost_center,
        coalesce(resolved.resolved_environment, 'unknown') as environment,
        case
            when resolved.resolved_environment = 'prod' then 'production'
            when resolved.resolved_environment is not null then 'non_production'
            else 'unknown'
        end as environment_class
    from resolved
    left join features
        on resolved.resolved_feature = features.feature
),

-- P&L rules are resolved from the seeds alone, once per (feature, environment class), not per
-- request: a handful of combinations instead of millions of rule comparisons, and a build that
-- values only some requests reads only those. A feature that is neither in the features seed
-- nor named by a rule matches the rules as any other unmapped feature does.
rule_features as (
    select
        feature,
        coalesce(usage_type, 'unattributed') as usage_type
    from features
    union all
    select distinct
        match_feature as feature,
        'unattributed' as usage_type
    from pnl_rules
    where
        match_feature <> '*'
        and match_feature not in (select named.feature from features as named)
    union all
    select
        '{{ ai_finops.other_feature_key() }}' as feature,
        'unattributed' as usage_type
),

environment_classes as (
    select 'production' as environment_class
    union all
    select 'non_production' as environment_class
    union all
    select 'unknown' as environment_class
),

combinations as (
    select
        rule_features.feature,
        rule_features.usage_type,
        environment_classes.environment_class
    from rule_features
    cross join environment_classes
),

matching_rules as (
    select
        combinations.usage_type,
        combinations.environment_class,
        combinations.feature,
        pnl_rules.rule_priority,
        pnl_rules.pnl_category,
        row_number() over (
            partition by combinations.usage_type, combinations.environment_class, combinations.feature
            order by pnl_rules.rule_priority
        ) as rule_rank
    from combinations
    inner join pnl_rules
        on
            (pnl_rules.match_usage_type = '*' or combinations.usage_type = pnl_rules.match_usage_type)
            and (
                pnl_rules.match_environment = '*'
                or combinations.environment_class = pnl_rules.match_environment
            )
            and (pnl_rules.match_feature = '*' or combinations.feature = pnl_rules.match_feature)
),

first_rule as (
    select * from matching_rules
    where rule_rank = 1
),

final as (
    select
        mapped.*,
        -- the first matching P&L rule wins; otherwise the cost center's category
        coalesce(
            first_rule.pnl_category, cost_centers.pnl_category, 'general_and_administrative'
        ) as pnl_category,
        first_rule.rule_priority as pnl_rule_priority,
        coalesce(mapped.tag_customer_id, mapped.metadata_customer_id, mapped.end_user_id) as customer_id,
        coalesce(mapped.tag_region, mapped.metadata_region, 'unknown') as region
    from mapped
    left join rule_features
        on mapped.feature = rule_features.feature
    left join first_rule
        on
            coalesce(rule_features.feature, '{{ ai_finops.other_feature_key() }}') = first_rule.feature
            and mapped.environment_class = first_rule.environment_class
    left join cost_centers
        on mapped.cost_center = cost_centers.cost_center
)

select * from final
