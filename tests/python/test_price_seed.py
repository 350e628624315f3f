"""Tests of the price-seed builder and checker (`ai_finops.price_seed`).

The fixture `fixtures/model_prices_excerpt.json` is a dozen real entries of LiteLLM's
`model_prices_and_context_window.json` (litellm 1.106.2), trimmed to their price fields.
"""

from __future__ import annotations

import csv
import glob
import json
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ai_finops import price_seed

FIXTURE = Path(__file__).parent / "fixtures" / "model_prices_excerpt.json"
SEED = REPO / "seeds" / "model_prices.csv"
SAMPLE_GLOB = str(REPO / "data" / "sample" / "litellm" / "*.jsonl")

# Every model of the bundled sample data (LiteLLM and OpenTelemetry), plus the Azure
# deployments the OpenTelemetry source needs.
SAMPLE_MODELS = [
    ("openai", "gpt-4o"),
    ("openai", "gpt-4o-mini"),
    ("openai", "gpt-4.1"),
    ("openai", "gpt-4.1-mini"),
    ("openai", "gpt-5-mini"),
    ("openai", "gpt-5.4"),
    ("openai", "o3-mini"),
    ("openai", "text-embedding-3-small"),
    ("anthropic", "claude-sonnet-4-5"),
    ("anthropic", "claude-haiku-4-5"),
    ("gemini", "gemini-2.5-flash"),
    ("gemini", "gemini-2.5-pro"),
    ("azure", "gpt-4o"),
    ("azure", "gpt-4o-mini"),
]


@pytest.fixture
def price_map() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def row_for(price_map: dict, spec: str, **kwargs) -> dict[str, str]:
    provider, model = price_seed.parse_model_spec(spec)
    _key, entry = price_seed.find_entry(price_map, provider, model)
    return price_seed.price_row(provider, model, entry, **kwargs)


def build(tmp_path: Path, *args: str) -> tuple[int, Path]:
    """Run the CLI on the fixture map, writing tmp_path/seed.csv; return (exit code, path)."""
    out = tmp_path / "seed.csv"
    code = price_seed.main(["--litellm-json", str(FIXTURE), "--out", str(out), *args])
    return code, out


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_seed(path: Path, rows: list[dict[str, str]]) -> None:
    path.write_text(price_seed.render_seed(rows), encoding="utf-8", newline="")


# ---------------------------------------------------------------------------------------------
# Units and rounding
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_token", "expected"),
    [
        (2.5e-07, "0.25"),  # naive float math gives 0.24999999999999997
        (1.25e-08, "0.0125"),
        (2.5e-08, "0.025"),
        (3.75e-06, "3.75"),
        (1.1e-06, "1.1"),
        (1e-05, "10"),
        (1.5e-05, "15"),
        (2e-08, "0.02"),
        (0.0, "0"),
        (0, "0"),
        (1.23456789012345e-06, "1.2345678901"),  # rounded to 10 decimals
    ],
)
def test_usd_per_mtok_scales_and_rounds(per_token, expected):
    assert price_seed.usd_per_mtok(per_token) == expected


def test_numbers_have_no_exponent_or_trailing_zeros(price_map):
    for key, entry in price_map.items():
        if "input_cost_per_token" not in entry:
            continue  # priced per character: not a seed model
        provider, _, model = key.rpartition("/")
        row = price_seed.price_row(provider or entry["litellm_provider"], model, entry)
        for column in price_seed.PRICE_COLUMNS:
            value = row[column]
            assert "e" not in value.lower(), (key, column, value)
            if "." in value:
                assert not value.endswith("0"), (key, column, value)


# ---------------------------------------------------------------------------------------------
# One row per token class, thresholds, multipliers
# ---------------------------------------------------------------------------------------------


