-- One row per LiteLLM landing line that is not a valid request: where it is, why, and its raw
-- text so that a person can repair and re-deliver it. Nothing is dropped silently.
-- Raw text can hold prompts and personal data: this model stays in staging, no mart selects it.
with

log_lines as (
    select * from {{ ref('stg_litellm__log_lines') }}
),

final as (
    select
        source_system,
        ledger_seq,
        source_file,
        line_number,
        quarantine_reason,
        request_id,
        raw_line
    from log_lines
    where quarantine_reason is not null
)

select * from final
