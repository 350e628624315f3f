{#
    Valuation state: which requests a build values again, and which journal entries it books
    again. The facts (what a request is) are stored once; what a request is worth depends on
    the seeds. A build values:
      - the requests with a delivery the last valuation has not seen (last_ledger_seq above the
        highest one valued), new or re-delivered;
      - the requests of a model whose price rows changed: each valued request carries the
        fingerprint of its model family's rows in seeds/model_prices.csv
        (int_model_price_fingerprints), and a family whose fingerprint differs is valued again;
      - every request, when a mapping seed or a valuation variable changed (the fingerprint of
        int_mapping_fingerprint), or on the first build.
    So a daily build costs its own rows, and a price correction the rows of the model corrected,
    while every open month still reflects the seeds as they are now (the history-independence
    and re-pricing tests compare with a build from scratch).
    PostgreSQL and DuckDB value incrementally; Spark's parquet tables cannot delete rows, so
    there these models are rebuilt on every build.
#}

{# The rule key of a feature that is neither in the features seed nor named by a P&L rule. #}
{% macro other_feature_key() %}{{ return('<other feature>') }}{% endmacro %}

{# A fingerprint of the variables that shape a request from the stored facts after parsing (the
   span attributes are read at parse time; the walk up a span's ancestors is not): when one
   changes, int_llm_requests_deduplicated ranks every request again. #}
{% macro request_facts_fingerprint() %}
    {{ return(local_md5(tojson([['otel_max_ancestor_depth', var('otel_max_ancestor_depth')]]))) }}
{% endmacro %}

{# A fingerprint of the code of the models that value a request: a new version of the project
   that changes them values every request again on its first build. (Macros they call are not
   covered: a change there needs `dbt build --full-refresh --select fct_llm_requests+`.) #}
{% macro valuation_code_fingerprint() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.name in [
            'int_llm_requests_priced', 'int_llm_requests_attributed', 'fct_llm_requests'] -%}
            {%- do parts.append(node.name ~ ':' ~ local_md5(node.raw_code)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(local_md5(parts | sort | join('|'))) }}
{% endmacro %}

{# The materialization of a model that values incrementally where the engine can delete rows. #}
{% macro valuation_materialization() %}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{% endmacro %}

{# A fingerprint of a set of rows: the hash of their row hashes, in a fixed order. #}
{% macro rows_fingerprint(columns) %}
    {{ return(adapter.dispatch('rows_fingerprint', 'ai_finops')(columns)) }}
{% endmacro %}

{% macro default__rows_fingerprint(columns) %}
    {%- set row = ai_finops.row_hash(columns) -%}
    {{ return(dbt.hash("coalesce(" ~ dbt.listagg(row, "'|'", 'order by ' ~ row) ~ ", 'none')")) }}
{% endmacro %}

{# Spark's listagg ignores an order: the row hashes are sorted before they are joined. #}
{% macro spark__rows_fingerprint(columns) %}
    {%- set row = ai_finops.row_hash(columns) -%}
    {{ return(dbt.hash("coalesce(array_join(sort_array(collect_list(" ~ row ~ ")), '|'), 'none')")) }}
{% endmacro %}

{# The columns of a seed (all of them: any edit of a row changes its fingerprint). #}
{% macro seed_columns(relation) %}
    {%- if not execute -%}
        {{ return(['1']) }}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do names.append(adapter.quote(column.name) if target.type != 'spark' else column.name) -%}
    {%- endfor -%}
    {{ return(names or ['1']) }}
{% endmacro %}

{# What a build of fct_llm_requests values. Returns a dict:
     all              true: value every request (first build, or a mapping seed changed);
     last_ledger_seq  the highest delivery already valued;
     valuation_seq    the number this build's valuations get;
     stale_models     [provider, priced_as_model] pairs whose price family changed. #}
{% macro request_valuation_state(this) %}
    {%- set state = {'all': true, 'last_ledger_seq': none, 'valuation_seq': 1, 'stale_models': []} -%}
    {%- if not (is_incremental() or flags.FULL_REFRESH) -%}
        {{ return(state) }}
    {%- endif -%}
    {%- set stored = ai_finops.stored_state(
        this, ['last_ledger_seq', 'valuation_seq'], 'mapping_fingerprint',
        '(select mapping_fingerprint from ' ~ ref('int_mapping_fingerprint') ~ ')'
    ) -%}
    {#- numbered on from the stored rows even on --full-refresh, so the journal sees it as new -#}
    {%- do state.update({'valuation_seq': (stored['maxima'][1] or 0) + 1}) -%}
    {%- if not is_incremental() or not stored['continuable'] -%}
        {{ return(state) }}
    {%- endif -%}
    {%- set stale = run_query(
        'select valued.provider, valued.priced_as_model from ('
        ~ ' select provider, priced_as_model, price_fingerprint from ' ~ this
        ~ ' group by provider, priced_as_model, price_fingerprint'
        ~ ') as valued left join ' ~ ref('int_model_price_fingerprints') ~ ' as fingerprints'
        ~ ' on valued.provider = fingerprints.provider'
        ~ ' and ' ~ ai_finops.strip_snapshot_suffix('valued.priced_as_model') ~ ' = fingerprints.price_family'
        ~ " where coalesce(fingerprints.price_fingerprint, 'none') <> valued.price_fingerprint"
        ~ ' group by valued.provider, valued.priced_as_model order by 1, 2'
    ).rows -%}
    {%- set models = [] -%}
    {%- for row in stale -%}
        {%- do models.append([row[0], row[1]]) -%}
    {%- endfor -%}
    {%- do state.update({'all': false, 'last_ledger_seq': stored['maxima'][0], 'stale_models': models}) -%}
    {{ return(state) }}
{% endmacro %}

{# What an incremental table that continues where it stopped has stored: the highest value of each
   column of `maxima`, and whether it can be continued: it exists with these columns (a warehouse
   built by an older version has the table without them), holds rows, and every row carries the
   current fingerprint (SQL `current_fingerprint`). Otherwise it is computed from scratch. #}
{% macro stored_state(relation, maxima, fingerprint_column, current_fingerprint) %}
    {%- set state = {'continuable': false, 'maxima': [none] * (maxima | length)} -%}
    {%- if not ai_finops.relation_has_columns(relation, maxima + [fingerprint_column]) -%}
        {{ return(state) }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for column in maxima -%}
        {%- do columns.append('max(' ~ column ~ ')') -%}
    {%- endfor -%}
    {%- set row = run_query(
        'select ' ~ columns | join(', ') ~ ', count(*),'
        ~ ' sum(case when ' ~ fingerprint_column ~ ' = ' ~ current_fingerprint ~ ' then 0 else 1 end)'
        ~ ' from ' ~ relation
    ).rows[0] -%}
    {%- set count = maxima | length -%}
    {%- set highest = [] -%}
    {%- for index in range(count) -%}
        {%- do highest.append(row[index]) -%}
    {%- endfor -%}
    {%- do state.update({'maxima': highest, 'continuable': row[count] > 0 and row[count + 1] == 0}) -%}
    {{ return(state) }}
{% endmacro %}

{# Whether a relation exists with these columns (a warehouse built by an older version has the
   table without them: it is then valued from scratch). #}
{% macro relation_has_columns(relation, names) %}
    {%- if not execute or relation is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set existing = load_relation(relation) -%}
    {%- if existing is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set found = [] -%}
    {%- for column in adapter.get_columns_in_relation(existing) -%}
        {%- do found.append(column.name | lower) -%}
    {%- endfor -%}
    {%- for name in names -%}
        {%- if name not in found -%}
            {{ return(false) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{% endmacro %}

{# The filter on a request relation that keeps what request_valuation_state says to value. #}
{% macro request_valuation_filter(state) %}
    {%- if state['all'] -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- if state['last_ledger_seq'] is not none -%}
        {%- do parts.append('last_ledger_seq > ' ~ state['last_ledger_seq']) -%}
    {%- else -%}
        {%- do parts.append('last_ledger_seq is not null') -%}
    {%- endif -%}
    {%- for pair in state['stale_models'] -%}
        {%- do parts.append("(provider = '" ~ pair[0] | replace("'", "''") ~ "' and priced_as_model = '"
            ~ pair[1] | replace("'", "''") ~ "')") -%}
    {%- endfor -%}
    {{ return('(' ~ parts | join(' or ') ~ ')') }}
{% endmacro %}

{# What a build of fct_llm_cost_entries books again. Returns a dict:
     all            true: book every request (first build, or the closed months changed);
     valuation_seq  the highest request valuation already booked. #}
{% macro journal_state(this) %}
    {%- set state = {'all': true, 'valuation_seq': none} -%}
    {%- if not is_incremental() -%}
        {{ return(state) }}
    {%- endif -%}
    {%- set stored = ai_finops.stored_state(
        this, ['valuation_seq'], 'closing_fingerprint',
        '(select closing_fingerprint from ' ~ ref('int_closing_fingerprint') ~ ')'
    ) -%}
    {%- if stored['continuable'] -%}
        {%- do state.update({'all': false, 'valuation_seq': stored['maxima'][0]}) -%}
    {%- endif -%}
    {{ return(state) }}
{% endmacro %}

{# Pre-hook of fct_llm_cost_entries: forgets the entries it books again in this build (all of
   them in a journal built by an older version, without the state columns). #}
{% macro forget_rebooked_entries(this) %}
    {%- if not execute or not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set state = ai_finops.journal_state(this) -%}
    {%- if state['all'] -%}
        delete from {{ this }}
    {%- else -%}
        delete from {{ this }}
        where request_id in (
            select request_id from {{ ref('fct_llm_requests') }}
            where valuation_seq > {{ state['valuation_seq'] }}
        )
    {%- endif -%}
{% endmacro %}
