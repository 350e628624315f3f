"""Rebuild the facts of record (landing ledger, parsed lines) from the landing files: DuckDB.

Usage::

    python -m ai_finops.rebuild_facts [--dry-run] [-- extra dbt arguments]

The ledger and the parsed lines are kept through ``dbt build --full-refresh``: they are the
warehouse's record of every file ever landed, and the landing folder may since have been purged
by a retention policy. Rebuilding them from the files is therefore a separate, explicit step
(``make rebuild-facts``), for a parser fix that must reach old lines. It refuses when a file the
ledger read is no longer in the landing folder, because its requests would silently vanish from
every mart. Closed months' books (``int_llm_cost_entries_closed``) are never rebuilt: what a
rebuild changes in them is booked as adjustments, like any late correction.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]


def missing_files(db_path: str) -> list[str]:
    """Files the ledger read (loaded or appended) that are not in the landing folder now."""
    if not Path(db_path).exists():
        return []
    with duckdb.connect(db_path, read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_name = 'stg_landing__ledger'"
        ).fetchone()[0]
        if not exists:
            return []
        read = con.execute(
            "select distinct source_file from stg_landing__ledger "
            "where outcome in ('loaded', 'appended') order by 1"
        ).fetchall()
    return [path for (path,) in read if not Path(path).is_file()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="only check the landing folder")
    parser.add_argument("dbt_args", nargs="*", help="extra arguments for dbt build")
    args = parser.parse_args(argv)
    db_path = os.environ.get("AI_FINOPS_DUCKDB_PATH", str(ROOT / "warehouse" / "ai_finops.duckdb"))
    missing = missing_files(db_path)
    if missing:
        shown = "\n".join(f"  - {path}" for path in missing[:20])
        more = f"\n  ... and {len(missing) - 20} more" if len(missing) > 20 else ""
        print(
            f"rebuild-facts: refusing: {len(missing)} file(s) the landing ledger read are no longer "
            f"in the landing folder; rebuilding would drop their requests from every mart:\n"
            f"{shown}{more}\nRestore them, or keep the facts: a plain `dbt build` needs no rebuild.",
            file=sys.stderr,
        )
        return 1
    if args.dry_run:
        print("rebuild-facts: every ledgered file is in the landing folder")
        return 0
    dbt = str(Path(sys.executable).with_name("dbt"))
    command = [dbt, "build", "--full-refresh", "--vars", "{rebuild_facts: true}", *args.dbt_args]
    print("rebuild-facts:", " ".join(command))
    return subprocess.run(command, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
