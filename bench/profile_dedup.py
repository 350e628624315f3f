"""What the de-duplication view costs its readers, and what materialising it once would save.

``int_llm_requests_deduplicated`` is a view (a content hash of every canonical column and four
window functions over every delivery). Three models of a build read it:
``rpt_request_delivery_conflicts``, ``rpt_landing_line_accounting`` and, through
``int_llm_requests_priced`` and ``_attributed``, ``fct_llm_requests``, so DuckDB computes it
three times per build. This script times, on a built warehouse (attached read-only) and with
the compiled SQL of a dbt build (``--target``):

* the view materialised once (what ``materialized='table'`` would cost);
* each reader as compiled (reading the view) and reading the materialised table instead;
* a rewrite of the view that hashes and compares only requests delivered more than once
  (about 1% in the generated data), checked to give the same rows.

Usage::

    python bench/profile_dedup.py --target TARGET --warehouse WH.duckdb --scratch OUT.duckdb
        [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from pathlib import Path

import duckdb

READERS = ("rpt_request_delivery_conflicts", "rpt_landing_line_accounting", "fct_llm_requests")


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def compiled_sql(target: Path, model: str) -> str:
    # the model's own file, not a unit test's (those sit under a folder named after a .yml)
    path = next((p for p in sorted((target / "compiled").rglob(f"{model}.sql"))
                 if not p.parent.name.endswith(".yml")), None)
    if path is None:
        raise SystemExit(f"no compiled {model}.sql under {target}/compiled: build first")
    return path.read_text()


def rewrite_view(view_sql: str) -> str:
    """The view's SQL with hashing and the conflict windows limited to repeated ids."""
    hash_expr = re.search(r"hashed AS \(SELECT \*, (.*) AS content_hash FROM unioned\)",
                          view_sql, flags=re.DOTALL).group(1)
    cols = re.search(r"deduplicated AS \(SELECT (.*?), delivery_count, content_hash, "
                     r"conflicting_delivery_count FROM flagged", view_sql, flags=re.DOTALL).group(1)
    order = re.search(r"row_number\(\) OVER \((PARTITION BY request_id ORDER BY .*?)\) AS "
                      r"delivery_rank", view_sql, flags=re.DOTALL).group(1)
    source = re.search(r"unioned AS \(SELECT \* FROM ([\w.\"]+)\)", view_sql).group(1)
    return f"""
with ranked as (
    select *, row_number() over ({order}) as delivery_rank,
        count(*) over (partition by request_id) as delivery_count
    from {source}
),
repeated as (
    select *, {hash_expr} as content_hash from ranked where delivery_count > 1
),
compared as (
    select *,
        max(case when delivery_rank = 1 then source_system end)
            over (partition by request_id) as kept_source_system,
        max(case when delivery_rank = 1 then content_hash end)
            over (partition by request_id) as kept_content_hash
    from repeated
),
flagged as (
    select *, sum(case when source_system = kept_source_system
                       and content_hash != kept_content_hash then 1 else 0 end)
        over (partition by request_id) as conflicting_delivery_count
    from compared
)
select {cols}, delivery_count, {hash_expr} as content_hash, 0 as conflicting_delivery_count
from ranked where delivery_count = 1
union all
select {cols}, delivery_count, content_hash, conflicting_delivery_count
from flagged where delivery_rank = 1
"""


