"""Where the time of the parse model goes: variants of its compiled SQL, timed in DuckDB directly.

``stg_litellm__log_lines`` is the one model that reads and parses every landing line. This
script takes its compiled SQL (``<target>/compiled/.../stg_litellm__log_lines.sql``, written by
any dbt build), attaches the warehouse that build wrote (read-only: the model's source view
``base_litellm__raw_lines`` lives there) and times, each as ``create table ... as`` into a
scratch DuckDB file the way dbt materialises the model:

* steps of the model on their own (bare read, read + from_json, the model as compiled);
* ablations: the model with one part removed (an upper bound of what that part costs);
* rewrites: the model with one part written differently, same result (a change to propose).

Every rewrite is checked against the model as compiled: the same rows (a hash of every output
column), so a "faster" variant that changes the answer is reported as such. A variant whose
text pattern is not found in the compiled SQL (the model changed) is skipped, not failed.

Usage::

    python bench/profile_parse.py --compiled TARGET/compiled/ai_finops/models/staging/litellm/\\
        stg_litellm__log_lines.sql --warehouse WH.duckdb --raw LANDING --scratch OUT.duckdb \\
        [--repeat 2] [--only NAME,...] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

TAG_KEYS = ("feature", "team", "env", "region", "customer")


class NotApplicable(Exception):
    """The compiled SQL does not contain what a variant rewrites."""


def _sub(pattern: str, repl: str | Callable, sql: str, count: int = 0, flags: int = re.DOTALL) -> str:
    new, n = re.subn(pattern, repl, sql, count=count, flags=flags)
    if n == 0:
        raise NotApplicable(f"pattern not found: {pattern[:60]}")
    return new


def _cte_names(sql: str) -> list[str]:
    return re.findall(r"^(\w+) as \($", sql, flags=re.MULTILINE)


def payload_type(sql: str) -> str:
    m = re.search(r"from_json\(raw_line, '([^']*)'\)", sql)
    if not m:
        raise NotApplicable("no from_json(raw_line, '<type>') in the compiled SQL")
    return m.group(1)


def base_relation(sql: str) -> str:
    m = re.search(r'("[^"]+"\."[^"]+"\."base_litellm__raw_lines")', sql)
    if not m:
        raise NotApplicable("no base_litellm__raw_lines relation in the compiled SQL")
    return m.group(1)


def read_csv_lines(glob: str) -> str:
    return (f"read_csv('{glob}', columns = {{'raw_line': 'VARCHAR'}}, delim = chr(30) || chr(31),"
            " quote = '', escape = '', header = false, auto_detect = false,"
            " max_line_size = 67108864)")


# --- variants ---------------------------------------------------------------------------------
# Each takes (compiled_sql, context) and returns a statement whose result is materialised.

def v_read(sql: str, ctx: dict) -> str:
    return (f"select count(*) as n, sum(length(raw_line)) as bytes, max(line_number) as m "
            f"from {base_relation(sql)}")


def v_read_glob(sql: str, ctx: dict) -> str:
    return (f"select count(*) as n, sum(length(raw_line)) as bytes "
            f"from {read_csv_lines(ctx['glob'])}")


def v_from_json(sql: str, ctx: dict) -> str:
    return (f"select count(try(from_json(raw_line, '{payload_type(sql)}'))) as n, "
            f"max(line_number) as m from {base_relation(sql)}")


def v_from_json_glob(sql: str, ctx: dict) -> str:
    return (f"select count(try(from_json(raw_line, '{payload_type(sql)}'))) as n "
            f"from {read_csv_lines(ctx['glob'])}")


def v_model(sql: str, ctx: dict) -> str:
    return sql


def v_stage(stage: str) -> Callable[[str, dict], str]:
    """The model up to one of its CTEs (everything after it left out)."""
    def build(sql: str, ctx: dict) -> str:
        if stage not in _cte_names(sql):
            raise NotApplicable(f"no CTE {stage}")
        body = sql.rstrip().rstrip(";")
        m = re.search(r"select \* from final\s*$", body)
        if not m:
            raise NotApplicable("the model does not end in 'select * from final'")
        # raw_line left out: the model keeps it only for quarantined lines, and writing every
        # line's text would dwarf what the stage itself costs
        return body[: m.start()] + f"select * exclude (raw_line) from {stage}"
    return build


def v_no_tags(sql: str, ctx: dict) -> str:
    """Ablation: the five per-key tag look-ups return NULL."""
    return _sub(r"list_filter\(request_tags, lambda t: starts_with\(t, '(\w+):'\)\)\[1\]",
                "cast(null as varchar)", sql)


def v_tags_one_lambda(sql: str, ctx: dict) -> str:
    """Rewrite: the keys of all tags computed by one lambda, each key found by list_position.

    list_filter(tags, t -> starts_with(t, 'feature:'))[1] is the first tag whose text before
    its first ':' is 'feature' (a tag without ':' has no key): the same value.
    """
    new = _sub(r"list_filter\(request_tags, lambda t: starts_with\(t, '(\w+):'\)\)\[1\]",
               lambda m: f"request_tags[list_position(request_tag_keys, '{m.group(1)}')]", sql)
    return _typed_add_column(new, (
        "list_transform(request_tags, lambda t: case when contains(t, ':') "
        "then split_part(t, ':', 1) end) as request_tag_keys"))


def v_tokens_text_cast(sql: str, ctx: dict) -> str:
    """Rewrite: the JSON-typed token fields tested through their JSON text instead of
    json_type(): present = not SQL NULL and not JSON null; a number = its text casts to DOUBLE
    (a JSON string keeps its quotes and true/false/objects/arrays do not cast, so nothing is
    read leniently)."""
    new = _sub(r"coalesce\(json_type\(payload\.(\w+)\), 'NULL'\) <> 'NULL'",
               r"coalesce(cast(payload.\1 as varchar), 'null') <> 'null'", sql)
    return _sub(r"case\s+when json_type\(payload\.(\w+)\) in \('UBIGINT', 'BIGINT', 'DOUBLE'\)\s+"
                r"then cast\(payload\.\w+ as double\)\s+end",
                r"try_cast(cast(payload.\1 as varchar) as double)", new)


def v_parallel_files(sql: str, ctx: dict) -> tuple[list[str], str, list[str]]:
    """Rewrite: the same SQL with preserve_insertion_order off while it runs. Each file's scan
    keeps its own order (its row_number() runs in a single-threaded streaming window), but the
    per-file pipelines of the union may then run at the same time instead of one after another."""
    return (["set preserve_insertion_order = false"], sql,
            ["set preserve_insertion_order = true"])


def v_all_rewrites(sql: str, ctx: dict) -> tuple[list[str], str, list[str]]:
    """Rewrite: every same-result rewrite above at once, file scans concurrent too."""
    for build in (v_tags_one_lambda, v_tokens_text_cast, v_blank_check_cheap):
        sql = build(sql, ctx)
    return v_parallel_files(sql, ctx)


def _typed_add_column(sql: str, expression: str) -> str:
    """Add a column computed from request_tags, in a CTE between typed and its reader."""
    m = re.search(r"\n(\s*)typed as \(", sql)
    if not m:
        raise NotApplicable("no CTE typed")
    # the select that reads typed: rename typed -> typed_base, add typed as (select *, expr)
    start = m.start()
    head, tail = sql[:start], sql[start:]
    tail = tail.replace("typed as (", "typed_base as (", 1)
    close = re.search(r"\n\s*from parsed\n\s*\)", tail)
    if not close:
        raise NotApplicable("typed CTE does not read parsed")
    insert_at = close.end()
    tail = (tail[:insert_at] + f",\n\n    typed as (\n        select *, {expression}\n"
            "        from typed_base\n    )" + tail[insert_at:])
    return head + tail


def v_no_tag_typing(sql: str, ctx: dict) -> str:
    """Ablation: request_tags taken as a list without checking its JSON type."""
    return _sub(r"case json_type\(payload\.request_tags\).*?end as request_tags",
                "try_cast(payload.request_tags as varchar[]) as request_tags", sql, count=1)


def v_no_quarantine_rules(sql: str, ctx: dict) -> str:
    """Ablation: the quarantine CASE chain returns NULL (every line a request)."""
    return _sub(r"case\s+when raw_line is null or trim\(raw_line\) = '' then 'blank_line'.*?"
                r"end as quarantine_reason", "cast(null as varchar) as quarantine_reason",
                sql, count=1)


def v_blank_check_cheap(sql: str, ctx: dict) -> str:
    """Rewrite: the blank-line test trims a line only when it is not a JSON object; and the
    JSON guard does not copy the line (ltrim) when it starts with '{'. Same classes."""
    new = _sub(r"when raw_line is null or trim\(raw_line\) = '' then 'blank_line'",
               "when raw_line is null or (not is_json_object and trim(raw_line) = '') "
               "then 'blank_line'", sql, count=1)
    return _sub(r"when left\(ltrim\(raw_line\), 1\) = chr\(123\) then",
                "when starts_with(raw_line, chr(123)) or left(ltrim(raw_line), 1) = chr(123) then",
                new, count=1)


def v_no_future_check(sql: str, ctx: dict) -> str:
    """Ablation: the time_in_future rule removed."""
    return _sub(r"when\s+make_timestamp\([^']*?then 'time_in_future'",
                "when false then 'time_in_future'", sql, count=1)


def v_no_json_tokens(sql: str, ctx: dict) -> str:
    """Ablation: the two JSON-typed token fields' json_type() checks replaced by a cast."""
    new = _sub(r"coalesce\(json_type\(payload\.(\w+)\), 'NULL'\) <> 'NULL'",
               r"payload.\1 is not null", sql)
    return _sub(r"case\s+when json_type\(payload\.(\w+)\) in \('UBIGINT', 'BIGINT', 'DOUBLE'\)\s+"
                r"then cast\(payload\.\w+ as double\)\s+end",
                r"try_cast(payload.\1 as double)", new)


