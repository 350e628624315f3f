{#
    One row: a fingerprint of everything that maps a request to its business context (seeds
    features, api_keys, cost_centers, pnl_rules, and azure_deployments, which maps a deployment
    to the model it prices as, the variables the valuation reads, and the code
    of the valuation models). When it changes, every request is valued again
    (macros/valuation.sql).
#}
with

features_fingerprint as (
    select {{ ai_finops.rows_fingerprint(ai_finops.seed_columns(ref('features'))) }} as fingerprint
    from {{ ref('features') }}
),

api_keys_fingerprint as (
    select {{ ai_finops.rows_fingerprint(ai_finops.seed_columns(ref('api_keys'))) }} as fingerprint
    from {{ ref('api_keys') }}
),

cost_centers_fingerprint as (
    select {{ ai_finops.rows_fingerprint(ai_finops.seed_columns(ref('cost_centers'))) }} as fingerprint
    from {{ ref('cost_centers') }}
),

pnl_rules_fingerprint as (
    select {{ ai_finops.rows_fingerprint(ai_finops.seed_columns(ref('pnl_rules'))) }} as fingerprint
    from {{ ref('pnl_rules') }}
),

azure_deployments_fingerprint as (
    select {{ ai_finops.rows_fingerprint(ai_finops.seed_columns(ref('azure_deployments'))) }} as fingerprint
    from {{ ref('azure_deployments') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            "'" ~ var('reporting_timezone') ~ '|' ~ var('unattributed_cost_center') ~ '|'
            ~ ai_finops.valuation_code_fingerprint() ~ "'",
            'features_fingerprint.fingerprint',
            'api_keys_fingerprint.fingerprint',
            'cost_centers_fingerprint.fingerprint',
            'pnl_rules_fingerprint.fingerprint',
            'azure_deployments_fingerprint.fingerprint',
        ])) }} as mapping_fingerprint
    from features_fingerprint
    cross join api_keys_fingerprint
    cross join cost_centers_fingerprint
    cross join pnl_rules_fingerprint
    cross join azure_deployments_fingerprint
)

select * from final