def profile(target: Path, warehouse: Path, scratch: Path, log=print) -> dict:
    for p in (scratch, scratch.with_name(scratch.name + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(scratch))
    db = con.execute("select current_database()").fetchone()[0]
    T = f'"{db}".main'
    alias = warehouse.stem
    con.execute(f"attach '{warehouse}' as \"{alias}\" (read_only)")
    out: dict = {"steps": []}

    def timed(name: str, statement: str) -> dict:
        load = _load()
        c0, t0 = _cpu(), time.perf_counter()
        con.execute(f"create or replace table {T}.t_{name} as {statement}")
        row = {"name": name, "seconds": round(time.perf_counter() - t0, 2),
               "cpu_seconds": round(_cpu() - c0, 2), "load": load,
               "rows": con.execute(f"select count(*) from {T}.t_{name}").fetchone()[0]}
        out["steps"].append(row)
        log(f"  {name:48s} {row['seconds']:7.2f} s wall {row['cpu_seconds']:7.2f} s cpu "
            f"{row['rows']:>10,} rows (load {load})")
        return row

    found = con.execute(
        "select sql from duckdb_views() where database_name = ? and view_name = "
        "'int_llm_requests_deduplicated'", [alias]).fetchone()
    if found is None:
        con.close()
        log("  int_llm_requests_deduplicated is not a view (already materialised): skipped")
        return {"skipped": "int_llm_requests_deduplicated is not a view", "steps": []}
    view_sql = found[0]
    body = view_sql.split(" AS ", 1)[1].rstrip().rstrip(";")
    body = body.replace("FROM main.", f'FROM "{alias}".main.')
    timed("dedup_view_materialised", body)
    rewritten = rewrite_view(body)
    timed("dedup_rewrite_repeated_only", rewritten)
    cols = [r[0] for r in con.execute(f"describe {T}.t_dedup_view_materialised").fetchall()]
    c = ", ".join(cols)
    diff = con.execute(
        f"select (select count(*) from (select {c} from {T}.t_dedup_view_materialised "
        f"except all select {c} from {T}.t_dedup_rewrite_repeated_only)) + "
        f"(select count(*) from (select {c} from {T}.t_dedup_rewrite_repeated_only "
        f"except all select {c} from {T}.t_dedup_view_materialised))").fetchone()[0]
    out["rewrite_same_result"] = diff == 0
    log(f"  rewrite gives the same rows: {diff == 0}")

    dedup_ref = f'"{alias}"."main"."int_llm_requests_deduplicated"'
    for model in READERS:
        sql = compiled_sql(target, model)
        if "is_incremental" in sql or f'"{alias}"."main"."{model}"' in sql:
            log(f"  {model}: compiled as an incremental run, skipped")
            continue
        timed(f"{model}__as_compiled", sql)
        if model == "fct_llm_requests":
            # the fact reads dedup through two views; inline them on the materialised table
            views = {}
            for v in ("int_llm_requests_priced", "int_llm_requests_attributed"):
                vs = con.execute("select sql from duckdb_views() where database_name = ? and "
                                 "view_name = ?", [alias, v]).fetchone()[0]
                views[v] = vs.split(" AS ", 1)[1].rstrip().rstrip(";").replace(
                    "FROM main.", f'FROM "{alias}".main.').replace(
                    "JOIN main.", f'JOIN "{alias}".main.')
            priced = views["int_llm_requests_priced"].replace(
                f'"{alias}".main.int_llm_requests_deduplicated',
                f"{T}.t_dedup_view_materialised")
            attributed = views["int_llm_requests_attributed"].replace(
                f'"{alias}".main.int_llm_requests_priced', f"({priced})")
            sql2 = sql.replace(f'"{alias}"."main"."int_llm_requests_attributed"',
                               f"({attributed})")
        else:
            sql2 = sql.replace(dedup_ref, f"{T}.t_dedup_view_materialised")
        if sql2 == sql:
            log(f"  {model}: does not read the dedup view directly, skipped")
            continue
        timed(f"{model}__reading_materialised_dedup", sql2)
    con.close()
    for p in (scratch, scratch.with_name(scratch.name + ".wal")):
        p.unlink(missing_ok=True)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--target", required=True, type=Path)
    p.add_argument("--warehouse", required=True, type=Path)
    p.add_argument("--scratch", required=True, type=Path)
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    res = profile(args.target, args.warehouse, args.scratch)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