def v_tokens_one_json_type(sql: str, ctx: dict) -> str:
    """Rewrite: json_type() of each JSON-typed token field computed once, not twice."""
    new = _typed_add_column(
        sql, "json_type(payload.prompt_tokens) as prompt_tokens_json_type, "
             "json_type(payload.completion_tokens) as completion_tokens_json_type")
    new = _sub(r"coalesce\(json_type\(payload\.(\w+)\), 'NULL'\) <> 'NULL'",
               r"coalesce(\1_json_type, 'NULL') <> 'NULL'", new)
    return _sub(r"when json_type\(payload\.(\w+)\) in \('UBIGINT', 'BIGINT', 'DOUBLE'\)",
                r"when \1_json_type in ('UBIGINT', 'BIGINT', 'DOUBLE')", new)


def v_single_scan_row_number(sql: str, ctx: dict) -> str:
    """Ablation: one read_csv over all files with row_number() over () (line numbers are then
    counted across files: wrong, shows what the per-file union costs)."""
    rel = base_relation(sql)
    return sql.replace(
        f"select * from {rel}",
        f"select filename as source_file, row_number() over () as line_number, raw_line, "
        f"false as has_invalid_utf8 from {read_csv_lines(ctx['glob'])[:-1]}, filename = true)", 1)


