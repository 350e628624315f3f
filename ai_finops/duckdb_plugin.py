"""Read landing files that DuckDB's fast line reader cannot: a dbt-duckdb plugin.

The project reads each landing file with DuckDB's ``read_csv`` (one VARCHAR per line), which is
fast but raises, failing the whole build, on a file that holds bytes that are not UTF-8, a line
longer than ``max_line_bytes``, a ``.gz`` name over plain text or a truncated gzip stream.
This module gives the build these SQL functions, registered on dbt's DuckDB connection by the
plugin entry in ``profiles.yml``:

``ai_finops_landing_file_lines(path) -> STRUCT(line_number, raw_line, has_invalid_utf8)[]``
    The fallback reader for the files the ledger's inspection flagged: every line, numbered as the fast
    reader numbers them, with invalid bytes replaced by U+FFFD and the line flagged, so that
    nothing is lost and staging decides what the line is.

``ai_finops_landing_file_inspect(path, max_line_bytes, prefix_bytes) -> STRUCT(...)``
    What the landing ledger records of a file it has not seen in this state, so that each file
    is checked once, the first time a build sees it: what stops the fast reader
    (``problems``, from ``check_landing_file``: ``''`` when it can take the file, else
    ``invalid_utf8``, ``line_too_long``, ``not_gzip`` (a ``.gz`` name over plain text),
    ``gzip_content`` (gzip bytes under a ``.jsonl`` name), ``corrupt_gzip`` (the stream ends
    early or is damaged)), a content fingerprint of the whole file (``fingerprint``) and of its
    first ``prefix_bytes`` bytes (``prefix_fingerprint``: the size the ledger last recorded, so
    that a file that grew by an appended tail is told apart from one whose earlier bytes were
    rewritten). Fingerprints are BLAKE2b-128 of the raw bytes, in hex.

``ai_finops_decode_lossy(content BLOB) -> VARCHAR``
    The text of a one-object landing file whose bytes are not all UTF-8, invalid bytes
    replaced by U+FFFD (the object reader's fallback; the row is flagged).

``validate.py`` (the landing gate) uses the same Python functions (``check_landing_file``,
``iter_landing_lines``) directly, so the gate and the build agree on what a line is. Nothing here writes, moves or deletes a landing file.
"""

from __future__ import annotations

import atexit
import codecs
import contextlib
import hashlib
import zlib
from collections.abc import Iterator

CHUNK_BYTES = 16 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
LINE_STRUCT = {"line_number": "BIGINT", "raw_line": "VARCHAR", "has_invalid_utf8": "BOOLEAN"}
INSPECT_STRUCT = {"problems": "VARCHAR", "fingerprint": "VARCHAR", "prefix_fingerprint": "VARCHAR"}


def _is_gzip_name(path: str) -> bool:
    return path.endswith(".gz")


def _chunks(path: str, problems: list[str]) -> Iterator[bytes]:
    """The file's content bytes (decompressed when it is gzip), chunk by chunk.

    Whether the content is gzip is decided by its first bytes, not its name; a mismatch and
    a damaged stream are appended to ``problems`` and the readable part is still yielded.
    """
    with open(path, "rb") as fh:
        head = fh.read(2)
        fh.seek(0)
        if head != GZIP_MAGIC:
            if _is_gzip_name(path):
                problems.append("not_gzip")
            while chunk := fh.read(CHUNK_BYTES):
                yield chunk
            return
        if not _is_gzip_name(path):
            problems.append("gzip_content")
        # zlib instead of gzip.open: a truncated stream still yields everything before the cut.
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            while chunk := fh.read(CHUNK_BYTES):
                out = inflater.decompress(chunk)
                # concatenated gzip members (e.g. appended with `cat a.gz b.gz`) are valid gzip
                while inflater.eof and inflater.unused_data:
                    rest = inflater.unused_data
                    yield out
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    out = inflater.decompress(rest)
                yield out
            if not inflater.eof:
                problems.append("corrupt_gzip")
        except zlib.error:
            problems.append("corrupt_gzip")


def check_landing_file(path: str, max_line_bytes: int) -> str:
    """``''`` when DuckDB's fast line reader can read ``path``, else the problems found."""
    problems: list[str] = []
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    longest = run = 0  # run: bytes since the last newline, the line being read
    for chunk in _chunks(path, problems):
        if utf8_ok and not chunk.isascii():
            try:
                decoder.decode(chunk)  # incremental: a character split across chunks is fine
            except UnicodeDecodeError:
                utf8_ok = False
        first = chunk.find(b"\n")
        if first < 0:
            run += len(chunk)
        else:
            longest = max(longest, run + first)
            if len(chunk) > max_line_bytes:  # only then can a line inside the chunk be too long
                longest = max(longest, max(map(len, chunk.split(b"\n"))))
            run = len(chunk) - chunk.rfind(b"\n") - 1
        longest = max(longest, run)
    if utf8_ok:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    if longest > max_line_bytes:
        problems.insert(0, "line_too_long")
    if not utf8_ok:
        problems.insert(0, "invalid_utf8")
    return ",".join(dict.fromkeys(problems))