def test_openai_bare_key_classes_and_tiers(price_map):
    row = row_for(price_map, "openai/gpt-4o")
    assert row["input_usd_per_mtok"] == "2.5"
    assert row["cache_read_usd_per_mtok"] == "1.25"
    assert row["cache_write_usd_per_mtok"] == ""  # OpenAI bills no cache writes
    assert row["output_usd_per_mtok"] == "10"
    assert row["long_context_threshold_tokens"] == ""
    assert row["batch_multiplier"] == "0.5"
    assert row["flex_multiplier"] == ""  # gpt-4o has no flex tier
    assert row["priority_multiplier"] == "1.7"
    assert row["effective_from"] == "2025-01-01"
    assert row["effective_to"] == ""
    assert row["price_source"] == price_seed.DEFAULT_PRICE_SOURCE


def test_flex_batch_priority_multipliers(price_map):
    row = row_for(price_map, "openai/gpt-5-mini")
    assert (row["batch_multiplier"], row["flex_multiplier"], row["priority_multiplier"]) == (
        "0.5",
        "0.5",
        "1.8",
    )
    assert row["cache_read_usd_per_mtok"] == "0.025"


def test_multiplier_rounds_to_six_decimals():
    entry = {
        "litellm_provider": "openai",
        "input_cost_per_token": 1.5e-07,
        "input_cost_per_token_priority": 2.5e-07,
        "output_cost_per_token": 6e-07,
    }
    row = price_seed.price_row("openai", "gpt-4o-mini", entry)
    assert row["priority_multiplier"] == "1.666667"


def test_anthropic_cache_write(price_map):
    row = row_for(price_map, "anthropic/claude-sonnet-4-5")
    assert row["input_usd_per_mtok"] == "3"
    assert row["cache_read_usd_per_mtok"] == "0.3"
    assert row["cache_write_usd_per_mtok"] == "3.75"
    assert row["output_usd_per_mtok"] == "15"
    assert row["batch_multiplier"] == "0.5"
    assert row["priority_multiplier"] == ""


def test_azure_prefixed_entry(price_map):
    row = row_for(price_map, "azure/gpt-4o")
    assert (row["provider"], row["model"]) == ("azure", "gpt-4o")
    assert row["input_usd_per_mtok"] == "2.5"
    assert row["cache_read_usd_per_mtok"] == "1.25"
    assert row["batch_multiplier"] == row["flex_multiplier"] == row["priority_multiplier"] == ""


def test_embedding_without_cache_price(price_map):
    row = row_for(price_map, "openai/text-embedding-3-small")
    assert row["input_usd_per_mtok"] == "0.02"
    assert row["output_usd_per_mtok"] == "0"
    assert row["cache_read_usd_per_mtok"] == ""  # no cached-input price: empty, not 0


def test_gemini_above_200k(price_map):
    row = row_for(price_map, "gemini/gemini-2.5-pro")
    assert row["long_context_threshold_tokens"] == "200000"
    assert row["input_above_threshold_usd_per_mtok"] == "2.5"
    assert row["cache_read_above_threshold_usd_per_mtok"] == "0.25"
    assert row["cache_write_above_threshold_usd_per_mtok"] == ""
    assert row["output_above_threshold_usd_per_mtok"] == "15"
    assert row["priority_multiplier"] == "1.8"


def test_openai_above_272k(price_map):
    row = row_for(price_map, "openai/gpt-5.4")
    assert row["long_context_threshold_tokens"] == "272000"
    assert row["input_above_threshold_usd_per_mtok"] == "5"
    assert row["cache_read_above_threshold_usd_per_mtok"] == "0.5"
    assert row["output_above_threshold_usd_per_mtok"] == "22.5"
    assert row["priority_multiplier"] == "2"


