-- One row per physical line of the OpenTelemetry landing files that no build has read yet
-- (new files, appended tails), with the ledger entry that brought it: the reader.
-- depends_on: {{ ref('stg_landing__ledger') }}
with

raw_lines as (
    {{ ai_finops.landing_lines(
        ref('stg_landing__ledger'), source('otel', 'raw_lines'), 'otel', 'stg_otel__spans'
    ) }}
)

select * from raw_lines