def v_single_scan_file_offsets(sql: str, ctx: dict) -> str:
    """Rewrite: one read_csv over all files (in file order, insertion order kept) numbered by
    one row_number() over (), minus the file's first row number: exact per-file line numbers."""
    rel = base_relation(sql)
    return sql.replace(
        f"select * from {rel}",
        "select source_file, rn - min(rn) over (partition by source_file) + 1 as line_number, "
        "raw_line, has_invalid_utf8 from (select filename as source_file, "
        "row_number() over () as rn, raw_line, false as has_invalid_utf8 from "
        f"{read_csv_lines(ctx['glob'])[:-1]}, filename = true))", 1)


def v_no_line_numbers(sql: str, ctx: dict) -> str:
    """Ablation: one read_csv over all files, no line numbers at all (NULL)."""
    rel = base_relation(sql)
    return sql.replace(
        f"select * from {rel}",
        "select filename as source_file, cast(null as bigint) as line_number, raw_line, "
        f"false as has_invalid_utf8 from {read_csv_lines(ctx['glob'])[:-1]}, filename = true)", 1)


STEPS: list[tuple[str, str, Callable, bool]] = [
    # name, what it shows, builder, materialise the result as a table (else fetch it)
    ("read", "read every line (per-file scans + row_number, as the base view does)", v_read,
     False),
    ("read_glob", "read every line, one glob read_csv, no line numbers", v_read_glob, False),
    ("from_json", "read + from_json every line (base view)", v_from_json, False),
    ("from_json_glob", "read + from_json every line (one glob read_csv)", v_from_json_glob,
     False),
    ("upto_parsed", "the model up to the parse macro's output (written as a table, no raw_line)",
     v_stage("parsed"), True),
    ("upto_normalised", "... up to normalised", v_stage("normalised"), True),
    ("upto_classified", "... up to classified", v_stage("classified"), True),
    ("model", "the model as compiled (create table as, like dbt)", v_model, True),
]
ABLATIONS: list[tuple[str, str, Callable]] = [
    ("no_tags", "the five per-key list_filter lambdas on request_tags removed", v_no_tags),
    ("no_tag_typing", "json_type CASE on request_tags removed (array assumed)", v_no_tag_typing),
    ("no_quarantine_rules", "the quarantine CASE chain removed", v_no_quarantine_rules),
    ("no_future_check", "the time_in_future rule removed", v_no_future_check),
    ("no_json_tokens", "JSON-typed token fields: json_type checks removed", v_no_json_tokens),
    ("single_scan_row_number", "one glob scan + row_number() over () (line numbers wrong)",
     v_single_scan_row_number),
    ("no_line_numbers", "one glob scan, no row_number at all", v_no_line_numbers),
]
REWRITES: list[tuple[str, str, Callable]] = [
    ("tags_one_lambda", "tag keys by one lambda + list_position per key", v_tags_one_lambda),
    ("tokens_one_json_type", "json_type of each token field once", v_tokens_one_json_type),
    ("tokens_text_cast", "token fields tested via their JSON text, no json_type",
     v_tokens_text_cast),
    ("blank_check_cheap", "no trim/ltrim copy of well-formed lines", v_blank_check_cheap),
    ("parallel_files", "preserve_insertion_order off: file scans run concurrently",
     v_parallel_files),
    ("single_scan_file_offsets", "one glob scan, line number = row_number - file's first + 1",
     v_single_scan_file_offsets),
    ("all_rewrites", "tags_one_lambda + tokens_text_cast + blank_check_cheap + parallel_files",
     v_all_rewrites),
]


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def time_statement(con: duckdb.DuckDBPyConnection, statement: str | tuple, materialise: bool,
                   repeat: int) -> dict:
    pre: list[str] = []
    post: list[str] = []
    if isinstance(statement, tuple):
        pre, statement, post = statement
    runs = []
    for _ in range(repeat):
        load = _loadavg()
        for s in pre:
            con.execute(s)
        c0, t0 = _cpu(), time.perf_counter()
        try:
            if materialise:
                con.execute(f"create or replace table profile_variant as {statement}")
            else:
                con.execute(statement).fetchall()
        finally:
            t1, c1 = time.perf_counter(), _cpu()
            for s in post:
                con.execute(s)
        runs.append({"seconds": round(t1 - t0, 3), "cpu_seconds": round(c1 - c0, 3),
                     "load": load})
    best = min(runs, key=lambda r: r["seconds"])
    return {"seconds": best["seconds"], "cpu_seconds": best["cpu_seconds"], "runs": runs}


