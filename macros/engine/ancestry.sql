{#
    Context inherited from ancestor spans: for each span of `spans` (trace_id, span_id,
    parent_span_id), the nearest ancestor's value of every business-context key, walking up the
    parent links of `span_context` (one row per span identity: trace_id, span_id,
    parent_span_id, span_feature, span_customer_id, span_environment, span_region) at most
    `max_depth` steps (so that a cycle in malformed data cannot loop forever).
    Returns a query with one row per span that has a parent in span_context: trace_id, span_id,
    inherited_feature, inherited_customer_id, inherited_environment, inherited_region.

    Engine-specific: a recursive CTE (DuckDB, PostgreSQL); Spark 3 has none, and walks a fixed
    number of parent joins instead (macros/adapters/spark.sql).
#}
{% macro otel_inherited_context(spans, span_context, max_depth) %}
    {{ return(adapter.dispatch('otel_inherited_context', 'ai_finops')(spans, span_context, max_depth)) }}
{% endmacro %}

{% macro default__otel_inherited_context(spans, span_context, max_depth) %}
    with recursive ancestry as (
        select
            child.trace_id,
            child.span_id,
            1 as levels_up,
            parent.parent_span_id as next_parent_span_id,
            parent.span_feature as inherited_feature,
            parent.span_customer_id as inherited_customer_id,
            parent.span_environment as inherited_environment,
            parent.span_region as inherited_region
        from {{ spans }} as child
        inner join {{ span_context }} as parent
            on
                child.trace_id = parent.trace_id
                and child.parent_span_id = parent.span_id

        union all

        -- each step keeps what nearer ancestors already supplied
        select
            ancestry.trace_id,
            ancestry.span_id,
            ancestry.levels_up + 1 as levels_up,
            parent.parent_span_id as next_parent_span_id,
            coalesce(ancestry.inherited_feature, parent.span_feature) as inherited_feature,
            coalesce(ancestry.inherited_customer_id, parent.span_customer_id) as inherited_customer_id,
            coalesce(ancestry.inherited_environment, parent.span_environment) as inherited_environment,
            coalesce(ancestry.inherited_region, parent.span_region) as inherited_region
        from ancestry
        inner join {{ span_context }} as parent
            on
                ancestry.trace_id = parent.trace_id
                and ancestry.next_parent_span_id = parent.span_id
        where ancestry.levels_up < {{ max_depth }}
    ),

    -- the last step of each walk holds the nearest ancestor's value of every key
    ranked_ancestry as (
        select
            *,
            row_number() over (partition by trace_id, span_id order by levels_up desc) as step_rank
        from ancestry
    )

    select
        trace_id,
        span_id,
        inherited_feature,
        inherited_customer_id,
        inherited_environment,
        inherited_region
    from ranked_ancestry
    where step_rank = 1
{% endmacro %}
