"""The README in order: `make demo`, then `make build` on one's own logs. The demo company (its
configuration, its logs, its closed September and its shared platform costs) stays in the demo's
warehouse; the user's warehouse holds their requests, valued with their configuration only.

Both targets run through the Makefile in a copy of the project, with this checkout's venv (no
set-up runs: `-o` marks the venv's stamp as up to date).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, project_copy, query

from ai_finops import generate

VENV = ROOT / ".venv"


def _make(project: Path, target: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AI_FINOPS_", "DBT_"))}
    proc = subprocess.run(
        ["make", "--no-print-directory", "-C", str(project), f"VENV={VENV}",
         "-o", str(VENV / ".installed"), target],
        env={**clean, **env}, capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, f"make {target} failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def demo_then_own(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("demo_apart")
    project = project_copy(work / "project")
    (project / "data").symlink_to(ROOT / "data", target_is_directory=True)
    (project / "warehouse").mkdir()  # a clone has it (warehouse/.gitkeep)
    own = work / "own_logs"
    manifest = generate.generate(own, requests=400, days=3, start="2026-11-02", seed=11,
                                 with_messages=False)
    _make(project, "demo", {})
    build = _make(project, "build", {"AI_FINOPS_RAW_DIR": str(own)})
    return {"project": project, "manifest": manifest, "build": build,
            "demo_db": project / "warehouse" / "demo.duckdb",
            "own_db": project / "warehouse" / "ai_finops.duckdb"}


def test_the_demo_has_its_own_warehouse(demo_then_own) -> None:
    demo = demo_then_own["demo_db"]
    assert query(demo, "select count(*) from fct_llm_requests")[0][0] > 0
    # the demo company's closed September and its shared costs are in the demo's books
    assert query(demo, "select count(*) from int_llm_cost_entries_closed")[0][0] > 0
    assert query(demo, "select count(*) from int_shared_costs_allocated")[0][0] > 0


def test_the_users_warehouse_holds_only_their_requests(demo_then_own) -> None:
    own, demo = demo_then_own["own_db"], demo_then_own["demo_db"]
    assert query(own, "select count(*) from fct_llm_requests")[0][0] == (
        demo_then_own["manifest"]["unique_requests"])
    demo_ids = {r for (r,) in query(demo, "select request_id from fct_llm_requests")}
    own_ids = {r for (r,) in query(own, "select request_id from fct_llm_requests")}
    assert not demo_ids & own_ids
    # only the user's months (November 2026), in every monthly mart
    for mart, month in [("rpt_pnl_monthly", "usage_month"), ("rpt_chargeback_monthly", "charge_month"),
                        ("fct_llm_cost_entries", "booked_month")]:
        months = {str(m)[:7] for (m,) in query(own, f"select distinct {month} from {mart}")}
        assert months <= {"2026-11"}, (mart, months)


def test_no_demo_configuration_reaches_the_users_books(demo_then_own) -> None:
    own = demo_then_own["own_db"]
    # no closed month, no shared platform cost, no budget, no cost center but the starter's
    assert query(own, "select count(*) from int_llm_cost_entries_closed")[0][0] == 0
    assert query(own, "select count(*) from int_shared_costs_allocated")[0][0] == 0
    assert query(own, "select count(*) from closed_periods")[0][0] == 0
    # (the generated logs tag the demo's features: their spend is listed, with no budget)
    assert query(own, "select count(*) from rpt_feature_budgets_monthly "
                      "where budget_usd is not null")[0][0] == 0
    centers = {c for (c,) in query(own, "select distinct cost_center from fct_llm_cost_entries")}
    assert centers == {"CC-900"}
    # the build report says where the user's numbers are
    assert "warehouse/ai_finops.duckdb" in demo_then_own["build"].stdout