def test_lowest_threshold_wins_and_tier_variants_are_ignored():
    entry = {
        "litellm_provider": "openai",
        "input_cost_per_token": 1e-06,
        "output_cost_per_token": 4e-06,
        "input_cost_per_token_above_512k_tokens": 4e-06,
        "input_cost_per_token_above_272k_tokens": 2e-06,
        "output_cost_per_token_above_512k_tokens": 1.6e-05,
        # tier variants and time-based keys must not be read as a threshold
        "input_cost_per_token_above_128k_tokens_priority": 9e-06,
        "cache_creation_input_token_cost_above_1hr": 2e-06,
        # LiteLLM's normalised model info lists absent prices as null
        "output_cost_per_token_above_200k_tokens": None,
    }
    row = price_seed.price_row("openai", "m", entry)
    assert row["long_context_threshold_tokens"] == "272000"
    assert row["input_above_threshold_usd_per_mtok"] == "2"
    # no output price at 272k: empty, so the base output price applies above the threshold
    assert row["output_above_threshold_usd_per_mtok"] == ""


# ---------------------------------------------------------------------------------------------
# Lookup
# ---------------------------------------------------------------------------------------------


def test_prefixed_key_preferred_over_bare_key_of_other_provider(price_map):
    key, entry = price_seed.find_entry(price_map, "gemini", "gemini-2.5-pro")
    assert key == "gemini/gemini-2.5-pro"
    assert entry["litellm_provider"] == "gemini"


def test_bare_key_matches_its_own_provider(price_map):
    # The bare gemini-2.5-pro entry is Vertex AI's; it differs from AI Studio's in shape.
    key, entry = price_seed.find_entry(price_map, "vertex_ai", "gemini-2.5-pro")
    assert key == "gemini-2.5-pro"
    assert entry["litellm_provider"] == "vertex_ai-language-models"
    vertex = row_for(price_map, "vertex_ai/gemini-2.5-pro")
    studio = row_for(price_map, "gemini/gemini-2.5-pro")
    assert vertex["cache_write_above_threshold_usd_per_mtok"] == "0.25"
    assert studio["cache_write_above_threshold_usd_per_mtok"] == ""


def test_bare_key_of_other_provider_is_not_used(price_map):
    # gpt-3.5-turbo-instruct is priced under text-completion-openai, not openai
    with pytest.raises(price_seed.PriceSeedError) as err:
        price_seed.find_entry(price_map, "openai", "gpt-3.5-turbo-instruct")
    assert "text-completion-openai" in str(err.value)
    key, _ = price_seed.find_entry(price_map, "text-completion-openai", "gpt-3.5-turbo-instruct")
    assert key == "gpt-3.5-turbo-instruct"


def test_model_without_token_price_is_refused(price_map):
    with pytest.raises(price_seed.PriceSeedError, match="input_cost_per_token"):
        row_for(price_map, "vertex_ai/medlm-medium")


def test_missing_model_exit_code_and_message(tmp_path, capsys):
    code, out = build(tmp_path, "--model", "openai/gpt-4o", "--model", "openai/gpt-9-turbo")
    assert code == 2
    err = capsys.readouterr().err
    assert "openai/gpt-9-turbo" in err
    assert "not found" in err
    assert "Fix:" in err
    assert not out.exists()  # nothing half-written


def test_bad_model_spec(tmp_path, capsys):
    code, _ = build(tmp_path, "--model", "gpt-4o")
    assert code == 2
    assert "provider/model" in capsys.readouterr().err


def test_no_models_and_no_seed(tmp_path, capsys):
    code, _ = build(tmp_path)
    assert code == 2
    assert "--model" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# Effective dating
# ---------------------------------------------------------------------------------------------

MODELS = ["openai/gpt-4o", "anthropic/claude-sonnet-4-5", "gemini/gemini-2.5-pro", "azure/gpt-4o"]


def initial_seed(tmp_path: Path) -> Path:
    args = [a for spec in MODELS for a in ("--model", spec)]
    code, out = build(tmp_path, *args)
    assert code == 0
    return out


