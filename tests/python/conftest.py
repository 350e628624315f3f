"""Shared fixtures: run the real dbt project against landing folders made by the tests."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
# The sample's company (features, keys, cost centers, closed September, ...): the configuration
# every test builds with unless it says otherwise, relative to the project folder.
DEMO_CONFIG = "examples/demo_company/config"
DBT = str(Path(sys.executable).with_name("dbt"))

sys.path.insert(0, str(ROOT))


def run_dbt(
    args: list[str],
    *,
    raw_dir: Path,
    db_path: Path,
    project_dir: Path = ROOT,
    work_dir: Path,
    check: bool = True,
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run a dbt command on the project with its own landing folder, warehouse and target dir."""
    env = {
        **os.environ,
        "AI_FINOPS_RAW_DIR": str(raw_dir),
        "AI_FINOPS_DUCKDB_PATH": str(db_path),
        "AI_FINOPS_CONFIG_DIR": DEMO_CONFIG,
        "DBT_PROFILES_DIR": str(project_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
        **(extra_env or {}),
    }
    cmd = [
        DBT,
        *args,
        "--project-dir", str(project_dir),
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
    ]
    proc = subprocess.run(
        cmd, check=False, cwd=project_dir, env=env, capture_output=True, text=True
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"dbt {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"
        )
    return proc


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def table_hash(db_path: Path, table: str) -> str:
    """Content hash of a table, independent of row order."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(f"select * from {table}").fetchall()
    digest = hashlib.sha256()
    for row in sorted(repr(r) for r in rows):
        digest.update(row.encode())
    return digest.hexdigest()


def project_copy(dest: Path) -> Path:
    """A copy of the project (no venv, warehouse, data or caches) whose seeds a test may edit."""
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".venv", "target", "logs", "warehouse", ".git", "data", "reports", "bench",
        "__pycache__", ".pytest_cache", ".ruff_cache"))
    return dest


def copy_sample(dest: Path, sources: tuple[str, ...] = ("litellm",)) -> Path:
    """A landing folder holding the bundled sample of the given sources (JSONL files only)."""
    for source in sources:
        (dest / source).mkdir(parents=True, exist_ok=True)
        for f in (SAMPLE / source).glob("*.jsonl"):
            shutil.copy(f, dest / source / f.name)
    return dest


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Path:
    """The project built once on the whole bundled sample (both sources); returns the warehouse."""
    work = tmp_path_factory.mktemp("sample_build")
    raw = copy_sample(work / "raw", sources=("litellm", "otel"))
    db = work / "warehouse.duckdb"
    run_dbt(["build", "--exclude", "resource_type:unit_test"], raw_dir=raw, db_path=db, work_dir=work)
    return db


# The longest tests (pytest --durations in CI), started first: on two workers a long test
# picked up last would run alone at the end while the other worker idles (with --dist
# worksteal, the other worker takes what is still queued).
LONGEST_FIRST = (
    "test_ledger.py::test_history_independence_one_run_or_thirty_daily_runs",
    "test_demo_apart.py::",
    "test_bench.py::test_bench_end_to_end_on_tiny_data",
    "test_landing.py::test_rebuild_is_idempotent_and_a_new_file_adds_only_its_requests",
    "test_build_report.py::",
    "test_chargeback.py::",
    "test_ledger.py::test_a_daily_run_reads_only_what_is_new",
    "test_period_close.py::",
    "test_ledger.py::test_shrunk_rewritten_and_deleted_files_lose_nothing",
    "test_idempotency.py::",
    "test_litellm_deployments.py::",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        for position, name in enumerate(LONGEST_FIRST):
            if name in item.nodeid:
                return position
        return len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the rest keeps its order
