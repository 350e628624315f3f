{#
    The landing ledger: one row per state of a landing file that a build found, in the order
    the files landed (ledger_seq). The warehouse is a ledger, not a mirror of the folder: an
    entry is never updated or deleted, and a file removed from the folder keeps its entries and
    the requests read from it. Kept through `dbt build --full-refresh`; only
    `make rebuild-facts` (var rebuild_facts) rebuilds it, and that refuses to run when a
    ledgered file is no longer in the folder.

    A build adds an entry for each file that is new, or whose size or modification time
    changed; the outcome says what was done with it:
      loaded      a new file: every line (or its one object) is read
      appended    a line file that grew and kept every earlier byte: only the new lines are read
      touched     its time changed, its bytes did not: nothing to read
      shrunk      smaller than when it was read: not read again, reported; what was read stays
      rewritten   earlier bytes changed (or a one-object file changed): the same
      skipped     a file no reader recognises (var landing_layouts): reported
      unreadable  it vanished or could not be opened between listing and reading: reported
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=var('rebuild_facts', false),
        on_schema_change='fail',
    )
}}

with

{% if is_incremental() %}
history as (
    select * from {{ this }}
),
{% else %}
history as (
    select
        cast(null as bigint) as ledger_seq,
        cast(null as {{ dbt.type_string() }}) as source_system,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as {{ dbt.type_string() }}) as layout,
        cast(null as bigint) as file_size,
        cast(null as {{ dbt.type_timestamp() }}) as modified_at,
        cast(null as {{ dbt.type_string() }}) as fingerprint,
        cast(null as {{ dbt.type_string() }}) as outcome
    where false
),
{% endif %}

new_entries as (
    {{ ai_finops.landing_ledger_new_entries('history') }}
),

final as (
    select
        -- key
        cast(ledger_seq as bigint) as ledger_seq,

        -- the file
        source_system,
        source_file,
        layout,
        cast(file_size as bigint) as file_size,
        cast(modified_at as {{ dbt.type_timestamp() }}) as modified_at,
        fingerprint,

        -- what the build did with it
        outcome,
        problems,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }}) as landed_at,
        '{{ invocation_id }}' as invocation_id
    from new_entries
)

select * from final