def test_initial_build(tmp_path):
    rows = read_rows(initial_seed(tmp_path))
    assert [(r["provider"], r["model"]) for r in rows] == [
        ("anthropic", "claude-sonnet-4-5"),
        ("azure", "gpt-4o"),
        ("gemini", "gemini-2.5-pro"),
        ("openai", "gpt-4o"),
    ]
    assert {r["effective_from"] for r in rows} == {"2025-01-01"}
    assert {r["effective_to"] for r in rows} == {""}
    assert list(rows[0]) == list(price_seed.COLUMNS)


def test_unchanged_price_changes_nothing(tmp_path):
    out = initial_seed(tmp_path)
    before = out.read_bytes()
    # default models = those in --out; a later --effective-from must not matter either
    code = price_seed.main(
        ["--litellm-json", str(FIXTURE), "--out", str(out), "--effective-from", "2026-11-01"]
    )
    assert code == 0
    assert out.read_bytes() == before


def test_price_change_closes_open_window_and_keeps_history(tmp_path, price_map):
    out = initial_seed(tmp_path)
    rows = read_rows(out)
    # a closed window finance reported on, with prices no longer in LiteLLM's map
    history = dict(rows[3], effective_from="2024-05-13", effective_to="2025-01-01")
    history.update(input_usd_per_mtok="5", output_usd_per_mtok="15", price_source="hand-entered")
    write_seed(out, [*rows, history])

    price_map["gpt-4o"]["input_cost_per_token"] = 2e-06
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(price_map), encoding="utf-8")
    code = price_seed.main(
        ["--litellm-json", str(changed), "--out", str(out), "--effective-from", "2026-11-01"]
    )
    assert code == 0

    after = read_rows(out)
    gpt4o = [r for r in after if (r["provider"], r["model"]) == ("openai", "gpt-4o")]
    assert [(r["effective_from"], r["effective_to"], r["input_usd_per_mtok"]) for r in gpt4o] == [
        ("2024-05-13", "2025-01-01", "5"),
        ("2025-01-01", "2026-11-01", "2.5"),
        ("2026-11-01", "", "2"),
    ]
    assert gpt4o[0] == history  # historical row kept exactly
    # the closed window keeps its old numbers, only the new window's multipliers follow the map
    assert gpt4o[1]["priority_multiplier"] == "1.7"
    assert gpt4o[2]["priority_multiplier"] == "2.125"
    # a window LiteLLM's map opened says why (a jump past price_change_factor is no unit slip)
    assert gpt4o[2]["change_reason"] == f"price changed in {price_seed.DEFAULT_PRICE_SOURCE}"
    assert gpt4o[1]["change_reason"] == ""
    # other models untouched
    others = [r for r in after if r["model"] != "gpt-4o" or r["provider"] != "openai"]
    assert others == [r for r in rows if r["model"] != "gpt-4o" or r["provider"] != "openai"]
    assert price_seed.check(out) == []


