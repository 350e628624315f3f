{#
    One row per provider and model family (a model without its snapshot suffix): a fingerprint
    of the family's rows in seeds/model_prices.csv. A request is priced from its family's rows
    only, so a valued request whose family fingerprint changed is valued again
    (macros/valuation.sql).
#}
with

prices as (
    select * from {{ ref('model_prices') }}
),

final as (
    select
        provider,
        {{ ai_finops.strip_snapshot_suffix('model') }} as price_family,
        {{ ai_finops.rows_fingerprint(ai_finops.seed_columns(ref('model_prices'))) }} as price_fingerprint
    from prices
    group by provider, {{ ai_finops.strip_snapshot_suffix('model') }}
)

select * from final
