-- Rule: a landing file that shrank or was rewritten after it was read, that no reader
-- recognises, or that could not be opened is reported, never re-read or ignored in silence.
-- A warning, not an error: what was read from the file stays, and the build's numbers hold;
-- each row names the file and what happened to it.
{{ config(severity='warn') }}

select
    source_system,
    source_file,
    latest_outcome,
    layout,
    file_size
from {{ ref('rpt_landing_files') }}
where needs_attention