def fingerprints(path: str, prefix_bytes: int) -> tuple[str, str]:
    """BLAKE2b-128 hex digests of the whole file and of its first ``prefix_bytes`` bytes."""
    whole = hashlib.blake2b(digest_size=16)
    prefix = None
    done = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            if prefix is None and prefix_bytes <= done + len(chunk):
                head = whole.copy()
                head.update(chunk[: max(prefix_bytes - done, 0)])
                prefix = head.hexdigest()
            whole.update(chunk)
            done += len(chunk)
    digest = whole.hexdigest()
    # a prefix longer than the file: the file shrank, and no prefix of it can match
    return digest, (prefix if prefix is not None else "")


def inspect_landing_file(path: str, max_line_bytes: int, prefix_bytes: int) -> dict:
    """The ledger's look at a file: reader problems and content fingerprints."""
    try:
        whole, prefix = fingerprints(path, prefix_bytes or 0)
        # max_line_bytes 0: a one-object file, which no line reader reads
        problems = check_landing_file(path, max_line_bytes) if max_line_bytes > 0 else ""
    except OSError as exc:  # gone or unreadable between the listing and this look
        return {"problems": f"unreadable: {exc.strerror or exc}", "fingerprint": None,
                "prefix_fingerprint": None}
    return {"problems": problems, "fingerprint": whole, "prefix_fingerprint": prefix}


def decode_lossy(content: bytes) -> str:
    """``content`` as text, bytes that are not UTF-8 replaced by U+FFFD."""
    return bytes(content).decode("utf-8", errors="replace")


def iter_landing_lines(path: str) -> Iterator[tuple[int, str | None, bool]]:
    """``(line_number, raw_line, has_invalid_utf8)`` for every physical line of ``path``.

    Numbered and split as DuckDB's reader does: ``\\n`` or ``\\r\\n`` ends a line, a final line
    without a newline counts, an empty line is ``None``, a UTF-8 byte-order mark is dropped.
    Bytes that are not UTF-8 are replaced by U+FFFD and the line is flagged.
    """
    number = 0
    pending = b""
    at_start = True

    def emit(raw: bytes) -> tuple[int, str | None, bool]:
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            text, bad = raw.decode("utf-8"), False
        except UnicodeDecodeError:
            text, bad = raw.decode("utf-8", errors="replace"), True
        return number, (text or None), bad

    for chunk in _chunks(path, []):
        if at_start and chunk:
            chunk = chunk.removeprefix(UTF8_BOM)
            at_start = False
        parts = (pending + chunk).split(b"\n")
        pending = parts.pop()
        for raw in parts:
            number += 1
            yield emit(raw)
    if pending:
        number += 1
        yield emit(pending)


def read_landing_lines(path: str) -> list[dict]:
    """Every line of ``path`` as a list of structs (the SQL function's result)."""
    return [
        {"line_number": n, "raw_line": text, "has_invalid_utf8": bad}
        for n, text, bad in iter_landing_lines(path)
    ]


def register_functions(conn) -> None:
    """Register the landing functions on a DuckDB connection."""
    import duckdb

    conn.create_function(
        "ai_finops_landing_file_lines", read_landing_lines, ["VARCHAR"],
        duckdb.list_type(duckdb.struct_type(LINE_STRUCT)),
        side_effects=True,
    )
    conn.create_function(
        "ai_finops_landing_file_inspect", inspect_landing_file, ["VARCHAR", "BIGINT", "BIGINT"],
        duckdb.struct_type(INSPECT_STRUCT),
        side_effects=True,  # reads a file: never fold or cache across queries
    )
    conn.create_function(
        "ai_finops_decode_lossy", decode_lossy, ["BLOB"], "VARCHAR", side_effects=False,
    )


def _close_quietly(conn) -> None:
    with contextlib.suppress(Exception):  # already closed, or the process is going away anyway
        conn.close()


def _plugin_class():
    from dbt.adapters.duckdb.plugins import BasePlugin

    class Plugin(BasePlugin):
        """dbt-duckdb plugin: registers the landing functions on every build connection."""

        def configure_connection(self, conn) -> None:
            register_functions(conn)
            # Close the connection when the process ends: a connection still holding Python
            # functions at interpreter shutdown makes duckdb's bindings print "leaked instance"
            # noise (dbt closes its connections itself; sqlfluff's dbt templater does not).
            atexit.register(_close_quietly, conn)

    return Plugin


def __getattr__(name: str):
    # dbt-duckdb looks up `Plugin` on this module. It is built on first access so that
    # importing the readers (the landing gate does) does not import dbt.
    if name == "Plugin":
        cls = _plugin_class()
        globals()["Plugin"] = cls
        return cls
    raise AttributeError(name)
