-- One row per reporting month x caller (API key alias or OpenTelemetry service) x team: the
-- spend that carried no feature tag or metadata of its own, ranked, so that the owners of the
-- biggest untagged callers can be asked to tag them.
with

requests as (
    select * from {{ ref('fct_llm_requests') }}
),

untagged as (
    select
        requested_month,
        coalesce(api_key_alias, service_name, '(no key)') as caller,
        team,
        max(attribution_source) as attribution_source,
        count(*) as requests,
        coalesce(sum(list_cost_usd), 0) as cost_usd
    from requests
    where attribution_source in ('api_key', 'unattributed')
    group by requested_month, coalesce(api_key_alias, service_name, '(no key)'), team
),

final as (
    select
        requested_month,
        caller,
        team,
        attribution_source,
        cast(requests as bigint) as requests,
        cast(cost_usd as {{ ai_finops.money_type() }}) as cost_usd,
        cast(
            row_number() over (partition by requested_month order by cost_usd desc, caller asc, team asc) as integer
        ) as spend_rank
    from untagged
)

select * from final
