-- One row per file the landing ledger ever found: what the builds did with it, as of its latest
-- state. A file that shrank or was rewritten after it was read, or that no reader recognises,
-- is flagged here (and by a warning test) instead of being re-read or ignored in silence.
with

ledger as (
    select * from {{ ref('stg_landing__ledger') }}
),

per_file as (
    select
        source_system,
        source_file,
        min(landed_at) as first_landed_at,
        max(landed_at) as last_landed_at,
        count(*) as ledger_entries,
        max(ledger_seq) as latest_ledger_seq,
        sum(case when outcome in ('loaded', 'appended') then 1 else 0 end) as reads
    from ledger
    group by source_system, source_file
),

final as (
    select
        -- grain
        per_file.source_system,
        per_file.source_file,

        -- the file as last found
        latest.layout,
        latest.file_size,
        latest.modified_at,
        latest.outcome as latest_outcome,
        latest.problems as reader_problems,

        -- history
        per_file.first_landed_at,
        per_file.last_landed_at,
        cast(per_file.ledger_entries as bigint) as ledger_entries,
        per_file.reads > 0 as was_read,
        latest.outcome in ('shrunk', 'rewritten', 'unreadable', 'skipped') as needs_attention
    from per_file
    inner join ledger as latest
        on per_file.latest_ledger_seq = latest.ledger_seq
)

select * from final