def result_hash(con: duckdb.DuckDBPyConnection, columns: list[str]) -> tuple:
    """An order-independent fingerprint of the table profile_variant (the listed columns)."""
    cols = ", ".join(f'"{c}"' for c in columns)
    return con.execute(
        f"select count(*), sum(hash(({cols}))) from (select {cols} from profile_variant)"
    ).fetchone()


def profile(compiled: Path, warehouse: Path, raw_dir: Path, scratch: Path, repeat: int = 2,
            only: list[str] | None = None, threads: int | None = None,
            log=print) -> dict:
    sql = compiled.read_text()
    m = re.search(r'"([^"]+)"\."[^"]+"\."base_litellm__raw_lines"', sql)
    if not m:
        raise SystemExit(f"{compiled}: no base_litellm__raw_lines relation: not the parse model?")
    alias = m.group(1)
    for p in (scratch, scratch.with_name(scratch.name + ".wal")):
        if p.exists():
            p.unlink()
    con = duckdb.connect(str(scratch))
    if threads:
        con.execute(f"set threads = {int(threads)}")
    con.execute(f"attach '{warehouse}' as \"{alias}\" (read_only)")
    ctx = {"glob": str(raw_dir / "litellm" / "**" / "*.jsonl")}
    out: dict = {"compiled": str(compiled), "threads": con.execute(
        "select current_setting('threads')").fetchone()[0], "repeat": repeat, "variants": []}
    reference_columns: list[str] | None = None
    reference_hash = None

    def run(kind: str, name: str, what: str, build: Callable, materialise: bool) -> None:
        nonlocal reference_columns, reference_hash
        if only and name not in only and name != "model":
            return
        row = {"kind": kind, "name": name, "what": what}
        try:
            statement = build(sql, ctx)
        except NotApplicable as exc:
            row["skipped"] = str(exc)
            out["variants"].append(row)
            log(f"  {name:28s} skipped: {exc}")
            return
        try:
            row.update(time_statement(con, statement, materialise, repeat))
        except duckdb.Error as exc:
            row["error"] = str(exc).splitlines()[0][:300]
            out["variants"].append(row)
            log(f"  {name:28s} error: {row['error']}")
            return
        if materialise:
            cols = [r[0] for r in con.execute("describe profile_variant").fetchall()]
            if name == "model":
                reference_columns = cols
                reference_hash = result_hash(con, cols)
                row["same_result"] = True
            elif kind == "rewrite" and reference_columns:
                row["same_result"] = result_hash(con, reference_columns) == reference_hash
        out["variants"].append(row)
        extra = "" if "same_result" not in row else f"  same result: {row['same_result']}"
        log(f"  {name:28s} {row['seconds']:8.2f} s wall {row['cpu_seconds']:8.2f} s cpu"
            f"  (load {row['runs'][-1]['load']}){extra}")

    for name, what, build, materialise in STEPS:
        run("step", name, what, build, materialise)
    for name, what, build in ABLATIONS:
        run("ablation", name, what, build, True)
    for name, what, build in REWRITES:
        run("rewrite", name, what, build, True)
    con.execute("drop table if exists profile_variant")
    con.close()
    return out


