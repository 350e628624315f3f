"""Tests for the synthetic LiteLLM log generator (ai_finops/generate.py).

The generator's manifest is the truth that warehouse tests compare against, so most tests here
re-derive that truth from the written files alone and check it matches.
"""

from __future__ import annotations

import collections
import datetime as dt
import gzip
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # run from anywhere, without a conftest
    sys.path.insert(0, str(REPO_ROOT))

from ai_finops import generate

ALL_MODELS = {
    "openai": {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-5-mini", "gpt-5.4",
               "o3-mini", "text-embedding-3-small"},
    "anthropic": {"claude-sonnet-4-5", "claude-haiku-4-5"},
    "gemini": {"gemini-2.5-flash", "gemini-2.5-pro"},
}
KNOWN_FEATURES = {"rag-search", "doc-summarize", "support-copilot", "sales-email",
                  "meeting-notes", "eval-harness"}
SMALL = {"requests": 2000, "days": 3, "start": "2026-09-01", "seed": 42, "files_per_day": 2,
         "duplicate_rate": 0.02, "malformed": 8}


def _run(out: Path, **overrides) -> dict:
    return generate.generate(out, **{**SMALL, **overrides})


def _data_files(out: Path) -> list[Path]:
    """Landing files in the manifest's order (day, then part)."""
    manifest = json.loads((out / generate.MANIFEST_NAME).read_text())
    return [out / f["path"] for f in manifest["files"]]


def _read_lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return fh.read().splitlines()


def _classify(line: str) -> tuple[str, dict | None]:
    """Sort a line into 'valid' or the malformed class a loader would reject it for."""
    try:
        rec = json.loads(line)
    except json.JSONDecodeError:
        return "invalid_json", None
    if "id" not in rec:
        return "missing_id", rec
    if not isinstance(rec["startTime"], (int, float)):
        return "non_numeric_start_time", rec
    if rec["prompt_tokens"] < 0:
        return "negative_prompt_tokens", rec
    return "valid", rec


def _expected_cost(rec: dict) -> float:
    """Recompute response_cost from generate.PRICES, independently of the generator's code."""
    if rec["status"] == "failure":
        return 0.0
    usage = rec["metadata"]["usage_object"]
    prompt = rec["prompt_tokens"]
    cached = usage["prompt_tokens_details"]["cached_tokens"]
    cache_write = usage.get("cache_creation_input_tokens", 0)
    price = generate.PRICES[rec["model"]]
    if "long_context" in price and prompt > price["long_context"]["threshold"]:
        price = price["long_context"]

    def rate(cls: str) -> float:
        return (price[cls] or 0.0) / 1_000_000

    cost = ((prompt - cached - cache_write) * rate("input") + cached * rate("cache_read")
            + cache_write * rate("cache_write") + rec["completion_tokens"] * rate("output"))
    return cost * {None: 1.0, "flex": 0.5, "priority": 1.8}[rec["cost_breakdown"]["service_tier"]]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict, list[tuple[int, str]]]:
    """One small run shared by the read-only tests: (out dir, manifest, [(file index, line)])."""
    out = tmp_path_factory.mktemp("small")
    manifest = _run(out)
    lines = [(i, line) for i, path in enumerate(_data_files(out)) for line in _read_lines(path)]
    return out, manifest, lines


def _unique_valid(lines) -> dict[str, dict]:
    unique = {}
    for _, line in lines:
        kind, rec = _classify(line)
        if kind == "valid":
            unique.setdefault(rec["id"], rec)
    return unique


def test_layout_and_manifest_location(small):
    out, manifest, _ = small
    assert (out / "manifest-litellm.json").is_file()
    assert not list((out / "litellm").rglob("*.json"))  # the truth stays outside the landing
    names = sorted(p.relative_to(out).as_posix() for p in (out / "litellm").rglob("*.jsonl"))
    assert names == sorted(f["path"] for f in manifest["files"])
    assert names[0] == "litellm/2026/09/01/litellm-2026-09-01-part1.jsonl"
    assert len(names) == SMALL["days"] * SMALL["files_per_day"]


