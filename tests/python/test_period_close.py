"""Valuation and period close through the real build, as finance uses them.

- A back-dated price correction merged into the seed is applied to every open month by a plain
  `dbt build`, with the same result as a warehouse built from scratch on the corrected seed.
- A closed month never changes: a 1000x price built into September before it closed stays in
  September's books, and reverting the price books the correction in October, with its cause and
  the month it belongs to; September plus its adjustments equals September valued today.
- A mapping correction (a feature moved to another cost center) after the close is a reversal
  and a re-booking in the first open month; reopening the month restates it from the seeds.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import DEMO_CONFIG, copy_sample, project_copy, query, run_dbt

BUILD = ["build", "--exclude", "resource_type:unit_test"]
SEP, OCT = "2026-09-01", "2026-10-01"
# every period-closed mart's September, as the books show it
SEPTEMBER = {
    "rpt_pnl_monthly": f"select * from rpt_pnl_monthly where booked_month = '{SEP}'",
    "fct_llm_cost_daily": f"select * from fct_llm_cost_daily where booked_month = '{SEP}'",
    "rpt_feature_cost_to_serve_monthly": "select * exclude (cost_change_usd, cost_change_ratio) "
                                         "from rpt_feature_cost_to_serve_monthly "
                                         f"where booked_month = '{SEP}'",
    "rpt_customer_profitability_monthly": "select * from rpt_customer_profitability_monthly "
                                          f"where revenue_month = '{SEP}'",
    "rpt_feature_budgets_monthly": "select * exclude (as_of_date) from rpt_feature_budgets_monthly "
                                   f"where budget_month = '{SEP}'",
    "rpt_chargeback_monthly": f"select * from rpt_chargeback_monthly where charge_month = '{SEP}'",
}
BY_USAGE = ("select strftime(requested_month, '%Y-%m'), count(*), sum(list_cost_usd) "
            "from fct_llm_requests group by 1 order by 1")


def _september(db: Path) -> dict[str, list]:
    return {mart: sorted(query(db, sql), key=repr) for mart, sql in SEPTEMBER.items()}


def _edit_csv(path: Path, edit) -> None:
    rows = list(csv.DictReader(path.open()))
    fields = list(rows[0].keys()) if rows else next(csv.reader(path.open()))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(edit(rows))
    path.write_text(out.getvalue())


def _scale_price(model: str, factor: str):
    def edit(rows):
        for row in rows:
            if row["model"] == model:
                for column in ("input_usd_per_mtok", "output_usd_per_mtok"):
                    row[column] = str(Decimal(row[column]) * Decimal(factor))
        return rows
    return edit


def _close(*months: str):
    def edit(rows):
        return [{"closed_month": m, "closed_on": "2026-11-05", "closed_by": "finance@example.com",
                 "note": "test close"} for m in months]
    return edit


@pytest.fixture()
def books(tmp_path: Path):
    project = project_copy(tmp_path / "project")
    raw = copy_sample(tmp_path / "raw")

    def build(name: str = "wh", **extra) -> Path:
        db = tmp_path / f"{name}.duckdb"
        build.output = run_dbt(BUILD, raw_dir=raw, db_path=db, project_dir=project,
                               work_dir=tmp_path / name, **extra).stdout
        return db

    return project, build


def test_a_back_dated_price_correction_reaches_every_open_month(books) -> None:
    project, build = books
    _edit_csv(project / DEMO_CONFIG / "closed_periods.csv", _close())  # every month open
    db = build()
    before = query(db, BY_USAGE)
    _edit_csv(project / "seeds" / "model_prices.csv", _scale_price("gpt-4o-mini", "1.5"))
    build()  # a plain build on the same warehouse
    after = query(db, BY_USAGE)
    assert all(a[2] > b[2] for a, b in zip(after, before, strict=True))  # both months re-priced

    fresh = build("fresh")  # a warehouse built from scratch on the corrected seed
    for relation in ("fct_llm_requests", "fct_llm_cost_entries", "rpt_pnl_monthly",
                     "rpt_feature_cost_to_serve_monthly", "rpt_chargeback_monthly"):
        columns = [c for (c,) in query(db, "select column_name from information_schema.columns "
                                           f"where table_name = '{relation}' "
                                           "and column_name not in ('ledger_seq', 'recorded_at', "
                                           "'valuation_seq') "
                                           "order by ordinal_position")]
        select = f"select {', '.join(columns)} from {relation} order by all"
        assert query(db, select) == query(fresh, select), relation


def test_a_closed_month_never_changes_and_corrections_are_adjustments(books) -> None:
    project, build = books
    prices = project / "seeds" / "model_prices.csv"
    original_prices = prices.read_text()
    _edit_csv(project / DEMO_CONFIG / "closed_periods.csv", _close(SEP))
    right = query(build("right"), BY_USAGE)  # September valued with the right prices

    # a price typed 1000x too high is built, and September closes with it
    _edit_csv(prices, _scale_price("gpt-4o-mini", "1000"))
    db = build()
    wrong = query(db, BY_USAGE)
    closed_september = _september(db)
    assert wrong[0][2] > right[0][2]

    # the price is reverted: September stays as it closed, October carries the correction
    prices.write_text(original_prices)
    build()
    assert query(db, BY_USAGE) == right
    assert _september(db) == closed_september  # every finance mart's September, as it closed
    corrections = query(db, f"""select entry_type, sum(requests), sum(cost_usd) from rpt_pnl_monthly
                                where booked_month = '{OCT}' and usage_month = '{SEP}'
                                group by 1""")
    assert corrections == [("price_correction", 0, right[0][2] - wrong[0][2])]
    # September's books plus their adjustments = September valued today
    assert query(db, f"select sum(requests), sum(cost_usd) from rpt_pnl_monthly "
                     f"where usage_month = '{SEP}'") == [(right[0][1], right[0][2])]
    # October's own usage is valued from the seed as it is now
    assert query(db, f"select sum(cost_usd) from rpt_pnl_monthly where booked_month = '{OCT}' "
                     "and entry_type = 'usage'") == [(right[1][2],)]

    # a feature moves to another cost center after the close: reversed and re-booked in October
    def move_rag_search(rows):
        for row in rows:
            if row["feature"] == "rag-search":
                row["cost_center"] = "CC-320"
        return rows
    _edit_csv(project / DEMO_CONFIG / "features.csv", move_rag_search)
    build()
    moved = query(db, f"""select cost_center, sum(requests), sum(cost_usd) from rpt_pnl_monthly
                          where booked_month = '{OCT}' and usage_month = '{SEP}'
                            and entry_type = 'mapping_correction' group by 1 order by 1""")
    rag_search = query(db, f"""select count(*), sum(list_cost_usd) from fct_llm_requests
                               where requested_month = '{SEP}' and feature = 'rag-search'""")[0]
    # the old context gives back what September booked for it (at the 1000x price it closed
    # with), the new one books what the requests are worth now
    assert [(c, n) for c, n, _ in moved] == [("CC-310", -rag_search[0]), ("CC-320", rag_search[0])]
    assert moved[1][2] == rag_search[1]
    assert _september(db) == closed_september
    # September's books plus all their adjustments still equal September valued today
    assert query(db, f"select sum(requests), sum(cost_usd) from rpt_pnl_monthly "
                     f"where usage_month = '{SEP}'") == [(right[0][1], right[0][2])]

    # reopening September restates it from the seeds as they are now, and the build says so
    _edit_csv(project / DEMO_CONFIG / "closed_periods.csv", _close())
    build()
    assert f"Period close: 2026-09 is no longer in {DEMO_CONFIG}/closed_periods.csv" in build.output
    assert query(db, "select count(*) from fct_llm_cost_entries where entry_type <> 'usage'") \
        == [(0,)]
    assert query(db, f"select sum(cost_usd) from rpt_pnl_monthly where booked_month = '{SEP}'") \
        == [(right[0][2],)]
