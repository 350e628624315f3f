-- One row per physical line of the OpenTelemetry landing files: (source_file, line_number, raw_line).
-- A view: on DuckDB it reads the files when queried, so the one parse happens downstream.
with

raw_lines as (
    {{ ai_finops.landing_lines(source('otel', 'raw_lines'), 'otel') }}
)

select * from raw_lines