def test_price_change_without_later_effective_from_is_refused(tmp_path, price_map, capsys):
    out = initial_seed(tmp_path)
    before = out.read_bytes()
    price_map["claude-sonnet-4-5"]["output_cost_per_token"] = 1.6e-05
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(price_map), encoding="utf-8")
    code = price_seed.main(["--litellm-json", str(changed), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "anthropic/claude-sonnet-4-5" in err and "--effective-from" in err
    assert out.read_bytes() == before


def test_only_chosen_models_are_refreshed(tmp_path, price_map):
    out = initial_seed(tmp_path)
    price_map["gpt-4o"]["input_cost_per_token"] = 2e-06
    price_map["azure/gpt-4o"]["input_cost_per_token"] = 2e-06
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(price_map), encoding="utf-8")
    code = price_seed.main(
        [
            "--litellm-json", str(changed), "--out", str(out),
            "--model", "azure/gpt-4o", "--effective-from", "2026-11-01",
        ]
    )  # fmt: skip
    assert code == 0
    rows = read_rows(out)
    assert len([r for r in rows if (r["provider"], r["model"]) == ("azure", "gpt-4o")]) == 2
    assert len([r for r in rows if (r["provider"], r["model"]) == ("openai", "gpt-4o")]) == 1


def test_retired_model_is_not_reopened_by_default(tmp_path):
    out = initial_seed(tmp_path)
    rows = read_rows(out)
    rows[1]["effective_to"] = "2026-06-01"  # azure/gpt-4o retired
    write_seed(out, rows)
    before = out.read_bytes()
    assert price_seed.main(["--litellm-json", str(FIXTURE), "--out", str(out)]) == 0
    assert out.read_bytes() == before


def test_models_from_other_seed(tmp_path):
    source = initial_seed(tmp_path)
    out = tmp_path / "other.csv"
    code = price_seed.main(
        ["--litellm-json", str(FIXTURE), "--out", str(out), "--models-from", str(source)]
    )
    assert code == 0
    assert out.read_bytes() == source.read_bytes()


def test_invalid_existing_seed_is_not_rewritten(tmp_path, capsys):
    out = initial_seed(tmp_path)
    text = out.read_text(encoding="utf-8").replace(",10,", ",-10,", 1)
    out.write_text(text, encoding="utf-8")
    assert price_seed.main(["--litellm-json", str(FIXTURE), "--out", str(out)]) == 2
    assert "negative" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == text


# ---------------------------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------------------------


def test_same_input_same_bytes(tmp_path):
    first = initial_seed(tmp_path).read_bytes()
    (tmp_path / "seed.csv").unlink()
    reversed_args = [a for spec in reversed(MODELS) for a in ("--model", spec)]
    code, out = build(tmp_path, *reversed_args)
    assert code == 0
    assert out.read_bytes() == first
    assert b"\r" not in first


def test_render_is_order_independent(price_map):
    rows = [row_for(price_map, spec) for spec in MODELS]
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    assert price_seed.render_seed(shuffled) == price_seed.render_seed(rows)


def test_module_runs_as_script(tmp_path):
    out = tmp_path / "seed.csv"
    cmd = [sys.executable, "-m", "ai_finops.price_seed", "--litellm-json", str(FIXTURE)]
    done = subprocess.run(
        [*cmd, "--out", str(out), "--model", "openai/gpt-4o"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "ai_finops.price_seed", "--check", str(out)],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------------------------


def good_rows(price_map) -> list[dict[str, str]]:
    """Valid rows in file order: line 2 claude, 3 azure, 4 gemini, 5 openai (header = line 1)."""
    rows = [row_for(price_map, spec) for spec in MODELS]
    return sorted(rows, key=lambda r: (r["provider"], r["model"], r["effective_from"]))


def test_check_accepts_good_seed(tmp_path, price_map):
    path = tmp_path / "seed.csv"
    write_seed(path, good_rows(price_map))
    assert price_seed.check(path) == []


def test_check_overlap_names_both_lines(tmp_path, price_map, capsys):
    rows = good_rows(price_map)
    rows.append(dict(rows[3], effective_from="2024-01-01", effective_to="2025-06-01"))
    path = tmp_path / "seed.csv"
    write_seed(path, rows)  # the new openai row sorts first: line 5, the open window line 6
    problems = price_seed.check(path)
    assert len(problems) == 1
    assert "lines 5 and 6" in problems[0]
    assert "openai/gpt-4o" in problems[0]
    assert "set effective_to on line 5 to 2025-01-01" in problems[0]
    assert price_seed.main(["--check", str(path)]) == 1
    assert "lines 5 and 6" in capsys.readouterr().err


def test_check_two_open_windows_overlap(tmp_path, price_map):
    rows = good_rows(price_map)
    rows.append(dict(rows[0], effective_from="2026-01-01"))
    path = tmp_path / "seed.csv"
    write_seed(path, rows)
    problems = price_seed.check(path)
    assert len(problems) == 1 and "lines 2 and 3" in problems[0]


def test_check_negative_price(tmp_path, price_map):
    rows = good_rows(price_map)
    rows[2]["cache_read_usd_per_mtok"] = "-0.125"
    path = tmp_path / "seed.csv"
    write_seed(path, rows)
    problems = price_seed.check(path)
    assert len(problems) == 1
    assert "line 4" in problems[0]
    assert "cache_read_usd_per_mtok" in problems[0] and "negative" in problems[0]


def test_check_bad_dates(tmp_path, price_map):
    rows = good_rows(price_map)
    rows[0]["effective_to"] = "2025-01-01"  # equal to effective_from: empty window
    rows[1]["effective_from"] = "2025-13-01"
    rows[2]["effective_to"] = "01/02/2026"
    path = tmp_path / "seed.csv"
    write_seed(path, rows)
    problems = price_seed.check(path)
    assert len(problems) == 3
    assert any("line 2" in p and "not before effective_to" in p for p in problems)
    assert any("line 3" in p and "effective_from '2025-13-01'" in p for p in problems)
    assert any("line 4" in p and "YYYY-MM-DD" in p for p in problems)


def test_check_other_rules(tmp_path, price_map):
    rows = good_rows(price_map)
    rows[0]["input_usd_per_mtok"] = ""
    rows[1]["output_usd_per_mtok"] = "1e-5"
    rows[2]["long_context_threshold_tokens"] = ""
    rows[3]["price_source"] = ""
    path = tmp_path / "seed.csv"
    write_seed(path, rows)
    problems = price_seed.check(path)
    assert any("line 2" in p and "input_usd_per_mtok is empty" in p for p in problems)
    assert any("line 3" in p and "not a plain number" in p for p in problems)
    assert any("line 4" in p and "long_context_threshold_tokens is empty" in p for p in problems)
    assert any("line 5" in p and "price_source is empty" in p for p in problems)


def test_check_header(tmp_path):
    path = tmp_path / "seed.csv"
    path.write_text("provider,model,effective_from\nopenai,gpt-4o,2025-01-01\n", encoding="utf-8")
    problems = price_seed.check(path)
    assert len(problems) == 1
    assert "line 1" in problems[0] and "missing effective_to" in problems[0]


def test_check_missing_file(tmp_path):
    assert price_seed.check(tmp_path / "nope.csv")


# ---------------------------------------------------------------------------------------------
# The committed seed
# ---------------------------------------------------------------------------------------------


def test_committed_seed_passes_check():
    assert price_seed.check(SEED) == []


def test_committed_seed_has_every_sample_model():
    rows = read_rows(SEED)
    for provider, model in SAMPLE_MODELS:
        windows = [r for r in rows if (r["provider"], r["model"]) == (provider, model)]
        assert windows, f"{provider}/{model} missing from {SEED}"
        # the sample (Sept/Oct 2026) must be covered, from 2025-01-01 on
        assert min(r["effective_from"] for r in windows) <= "2025-01-01"
        assert any(not r["effective_to"] for r in windows), f"{provider}/{model} has no open window"


def test_committed_seed_equals_prices_the_gateway_used():
    """Each sample record carries the per-token prices LiteLLM used: the seed must agree."""
    rows = read_rows(SEED)
    files = sorted(glob.glob(SAMPLE_GLOB))
    if not files:
        pytest.skip("bundled LiteLLM sample not present")
    compared = set()
    for name in files:
        with open(name, encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                value = (record.get("model_map_information") or {}).get("model_map_value")
                if not value:
                    continue
                provider, model = record["custom_llm_provider"], record["model"]
                day = datetime.fromtimestamp(record["startTime"], UTC).date().isoformat()
                window = [
                    r
                    for r in rows
                    if (r["provider"], r["model"]) == (provider, model)
                    and r["effective_from"] <= day
                    and (not r["effective_to"] or day < r["effective_to"])
                ]
                assert len(window) == 1, (provider, model, day)
                expected = price_seed.price_row(provider, model, value)
                for column in price_seed.PRICE_COLUMNS:
                    assert window[0][column] == expected[column], (provider, model, column)
                compared.add((provider, model))
    assert len(compared) >= 10
