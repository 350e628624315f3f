"""`make build` says what is wrong: ai_finops.build_report after a real build.

- A quarantined line is printed with its file, line and reason; in strict mode (CI's
  --fail-on warning) the report exits non-zero, by default it does not.
- A price typed per 1k tokens instead of per million (1000x) builds green in dbt, and the
  report fails it as an error naming the month, the provider, the model and both amounts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import copy_sample, project_copy, run_dbt
from test_period_close import _edit_csv, _scale_price

BUILD = ["build", "--exclude", "resource_type:test", "resource_type:unit_test"]


def _report(db: Path, fail_on: str, work: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ai_finops.build_report", "--database", str(db),
         "--fail-on", fail_on, "--run-results", str(work / "target" / "run_results.json")],
        capture_output=True, text=True, check=False,
        env={**os.environ, "AI_FINOPS_DUCKDB_PATH": str(db)})


def test_the_report_names_quarantined_lines_and_unit_slips(tmp_path: Path) -> None:
    project = project_copy(tmp_path / "project")
    raw = copy_sample(tmp_path / "raw")
    bad = raw / "litellm" / "2026-10-30" / "broken.jsonl"
    bad.parent.mkdir(parents=True)
    bad.write_text('{"id": "chatcmpl-broken", "model": \n')
    db = tmp_path / "wh.duckdb"
    run_dbt(BUILD, raw_dir=raw, db_path=db, project_dir=project, work_dir=tmp_path / "one")

    default = _report(db, "error", tmp_path / "one")
    assert default.returncode == 0, default.stdout
    assert f"{bad}: 1 litellm line(s) quarantined as invalid_json, the first at line 1" \
        in default.stdout
    assert "WARNING" in default.stdout and "ERROR " not in default.stdout
    strict = _report(db, "warning", tmp_path / "one")
    assert strict.returncode == 1

    # the next build reads nothing new: the quarantined line is not reported again as new
    run_dbt(BUILD, raw_dir=raw, db_path=db, project_dir=project, work_dir=tmp_path / "two")
    again = _report(db, "warning", tmp_path / "two")
    assert "quarantined" not in again.stdout and "found no new file" in again.stdout

    # rates typed per 1k tokens: 1000x
    _edit_csv(project / "seeds" / "model_prices.csv", _scale_price("gpt-4o-mini", "1000"))
    run_dbt(BUILD, raw_dir=raw, db_path=db, project_dir=project, work_dir=tmp_path / "three")
    slipped = _report(db, "error", tmp_path / "three")
    assert slipped.returncode == 1, slipped.stdout
    errors = [line for line in slipped.stdout.splitlines() if line.strip().startswith("ERROR")]
    assert errors and all("openai" in line and "gpt-4o-mini" in line and "per 1k" in line
                          for line in errors), slipped.stdout
    assert any(line.split(":")[1].strip().startswith("2026-09") for line in errors)
