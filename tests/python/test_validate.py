"""The landing gate (ai_finops.validate): great-expectations suites on every landing batch.

The gate runs in this process (great-expectations is imported once), on the bundled sample, on
the bad-input catalogue and on copies made for the row cap and --new-only. It must flag each
bad-input class with the right expectation, file and line, stay quiet on clean data, never
change a landing file, and never copy message content into its report.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import SAMPLE, copy_sample

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "bad_input"))
from catalogue import MAX_LINE_BYTES, BadInput, catalogue, write_landing

CLASSES = catalogue()


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _findings(report: dict) -> dict[str, list[tuple]]:
    """file name -> [(column, severity, [line numbers])]"""
    found: dict[str, list[tuple]] = {}
    for files in report["sources"].values():
        for f in files:
            for x in f["failures"]:
                found.setdefault(Path(f["path"]).name, []).append(
                    (x["column"], x["severity"], [r.get("line_number") for r in x["rows"]]))
    return found


@pytest.fixture(scope="module")
def gate():
    from ai_finops import validate

    return validate


@pytest.fixture(scope="module")
def sample_gate(gate, tmp_path_factory) -> SimpleNamespace:
    reports = tmp_path_factory.mktemp("gate_sample")
    before = _digest(SAMPLE)
    report = gate.run_gate(SAMPLE, report_dir=reports)
    return SimpleNamespace(report=report, reports=reports, before=before)


@pytest.fixture(scope="module")
def bad_gate(gate, tmp_path_factory) -> SimpleNamespace:
    work = tmp_path_factory.mktemp("gate_bad")
    raw = copy_sample(work / "raw")
    write_landing(raw)
    before = _digest(raw)
    cfg = dataclasses.replace(gate.load_config(), max_line_bytes=MAX_LINE_BYTES)
    report = gate.run_gate(raw, report_dir=work / "reports", cfg=cfg)
    return SimpleNamespace(raw=raw, report=report, reports=work / "reports", before=before,
                           found=_findings(report), cfg=cfg)


def test_the_sample_passes_with_both_suites(sample_gate) -> None:
    report = sample_gate.report
    assert set(report["sources"]) == {"litellm", "otel"}
    assert report["critical_failures"] == 0 and report["warnings"] == 0
    assert sum(f["lines"] for f in report["sources"]["litellm"]) == 303
    assert (sample_gate.reports / "landing_gate.html").read_text().startswith("<!doctype html>")


@pytest.mark.parametrize("bad", CLASSES, ids=[b.name for b in CLASSES])
def test_each_bad_input_class_is_flagged_where_it_is(bad_gate, bad: BadInput) -> None:
    for name, column, line in bad.gate:
        hits = [lines for col, _sev, lines in bad_gate.found.get(name, []) if col == column]
        assert hits, f"{bad.name}: no {column} finding on {name}: {bad_gate.found.get(name)}"
        if line is not None:
            assert any(line in lines for lines in hits), (bad.name, column, hits)
    if not bad.gate:  # handled cleanly: the gate has nothing to say about the file
        for name in bad.files:
            assert name not in bad_gate.found, (bad.name, bad_gate.found.get(name))


def test_the_gate_never_changes_a_landing_file(sample_gate, bad_gate) -> None:
    assert _digest(SAMPLE) == sample_gate.before
    assert _digest(bad_gate.raw) == bad_gate.before


def test_the_report_names_file_rows_and_outcome_but_no_message_content(bad_gate) -> None:
    page = (bad_gate.reports / "landing_gate.html").read_text()
    data = (bad_gate.reports / "landing_gate.json").read_text()
    assert "FAILED" in page
    assert "negative.jsonl" in page and "quarantined: negative_tokens" in page
    # the conflict is reported with its line numbers
    conflict = next(f for f in json.loads(data)["sources"]["litellm"]
                    if f["path"].endswith("conflict.jsonl"))
    versions = next(x for x in conflict["failures"] if x["column"] == "id_versions")
    assert [r["line_number"] for r in versions["rows"]] == [1, 2, 3]
    assert versions["severity"] == "critical"
    # message content of the sample (planted personal data) and of the catalogue never appear
    for text in (page, data):
        assert "alice@example.com" not in text and "Caf" not in text and "xxxxxxxx" not in text
    # ids a caller garbled are flagged but their values are not echoed
    sql_file = next(f for f in json.loads(data)["sources"]["litellm"]
                    if f["path"].endswith("quote file.jsonl"))
    assert all(x["values_hidden"] and "value" not in x["rows"][0] for x in sql_file["failures"])


def test_severity_error_fails_on_a_critical_finding_and_warn_does_not(gate, bad_gate,
                                                                      tmp_path, capsys) -> None:
    args = ["--raw-dir", str(bad_gate.raw), "--report-dir", str(tmp_path)]
    assert gate.main([*args, "--source", "litellm"]) == 0
    # the console names each finding's file and line, and what the build does with it
    epoch = [line for line in capsys.readouterr().out.splitlines()
             if "epoch.jsonl" in line and "time_before_start" in line]
    assert len(epoch) == 1 and epoch[0].split()[0] == "critical", epoch
    assert f"{bad_gate.raw}/litellm/" in epoch[0] and "(line 1)" in epoch[0]
    assert gate.main([*args, "--source", "litellm", "--severity", "error"]) == 1
    assert gate.main(["--raw-dir", str(SAMPLE), "--report-dir", str(tmp_path),
                      "--severity", "error"]) == 0


def test_a_row_cap_bounds_the_work_and_says_so(gate, tmp_path) -> None:
    raw = copy_sample(tmp_path / "raw")
    report = gate.run_gate(raw, sources=["litellm"], max_rows_per_file=10,
                           report_dir=tmp_path / "reports")
    files = report["sources"]["litellm"]
    assert [f["records_validated"] for f in files] == [10, 10]
    assert all(f["capped"] and f["lines"] > 10 for f in files)
    assert "Row cap: only the first 10 lines" in (tmp_path / "reports" / "landing_gate.html") \
        .read_text()


def test_new_only_validates_files_once(gate, tmp_path) -> None:
    raw = copy_sample(tmp_path / "raw")
    reports = tmp_path / "reports"
    first = gate.run_gate(raw, sources=["litellm"], new_only=True, report_dir=reports)
    assert len(first["sources"]["litellm"]) == 2
    again = gate.run_gate(raw, sources=["litellm"], new_only=True, report_dir=reports)
    assert again["sources"] == {} and again["skipped_unchanged_files"] == 2
    shutil.copy(raw / "litellm" / "litellm-2026-10.jsonl", raw / "litellm" / "late.jsonl")
    third = gate.run_gate(raw, sources=["litellm"], new_only=True, report_dir=reports)
    assert [Path(f["path"]).name for f in third["sources"]["litellm"]] == ["late.jsonl"]


def _otlp_line(*spans: dict) -> str:
    return json.dumps({"resourceSpans": [{"resource": {"attributes": []},
                                          "scopeSpans": [{"scope": {"name": "t"},
                                                          "spans": list(spans)}]}]})


def _span(span_id: str, start_ns: int, attributes: dict) -> dict:
    def value(v):
        return {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}

    return {"traceId": "ab" * 16, "spanId": span_id, "name": "chat", "kind": 3,
            "startTimeUnixNano": str(start_ns), "endTimeUnixNano": str(start_ns + 10**9),
            "attributes": [{"key": k, "value": value(v)} for k, v in attributes.items()]}


def test_the_otel_suite_flags_bad_spans(gate, tmp_path) -> None:
    t = 1_790_000_000 * 10**9
    ok = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
          "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 10,
          "gen_ai.usage.output_tokens": 5}
    lines = [
        _otlp_line(_span("01" * 8, t, ok),
                   _span("02" * 8, t, {**ok, "gen_ai.usage.input_tokens": -3}),
                   _span("03" * 8, 4_102_444_800 * 10**9, ok),
                   _span("04" * 8, t, {k: v for k, v in ok.items() if "model" not in k})),
        '{"resourceSpans": [',
    ]
    (tmp_path / "raw" / "otel").mkdir(parents=True)
    (tmp_path / "raw" / "otel" / "bad-spans.jsonl").write_text("\n".join(lines) + "\n")
    report = gate.run_gate(tmp_path / "raw", sources=["otel"], report_dir=tmp_path / "reports")
    spans = {}
    for x in report["sources"]["otel"][0]["failures"]:
        spans[x["column"]] = [(r["line_number"], r["span_index"]) for r in x["rows"]]
    assert spans == {"input_tokens": [(1, 2)], "start_time_seconds": [(1, 3)],
                     "has_model": [(1, 4)], "is_json_object": [(2, None)]}
