-- One row per row of the LiteLLM proxy's LiteLLM_SpendLogs table that no build has read yet
-- (new export files: CSV as COPY ... CSV HEADER writes it, or JSON rows), rewritten as the
-- LiteLLM payload of the same request (macros/landing/spend_logs.sql): the reader.
-- depends_on: {{ ref('stg_landing__ledger') }}
{{ ai_finops.spend_log_payloads(ref('stg_landing__ledger'), 'stg_litellm__log_lines') }}
