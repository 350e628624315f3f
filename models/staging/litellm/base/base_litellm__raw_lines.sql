-- One row per physical line of the LiteLLM payload files (S3 logger objects and batches,
-- callback JSONL) that no build has read yet (new files, appended tails), with the ledger entry
-- that brought it: the reader.
-- depends_on: {{ ref('stg_landing__ledger') }}
with

raw_lines as (
    {{ ai_finops.landing_lines(
        ref('stg_landing__ledger'), source('litellm', 'raw_lines'), 'litellm', 'stg_litellm__log_lines'
    ) }}
)

select * from raw_lines