def test_same_arguments_give_identical_bytes(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    _run(a)
    _run(b)
    _run(c, seed=43)
    files_a, files_b = _data_files(a), _data_files(b)
    assert [p.relative_to(a) for p in files_a] == [p.relative_to(b) for p in files_b]
    for pa, pb in zip(files_a, files_b, strict=True):
        assert pa.read_bytes() == pb.read_bytes()
    manifest = generate.MANIFEST_NAME
    assert (a / manifest).read_bytes() == (b / manifest).read_bytes()
    assert files_a[0].read_bytes() != _data_files(c)[0].read_bytes()


def test_manifest_counts_match_files(small):
    _, manifest, lines = small
    kinds = collections.Counter(_classify(line)[0] for _, line in lines)
    unique = _unique_valid(lines)
    malformed = sum(v for k, v in kinds.items() if k != "valid")

    assert manifest["lines_written"] == len(lines)
    assert manifest["unique_requests"] == len(unique) == SMALL["requests"]
    assert manifest["malformed_lines"] == malformed == SMALL["malformed"]
    assert manifest["malformed_by_class"] == {k: kinds[k] for k in generate.MALFORMED_CLASSES}
    assert all(n == 2 for n in manifest["malformed_by_class"].values())  # 8 spread over 4
    assert manifest["duplicate_lines"] == len(lines) - len(unique) - malformed > 0
    per_file = collections.Counter(i for i, _ in lines)
    assert [f["lines"] for f in manifest["files"]] == [per_file[i] for i in range(len(per_file))]


def test_manifest_aggregates_match_files(small):
    _, manifest, lines = small
    unique = _unique_valid(lines)
    groups = collections.defaultdict(collections.Counter)
    costs = collections.defaultdict(float)
    for rec in unique.values():
        month = dt.datetime.fromtimestamp(rec["startTime"], dt.UTC).strftime("%Y-%m")
        key = (rec["custom_llm_provider"], rec["model"], month)
        usage = rec["metadata"]["usage_object"]
        groups[key].update({
            "requests": 1,
            "failed_requests": rec["status"] == "failure",
            "prompt_tokens": rec["prompt_tokens"],
            "completion_tokens": rec["completion_tokens"],
            "cache_read_tokens": usage["prompt_tokens_details"]["cached_tokens"],
            "cache_write_tokens": usage.get("cache_creation_input_tokens", 0),
            "reasoning_tokens": usage["completion_tokens_details"]["reasoning_tokens"],
        })
        costs[key] += rec["response_cost"]
    rows = {(r["provider"], r["model"], r["month"]): r for r in manifest["by_model_month"]}
    assert set(rows) == set(groups)
    for key, row in rows.items():
        for col in ("requests", "failed_requests", "prompt_tokens", "completion_tokens",
                    "cache_read_tokens", "cache_write_tokens", "reasoning_tokens"):
            assert row[col] == groups[key][col], (key, col)
        assert math.isclose(row["response_cost"], costs[key], rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(manifest["total_response_cost"], sum(costs.values()), rel_tol=1e-9)
    tagging = manifest["tagging"]
    assert tagging["tagged"] + tagging["key_only"] + tagging["untagged"] == len(unique)
    assert sum(r["requests"] for r in manifest["by_feature"]) == len(unique)


def test_duplicates_are_byte_identical_and_late(small):
    _, _, lines = small
    first_seen: dict[str, tuple[int, int, str]] = {}
    redeliveries = 0
    for pos, (file_index, line) in enumerate(lines):
        kind, rec = _classify(line)
        if kind != "valid":
            continue
        if rec["id"] in first_seen:
            first_pos, first_file, first_line = first_seen[rec["id"]]
            assert line == first_line
            assert pos > first_pos
            assert file_index - first_file in (0, 1)  # same or next file
            redeliveries += 1
        else:
            first_seen[rec["id"]] = (pos, file_index, line)
    assert redeliveries > 0


def test_lines_are_canonical_compact_json(small):
    """The generator assembles lines from templates: they must equal json.dumps output."""
    _, _, lines = small
    for _, line in lines:
        kind, rec = _classify(line)
        if kind == "valid":
            assert json.dumps(rec, separators=(",", ":")) == line


def test_record_shape_and_types(small):
    _, _, lines = small
    unique = _unique_valid(lines)
    for rec in unique.values():
        assert rec["id"].startswith("chatcmpl-") and len(rec["id"]) == 45
        assert isinstance(rec["startTime"], float) and isinstance(rec["endTime"], float)
        assert rec["endTime"] >= rec["startTime"]
        assert rec["completionStartTime"] == rec["endTime"]
        assert rec["model"] in ALL_MODELS[rec["custom_llm_provider"]]
        assert "/" not in rec["model"]
        meta = rec["metadata"]
        assert len(meta["user_api_key_hash"]) == 64
        int(meta["user_api_key_hash"], 16)
        assert isinstance(rec["request_tags"], list)
        assert "model_map_information" not in rec and "hidden_params" not in rec
        assert set(rec["cost_breakdown"]) >= {"input_cost", "output_cost", "total_cost",
                                              "service_tier"}
        assert rec["cost_breakdown"]["total_cost"] == rec["response_cost"]
        if rec["model"] == "text-embedding-3-small":
            assert rec["call_type"] == "embedding" and rec["completion_tokens"] == 0
        else:
            assert rec["call_type"] == "completion"
        if rec["status"] == "failure":
            assert rec["response_cost"] == 0 and rec["completion_tokens"] == 0
        else:
            assert rec["status"] == "success"
        tier = rec["cost_breakdown"]["service_tier"]
        assert tier is None or (tier in ("flex", "priority")
                                and rec["model"] in generate.TIERED_MODELS)


def test_timestamps_fall_in_the_file_day(small):
    out, _, _ = small
    for path in _data_files(out):
        day = dt.date.fromisoformat(path.name[len("litellm-"):len("litellm-") + 10])
        for line in _read_lines(path):
            kind, rec = _classify(line)
            if kind != "valid":
                continue
            start = dt.datetime.fromtimestamp(rec["startTime"], dt.UTC)
            # a re-delivery may land in the next day's first file
            assert start.date() in (day, day - dt.timedelta(days=1))


def test_token_semantics(small):
    _, _, lines = small
    seen_cache_write = seen_reasoning = False
    for rec in _unique_valid(lines).values():
        usage = rec["metadata"]["usage_object"]
        cached = usage["prompt_tokens_details"]["cached_tokens"]
        cache_write = usage.get("cache_creation_input_tokens", 0)
        reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
        assert rec["prompt_tokens"] >= cached + cache_write >= 0
        assert rec["completion_tokens"] >= reasoning >= 0
        assert rec["total_tokens"] == rec["prompt_tokens"] + rec["completion_tokens"]
        assert usage["prompt_tokens"] == rec["prompt_tokens"]
        assert usage["completion_tokens"] == rec["completion_tokens"]
        if cache_write:
            assert rec["custom_llm_provider"] == "anthropic"
            seen_cache_write = True
        if reasoning:
            assert rec["model"] in {"gpt-5-mini", "o3-mini", "gpt-5.4"}
            seen_reasoning = True
    assert seen_cache_write and seen_reasoning


def test_response_cost_matches_price_table(small):
    _, _, lines = small
    for rec in _unique_valid(lines).values():
        assert abs(_expected_cost(rec) - rec["response_cost"]) < 1e-12, rec["id"]


def test_compute_cost_long_context_and_tiers():
    # Above the threshold every token class switches to the long-context rates.
    _, _, below = generate.compute_cost("gpt-5.4", 272_000, 0, 0, 1000)
    _, _, above = generate.compute_cost("gpt-5.4", 272_001, 1, 0, 1000)
    assert below == pytest.approx(272_000 * 2.5e-6 + 1000 * 15e-6)
    assert above == pytest.approx(272_000 * 5e-6 + 1 * 0.5e-6 + 1000 * 22.5e-6)
    _, _, pro = generate.compute_cost("gemini-2.5-pro", 200_001, 0, 0, 10)
    assert pro == pytest.approx(200_001 * 2.5e-6 + 10 * 15e-6)
    _, _, sonnet = generate.compute_cost("claude-sonnet-4-5", 1000, 300, 200, 100)
    assert sonnet == pytest.approx(500 * 3e-6 + 300 * 0.3e-6 + 200 * 3.75e-6 + 100 * 15e-6)
    std = generate.compute_cost("gpt-5-mini", 1000, 0, 0, 100)[2]
    assert generate.compute_cost("gpt-5-mini", 1000, 0, 0, 100, "flex")[2] == pytest.approx(
        std * 0.5)
    assert generate.compute_cost("gpt-5-mini", 1000, 0, 0, 100, "priority")[2] == pytest.approx(
        std * 1.8)


def test_mix_sanity(tmp_path):
    manifest = generate.generate(tmp_path, requests=5000, days=2, start="2026-09-30", seed=7,
                                 duplicate_rate=0.0)
    lines = [(0, line) for p in _data_files(tmp_path) for line in _read_lines(p)]
    unique = _unique_valid(lines)
    models = {(r["custom_llm_provider"], r["model"]) for r in unique.values()}
    assert models == {(p, m) for p, ms in ALL_MODELS.items() for m in ms}
    assert {r["month"] for r in manifest["by_model_month"]} == {"2026-09", "2026-10"}

    n = len(unique)
    untagged = [r for r in unique.values()
                if not r["request_tags"] and r["metadata"]["user_api_key_alias"] is None]
    key_only = [r for r in unique.values()
                if not r["request_tags"] and r["metadata"]["user_api_key_alias"] is not None]
    assert 0.03 < len(untagged) / n < 0.08
    assert 0.07 < len(key_only) / n < 0.14
    for r in untagged:
        assert r["metadata"]["user_api_key_team_alias"] is None
        assert r["metadata"]["spend_logs_metadata"] is None
    for r in key_only:
        assert r["metadata"]["spend_logs_metadata"] is None and r["end_user"] is None

    features = collections.Counter()
    for r in unique.values():
        tags = dict(t.split(":", 1) for t in r["request_tags"])
        if not tags:
            continue
        features[tags["feature"]] += 1
        assert r["metadata"]["spend_logs_metadata"] == {"feature": tags["feature"],
                                                        "env": tags["env"]}
        assert tags["region"] in {"us-east-1", "eu-west-1", "ap-southeast-1"}
        assert tags.get("customer") == r["end_user"]
        assert r["metadata"]["user_api_key_alias"] == (
            f"{r['metadata']['user_api_key_team_alias']}-{tags['env']}-key")
        if tags["feature"] == "eval-harness":
            assert tags["env"] == "dev" and "customer" not in tags
    assert KNOWN_FEATURES <= set(features)
    unknown = set(features) - KNOWN_FEATURES
    assert unknown and sum(features[f] for f in unknown) == manifest["tagging"]["unknown_feature"]
    assert 0.002 < manifest["tagging"]["unknown_feature"] / n < 0.025
    embeddings = sum(r["call_type"] == "embedding" for r in unique.values())
    assert 0.01 < embeddings / n < 0.06


def test_messages_option(tmp_path):
    with_msgs = _run(tmp_path / "with", malformed=0, duplicate_rate=0.0)
    without = _run(tmp_path / "without", malformed=0, duplicate_rate=0.0, with_messages=False)
    assert with_msgs["by_model_month"] == without["by_model_month"]  # PII is independent
    recs = [json.loads(line) for p in _data_files(tmp_path / "with") for line in _read_lines(p)]
    for rec in recs[:50]:
        (message,) = rec["messages"]
        assert "@example.com" in message["content"] and "+1-555-01" in message["content"]
        assert len(message["content"]) < 100
    # Leaving messages out changes nothing else, byte for byte.
    for p_with, p_without in zip(_data_files(tmp_path / "with"),
                                 _data_files(tmp_path / "without"), strict=True):
        for l_with, l_without in zip(_read_lines(p_with), _read_lines(p_without), strict=True):
            rec = json.loads(l_with)
            del rec["messages"]
            assert json.dumps(rec, separators=(",", ":")) == l_without


def test_planting_noise_does_not_change_the_requests(tmp_path):
    clean = _run(tmp_path / "clean", malformed=0, duplicate_rate=0.0)
    noisy = _run(tmp_path / "noisy", malformed=5, duplicate_rate=0.05)
    assert clean["by_model_month"] == noisy["by_model_month"]

    def valid_lines(out):
        lines = [(0, line) for p in _data_files(out) for line in _read_lines(p)]
        return {k: json.dumps(v) for k, v in _unique_valid(lines).items()}

    assert valid_lines(tmp_path / "clean") == valid_lines(tmp_path / "noisy")


def test_gzip_output(tmp_path):
    plain = _run(tmp_path / "plain")
    gz = _run(tmp_path / "gz", use_gzip=True)
    files = _data_files(tmp_path / "gz")
    assert all(p.name.endswith(".jsonl.gz") for p in files)
    for p_plain, p_gz in zip(_data_files(tmp_path / "plain"), files, strict=True):
        with gzip.open(p_gz, "rb") as fh:
            assert fh.read() == p_plain.read_bytes()
    assert gz["lines_written"] == plain["lines_written"]
    again = _run(tmp_path / "gz2", use_gzip=True)  # gzip headers carry no time stamp
    assert gz == {**again, "files": gz["files"]}
    assert files[0].read_bytes() == _data_files(tmp_path / "gz2")[0].read_bytes()


def test_cli_and_refusal_to_mix_runs(tmp_path, capsys):
    args = ["--requests", "300", "--days", "2", "--start", "2026-10-01", "--seed", "3",
            "--out", str(tmp_path), "--files-per-day", "3", "--malformed", "4", "--no-messages"]
    assert generate.main(args) == 0
    manifest = json.loads((tmp_path / "manifest-litellm.json").read_text())
    assert manifest["params"]["with_messages"] is False
    assert len(manifest["files"]) == 6
    assert generate.main(args) == 2  # would leave stale files the manifest does not describe
    assert "already holds" in capsys.readouterr().err
    assert generate.main([*args, "--days", "1", "--overwrite"]) == 0
    assert len(list((tmp_path / "litellm").rglob("*.jsonl"))) == 3


def test_memory_stays_bounded(tmp_path):
    """200k requests (~250 MB of JSON) must not grow the process by more than a few MB.

    Measured as the peak RSS of a child process, relative to a tiny run in another child:
    tracemalloc would be cleaner but slows this generator down thirty-fold.
    """
    script = (
        "import resource, sys\n"
        f"sys.path.insert(0, {str(REPO_ROOT)!r})\n"
        "from ai_finops import generate\n"
        "generate.generate(sys.argv[1], requests=int(sys.argv[2]), days=2, "
        "start='2026-09-01', seed=1)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )

    def peak_rss(n: int) -> int:
        out = tmp_path / str(n)
        res = subprocess.run([sys.executable, "-c", script, str(out), str(n)], check=True,
                             capture_output=True, text=True)
        size = sum(p.stat().st_size for p in (out / "litellm").rglob("*.jsonl"))
        assert n < 1000 or size > n * 500  # the data really was big
        return int(res.stdout.strip()) * (1 if sys.platform == "darwin" else 1024)

    growth = peak_rss(200_000) - peak_rss(500)
    assert growth < 50 * 2**20, f"peak RSS grew by {growth / 2**20:.1f} MB"
