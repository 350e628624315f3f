"""Smoke tests of the benchmark scripts (bench/) on tiny data.

They check that the scripts run and that what they compare is right (the baseline prices like
the project, the re-pricing edit changes one price, the report is written where it belongs).
No test asserts a speed: timings on a shared machine say nothing, and the targets are read
from BENCHMARKS.md by people.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from ai_finops import generate

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _load("bench")
baseline = _load("baseline")
litellm_pricing = _load("litellm_pricing")
profile_parse = _load("profile_parse")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("bench_tiny")
    manifest = generate.generate(out, requests=1500, days=2, start="2026-09-01", seed=7,
                                 with_messages=False)
    return out, manifest


@pytest.mark.parametrize("reader", ["json", "lines"])
def test_baseline_prices_like_the_generator(tiny, tmp_path, reader):
    raw, manifest = tiny
    res = baseline.run(str(raw), str(ROOT / "seeds"), str(tmp_path / "b.duckdb"), reader)
    assert res["requests"] == manifest["unique_requests"]
    assert res["unpriced_requests"] == 0
    # the generator's prices are the seed's, so list cost equals the logged response_cost
    assert res["list_cost_usd"] == pytest.approx(manifest["total_response_cost"], rel=1e-9)
    assert res["gateway_cost_usd"] == pytest.approx(manifest["total_response_cost"], rel=1e-9)
    assert res["output_rows"] > 0


def test_baseline_sql_reads_the_landing_glob(tmp_path):
    sql = baseline.baseline_sql(str(tmp_path), str(ROOT / "seeds"), "json")
    assert str(tmp_path / "litellm" / "**" / "*.jsonl*") in sql
    assert "effective_from" in sql and "effective_to" in sql


def test_data_is_generated_once_and_reused(tmp_path):
    first = bench.ensure_data(tmp_path, 120, 2, 5, bench.START)
    assert first["reused"] is False and first["requests"] == 120 and first["files"] == 2
    again = bench.ensure_data(tmp_path, 120, 2, 5, bench.START)
    assert again["reused"] is True
    other = bench.ensure_data(tmp_path, 120, 2, 6, bench.START)  # another seed: new data
    assert other["reused"] is False and other["folder"] != first["folder"]
    # a file missing from a reused folder means the manifest no longer describes it
    m = json.loads((Path(first["folder"]) / "manifest-litellm.json").read_text())
    (Path(first["folder"]) / m["files"][0]["path"]).unlink()
    assert bench.ensure_data(tmp_path, 120, 2, 5, bench.START)["reused"] is False


def test_change_a_price_changes_one_cell(tmp_path):
    seed = tmp_path / "model_prices.csv"
    seed.write_bytes((ROOT / "seeds" / "model_prices.csv").read_bytes())
    before = list(csv.DictReader(seed.open()))
    change = bench.change_a_price(seed)
    after = list(csv.DictReader(seed.open()))
    assert len(after) == len(before)
    diffs = [(b, a) for b, a in zip(before, after, strict=True) if a != b]
    assert len(diffs) == 1
    b, a = diffs[0]
    assert {k for k in a if a[k] != b[k]} == {change["column"]}
    assert float(a[change["column"]]) == pytest.approx(float(b[change["column"]]) * 1.1)


def test_litellm_arguments_from_a_record(tiny):
    raw, _ = tiny
    records, lines = litellm_pricing.read_sample(raw, 50)
    assert len(records) == 50 and lines >= 50
    for rec in records:
        kwargs = litellm_pricing.pricing_args(rec)
        usage = rec["metadata"]["usage_object"]
        assert kwargs["model"] == rec["model"]
        assert kwargs["custom_llm_provider"] == rec["custom_llm_provider"]
        assert kwargs["prompt_tokens"] == rec["prompt_tokens"]
        assert kwargs["completion_tokens"] == rec["completion_tokens"]
        assert kwargs["cache_read_input_tokens"] == usage["prompt_tokens_details"]["cached_tokens"]
        tier = rec["cost_breakdown"]["service_tier"]
        assert kwargs.get("service_tier") == tier


def test_report_section_replaces_only_its_block(tmp_path):
    report = tmp_path / "BENCHMARKS.md"
    report.write_text(f"# Benchmarks\n\nprose before\n\n{bench.BEGIN_MARK}\nold\n"
                      f"{bench.END_MARK}\n\nprose after\n")
    bench.write_report(report, "new table")
    text = report.read_text()
    assert "prose before" in text and "prose after" in text
    assert "new table" in text and "\nold\n" not in text
    bench.write_report(report, "newer table")
    assert report.read_text().count(bench.BEGIN_MARK) == 1


def test_bench_end_to_end_on_tiny_data(tmp_path):
    """The whole `make bench` flow on 300 requests (no LiteLLM, no dbt test timing)."""
    report = tmp_path / "BENCHMARKS.md"
    rc = bench.main(["--sizes", "300", "--days", "2", "--out", str(tmp_path / "out"),
                     "--report", str(report), "--skip-litellm", "--skip-tests",
                     "--profile-repeat", "1", "--objects", "40"])
    assert rc == 0
    results = json.loads((tmp_path / "out" / "results" / "latest.json").read_text())
    size = results["sizes"][0]
    s = size["scenarios"]
    for name in ("parse_cold", "startup", "full_build", "baseline", "baseline_lines",
                 "incremental", "reprice", "priced_model"):
        assert s[name]["seconds"] > 0, name
    assert s["full_build"]["rc"] == 0 and s["incremental"]["rc"] == 0
    assert size["after_full_build"]["requests"] == 300
    assert size["incremental_ok"]
    assert s["baseline"]["matches_dbt"]["agrees"], s["baseline"]["matches_dbt"]
    assert s["reprice"]["list_cost_after_usd"] > s["reprice"]["list_cost_before_usd"]
    # a plain build re-priced every open month as the baseline prices the edited seed
    assert s["reprice"]["matches_baseline_on_edited_seed"]["agrees"], s["reprice"]
    # the S3-layout landing: every object file parsed once, both readers timed
    assert s["objects"]["lines_parsed"] == s["objects"]["files"] >= 40
    assert s["objects"]["project"]["rc"] == 0
    assert s["objects"]["read_json"]["seconds"] > 0
    assert s["full_build"]["nodes"], "per-model timings come from run_results.json"
    profile = size["parse_profile"]
    rewrites = [v for v in profile["variants"] if v["kind"] == "rewrite" and "seconds" in v]
    # each rewrite is checked against the model's own result (the answer is reported, and
    # BENCHMARKS.md only proposes rewrites that keep it)
    assert rewrites and all(isinstance(v.get("same_result"), bool) for v in rewrites), rewrites
    text = report.read_text()
    assert bench.BEGIN_MARK in text and "full build" in text and "Targets" in text
    # the bench's copy of the project is where the price edit happened; the real seed is intact
    assert (ROOT / "seeds" / "model_prices.csv").read_text().count("\n") > 1