def ab(compiled: Path, warehouse: Path, raw_dir: Path, scratch: Path, names: list[str],
       rounds: int = 3, log=print) -> dict:
    """The model and the named variants, run in turns (model, a, b, model, a, b, ...), so that
    a change in the machine's load hits all of them alike; median wall and CPU seconds."""
    sql = compiled.read_text()
    alias = re.search(r'"([^"]+)"\."[^"]+"\."base_litellm__raw_lines"', sql).group(1)
    for p in (scratch, scratch.with_name(scratch.name + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(scratch))
    con.execute(f"attach '{warehouse}' as \"{alias}\" (read_only)")
    ctx = {"glob": str(raw_dir / "litellm" / "**" / "*.jsonl")}
    builders = {"model": v_model}
    builders.update({n: b for n, _w, b in ABLATIONS + REWRITES})
    runs: dict[str, list[dict]] = {n: [] for n in ["model", *names]}
    for r in range(rounds):
        for name, done in runs.items():
            res = time_statement(con, builders[name](sql, ctx), True, 1)
            done.append(res["runs"][0])
            log(f"  round {r + 1} {name:24s} {res['seconds']:7.2f} s wall "
                f"{res['cpu_seconds']:7.2f} s cpu (load {res['runs'][0]['load']})")
    con.close()

    def median(xs: list[float]) -> float:
        xs = sorted(xs)
        return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2

    return {name: {"median_seconds": round(median([x["seconds"] for x in rs]), 2),
                   "median_cpu_seconds": round(median([x["cpu_seconds"] for x in rs]), 2),
                   "runs": rs} for name, rs in runs.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--compiled", required=True, type=Path)
    p.add_argument("--warehouse", required=True, type=Path)
    p.add_argument("--raw", required=True, type=Path, help="landing folder (holds litellm/)")
    p.add_argument("--scratch", required=True, type=Path, help="DuckDB file for the variants")
    p.add_argument("--repeat", type=int, default=1, help="runs per variant, the fastest counts")
    p.add_argument("--only", default="", help="comma-separated variant names (model always)")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--json", type=Path, default=None, help="write the results here")
    p.add_argument("--ab", default="", help="comma-separated variants to run in turns with "
                                            "the model (--repeat rounds), medians reported")
    args = p.parse_args(argv)
    if args.ab:
        res = ab(args.compiled, args.warehouse, args.raw, args.scratch,
                 [s for s in args.ab.split(",") if s], max(args.repeat, 1))
        print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "runs"}
                          for k, v in res.items()}, indent=1))
        if args.json:
            args.json.write_text(json.dumps(res, indent=2))
        return 0
    res = profile(args.compiled, args.warehouse, args.raw, args.scratch, args.repeat,
                  [s for s in args.only.split(",") if s] or None, args.threads)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
