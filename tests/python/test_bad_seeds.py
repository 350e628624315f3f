"""The bad-seed catalogue: every class of wrong finance edit fails the seed with a message that
names the file, the line and the fix.

All classes are planted at once in one copy of the project, each in its own row(s), and one
`dbt seed` loads every seed: each seed's post-hook check (macros/seed_validation*.sql) fails its
own seed and reports every bad row, so each class is then asserted on its own in the output.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import DEMO_CONFIG, ROOT, SAMPLE, project_copy, run_dbt


@dataclass
class BadSeed:
    name: str
    seed: str
    # what the message must say about the planted row: "line <n>: <problem>" and "Fix: <fix>"
    problem: str
    fix: str
    line: int = 0  # filled in when planted


def _read(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames), list(reader)


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _price(**values) -> dict:
    row = {"effective_from": "2025-01-01", "input_usd_per_mtok": "1", "output_usd_per_mtok": "2",
           "price_source": "test"}
    row.update(values)
    return row


# model_prices: (class, rows to append, the problem on the *last* appended row's line, the fix)
PRICE_CLASSES = [
    ("duplicate_key", [_price(provider="testco", model="dup"), _price(provider="testco", model="dup")],
     "prices for testco/dup start on 2025-01-01 twice", "keep one row per provider, model and effective_from", -2),
    ("overlapping_windows",
     [_price(provider="testco", model="overlap"),
      _price(provider="testco", model="overlap", effective_from="2026-06-01")],
     "prices for testco/overlap overlap: [2025-01-01, open) and [2026-06-01, open)",
     "close the earlier window", -2),
    ("negative_price", [_price(provider="testco", model="negative", output_usd_per_mtok="-2")],
     "testco/negative has a negative price", "cannot be below 0", -1),
    ("window_ends_before_it_starts",
     [_price(provider="testco", model="window", effective_from="2026-06-01",
             effective_to="2026-01-01")],
     "testco/window window [2026-06-01, 2026-01-01) ends on or before it starts",
     "effective_to is exclusive", -1),
    ("multiplier_out_of_range", [_price(provider="testco", model="batch", batch_multiplier="25")],
     "testco/batch has a service-tier multiplier outside (0, 10]", "a multiplier is a factor", -1),
    ("zero_multiplier", [_price(provider="testco", model="flex", flex_multiplier="0")],
     "testco/flex has a service-tier multiplier outside (0, 10]", "a multiplier is a factor", -1),
    ("above_threshold_price_without_threshold",
     [_price(provider="testco", model="long", input_above_threshold_usd_per_mtok="4")],
     "testco/long has above-threshold prices but no long_context_threshold_tokens",
     "set long_context_threshold_tokens", -1),
    ("missing_output_price", [_price(provider="testco", model="noout", output_usd_per_mtok="")],
     "testco/noout has no input or no output price", "fill input_usd_per_mtok and output_usd_per_mtok", -1),
    ("key_not_lower_case", [_price(provider="TestCo", model="Shouty-Model")],
     'provider "TestCo" / model "Shouty-Model" is not lower case', "lower case, no spaces", -1),
    ("missing_effective_from", [_price(provider="testco", model="nostart", effective_from="")],
     "testco/nostart has no effective_from", "set effective_from", -1),
    # a new window typed per 1k tokens (0.001 for $1 per million): 1000x below the one before
    ("unit_slip_against_previous_window",
     [_price(provider="testco", model="slip", effective_to="2026-06-01"),
      _price(provider="testco", model="slip", effective_from="2026-06-01",
             input_usd_per_mtok="0.001", output_usd_per_mtok="0.002")],
     ("prices for testco/slip from 2026-06-01 are input 0.0010000000 and output 0.0020000000 USD per"
      " million tokens against 1.0000000000 and 2.0000000000 in the window before (line"),
     "say why the price changed this much in the row's change_reason", -1),
]


def _other_seed_classes(seeds: Path) -> list[tuple[BadSeed, callable]]:
    """One typical wrong edit per finance seed that has a check (seed post-hook)."""

    def append_copy_of(row_index: int, **changes):
        def plant(rows):
            rows.append({**rows[row_index], **changes})
            return len(rows) + 1  # header is line 1
        return plant

    def change(row_index: int, **changes):
        def plant(rows):
            rows[row_index].update(changes)
            return row_index + 2
        return plant

    catalogue = [
        (BadSeed("duplicate_feature", "features", "feature rag-search appears more than once",
                 "keep one row per feature"), append_copy_of(0)),
        (BadSeed("unknown_usage_type", "features",
                 "usage_type 'production' is not allowed (closest allowed value: 'product').",
                 "usage_type must be one of: product, internal, rnd"),
         append_copy_of(1, feature="new-feature", usage_type="production")),
        (BadSeed("misspelled_pnl_category", "cost_centers",
                 "pnl_category 'cost_of_revenues' is not allowed (closest allowed value:"
                 " 'cost_of_revenue').", "pnl_category must be one of"),
         change(0, pnl_category="cost_of_revenues")),
        (BadSeed("duplicate_api_key", "api_keys", "api key alias search-prod-key appears more than once",
                 "keep one row per api key alias"), append_copy_of(0)),
        (BadSeed("duplicate_rule_priority", "pnl_rules", "rule_priority 10 appears more than once",
                 "keep one row per rule_priority"), append_copy_of(0, rationale="copy")),
        (BadSeed("negative_revenue", "customer_revenue",
                 "customer cust_001 has a negative or empty revenue_usd", "revenue_usd is the recognised revenue"),
         change(0, revenue_usd="-49.00")),
        (BadSeed("markup_out_of_range", "chargeback_policies",
                 "team search has markup_pct 150", "markup_pct is a percent"),
         change(0, markup_pct="150")),
        (BadSeed("cost_month_mid_month", "shared_platform_costs",
                 "cost_month 2026-09-15 is not the first day of a month",
                 "write the month as its first day"), change(0, cost_month="2026-09-15")),
        (BadSeed("shares_not_100", "shared_cost_fixed_shares",
                 "shares of platform_team from 2026-01-01 sum to", "must add up to 100"),
         change(0, share_pct="30")),
        (BadSeed("negative_budget", "budgets",
                 "budget of rag-search has an empty or negative monthly_budget_usd",
                 "monthly_budget_usd is the allowance"), change(0, monthly_budget_usd="-1")),
        (BadSeed("closed_before_month_end", "closed_periods",
                 "month 2026-09-01 is closed on 2026-09-20, before the month ended",
                 "a month closes after its last day"), change(0, closed_on="2026-09-20")),
    ]
    return [(bad, plant) for bad, plant in catalogue if (seeds / f"{bad.seed}.csv").exists()]


def _project_copy(tmp_path: Path) -> Path:
    return project_copy(tmp_path / "project")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """Every bad-seed class planted in one project copy; one `dbt seed` of every seed."""
    work = tmp_path_factory.mktemp("bad_seeds")
    project = _project_copy(work)
    seeds = project / "seeds"
    config = project / DEMO_CONFIG
    classes: dict[str, BadSeed] = {}

    header, rows = _read(seeds / "model_prices.csv")
    for name, new_rows, problem, fix, which in PRICE_CLASSES:
        rows.extend({k: r.get(k, "") for k in header} for r in new_rows)
        classes[name] = BadSeed(name, "model_prices", problem, fix, line=len(rows) + 2 + which)
    rows.extend({k: r.get(k, "") for k in header} for r in [
        _price(provider="testco", model="cut", effective_to="2026-06-01"),
        _price(provider="testco", model="cut", effective_from="2026-06-01",
               input_usd_per_mtok="0.001", output_usd_per_mtok="0.002",
               change_reason="provider price cut, contract 2026-05"),
    ])
    _write(seeds / "model_prices.csv", header, rows)

    planted: dict[str, tuple[list[str], list[dict]]] = {}
    for bad, plant in _other_seed_classes(config):
        header, rows = planted.setdefault(bad.seed, _read(config / f"{bad.seed}.csv"))
        bad.line = plant(rows)
        classes[bad.name] = bad
    for seed, (header, rows) in planted.items():
        _write(config / f"{seed}.csv", header, rows)

    proc = run_dbt(["seed"], raw_dir=SAMPLE, db_path=work / "wh.duckdb", project_dir=project,
                   work_dir=work, check=False)
    return proc, classes


def test_the_seed_run_fails(seeded) -> None:
    proc, _ = seeded
    assert proc.returncode != 0


def test_a_price_jump_with_a_change_reason_passes(seeded) -> None:
    """The same 1000x jump as the unit slip, with a change_reason: not reported."""
    proc, _ = seeded
    assert "testco/cut" not in proc.stdout
    assert "1000.0x apart, more than 3.0x (about 1000x: a price per 1k tokens" in proc.stdout


def _all_class_names() -> list[str]:
    return [c[0] for c in PRICE_CLASSES] + [
        bad.name for bad, _ in _other_seed_classes(ROOT / DEMO_CONFIG)]


@pytest.mark.parametrize("name", _all_class_names())
def test_each_bad_edit_is_named_with_its_file_line_and_fix(seeded, name: str) -> None:
    proc, classes = seeded
    bad = classes[name]
    out = proc.stdout
    folder = "seeds" if bad.seed == "model_prices" else DEMO_CONFIG
    assert f"{folder}/{bad.seed}.csv has " in out, out[-3000:]
    expected = f"line {bad.line}: {bad.problem}"
    assert expected in out, f"{expected!r} not in:\n{out[-4000:]}"
    message_line = next(m for m in out.splitlines() if expected in m)
    assert " Fix: " in message_line and bad.fix in message_line.split(" Fix: ", 1)[1]


def test_every_checked_seed_is_in_the_catalogue() -> None:
    """A finance seed with a post-hook check must have at least one class here."""
    import yaml

    hooks = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["seeds"]["ai_finops"]
    checked = {seed for seed, config in hooks.items()
               if isinstance(config, dict) and "+post-hook" in config}
    covered = {"model_prices"} | {bad.seed for bad, _ in _other_seed_classes(ROOT / DEMO_CONFIG)}
    assert checked <= covered, f"seeds with checks but no bad-seed class: {checked - covered}"


def test_check_seeds_names_a_reference_to_an_unknown_cost_center(tmp_path: Path) -> None:
    """`make check-seeds` (seed, then the references between seeds): a feature pointing to a cost
    center that cost_centers.csv lacks fails with the file, the line and the fix, before any
    model is built."""
    project = project_copy(tmp_path / "project")
    header, rows = _read(project / DEMO_CONFIG / "features.csv")
    rows[1]["cost_center"] = "CC-999"
    _write(project / DEMO_CONFIG / "features.csv", header, rows)
    db = tmp_path / "seeds.duckdb"
    run_dbt(["seed"], raw_dir=SAMPLE, db_path=db, project_dir=project, work_dir=tmp_path)
    proc = run_dbt(["run-operation", "ai_finops.check_seed_references"], raw_dir=SAMPLE,
                   db_path=db, project_dir=project, work_dir=tmp_path, check=False)
    assert proc.returncode != 0
    assert f"{DEMO_CONFIG}/features.csv has " in proc.stdout, proc.stdout[-3000:]
    assert (f"line 3: feature {rows[1]['feature']} points to cost center CC-999, which is not "
            "in cost_centers.csv (closest allowed value: 'CC-900').") in proc.stdout
    assert f"Fix: add the cost center to {DEMO_CONFIG}/cost_centers.csv" in proc.stdout


def test_a_date_in_another_format_is_named_with_the_format_expected(tmp_path: Path) -> None:
    """A US-format date (12/01/2026) in a date column: the seed's pre-hook reads the file as
    text and names file, line, value and the format, before the engine's conversion fails."""
    project = project_copy(tmp_path / "project")
    closed = project / DEMO_CONFIG / "closed_periods.csv"
    with closed.open("a", encoding="utf-8") as f:
        f.write("2026-10-01,11/05/2026,finance@example.com,October close typed the US way\n")
    line = len(closed.read_text(encoding="utf-8").splitlines())
    proc = run_dbt(["seed", "--select", "closed_periods"], raw_dir=SAMPLE, db_path=tmp_path / "wh.duckdb",
                   project_dir=project, work_dir=tmp_path, check=False)
    assert proc.returncode != 0
    assert f"{DEMO_CONFIG}/closed_periods.csv has 1 bad row(s)" in proc.stdout, proc.stdout[-3000:]
    assert (f"line {line}: closed_on '11/05/2026' is not a date in the format YYYY-MM-DD. "
            "Fix: write it as year-month-day") in proc.stdout
