"""Chargeback through the real build on the bundled LiteLLM sample: every team charged by its
policy, money conserved, a mid-month price change held centrally, September closed and late
September requests and a retroactive price edit charged as October adjustments, closed books
that survive --full-refresh, and bad chargeback seeds that fail the build naming the file,
line and fix.

One project copy (with a price cut on 2026-10-15 for openai/gpt-4o-mini) is built twice per
module: on the sample, then again after a late September file lands and a past price is edited.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import DEMO_CONFIG, SAMPLE, copy_sample, project_copy, query, run_dbt, table_hash

BUILD = ["build", "--exclude", "resource_type:unit_test"]
PERSISTED = ["int_llm_cost_entries_closed", "int_chargeback_lines_closed"]
SEP, OCT = "2026-09-01", "2026-10-01"
LATE_IDS = [f"late-sep-{i}" for i in range(3)]


def _edit_prices(seed: Path, edit) -> None:
    rows = list(csv.DictReader(seed.open()))
    fields = list(rows[0].keys())
    rows = edit(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    seed.write_text(out.getvalue())


def _cut_gpt4o_mini_mid_october(rows: list[dict]) -> list[dict]:
    """openai/gpt-4o-mini costs half from 2026-10-15 (the old window closes that day)."""
    out = []
    for row in rows:
        out.append(row)
        if row["provider"] == "openai" and row["model"] == "gpt-4o-mini":
            row["effective_to"] = "2026-10-15"
            cut = dict(row, effective_from="2026-10-15", effective_to="")
            for col in ("input_usd_per_mtok", "cache_read_usd_per_mtok", "output_usd_per_mtok"):
                cut[col] = str(Decimal(row[col]) / 2)
            out.append(cut)
    return out


def _raise_haiku_retroactively(rows: list[dict]) -> list[dict]:
    """A past price edited after the fact: closed September must not change."""
    for row in rows:
        if row["model"] == "claude-haiku-4-5":
            row["input_usd_per_mtok"] = "2"
    return rows


def _late_september_records() -> list[dict]:
    """Three September requests, as new ids, that land after September was closed."""
    lines = (SAMPLE / "litellm" / "litellm-2026-09.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    late = [r for r in records if r["model"] != "claude-haiku-4-5"][:3]
    return [dict(r, id=new_id) for r, new_id in zip(late, LATE_IDS)]


def _totals(db: Path) -> dict[str, tuple]:
    rows = query(
        db,
        """select strftime(charge_month, '%Y-%m'), sum(actual_cost_usd), sum(direct_cost_usd),
                  sum(rate_variance_usd), sum(markup_usd), sum(shared_cost_usd),
                  sum(proportional_adjustment_usd), sum(charge_usd), sum(showback_usd)
           from rpt_chargeback_monthly group by 1 order by 1""",
    )
    return {r[0]: r[1:] for r in rows}


@pytest.fixture(scope="module")
def cb(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("chargeback")
    project = project_copy(work / "project")
    prices = project / "seeds" / "model_prices.csv"
    _edit_prices(prices, _cut_gpt4o_mini_mid_october)
    raw = copy_sample(work / "raw")
    db = work / "wh.duckdb"
    kwargs = {"raw_dir": raw, "db_path": db, "project_dir": project, "work_dir": work}

    run_dbt(BUILD, **kwargs)
    first = {
        "totals": _totals(db),
        "hashes": {t: table_hash(db, t) for t in PERSISTED},
        "september": query(db, f"select * from rpt_chargeback_monthly where charge_month = '{SEP}' "
                               "order by team, usage_month"),
        "fact": dict(query(db, "select strftime(requested_month, '%Y-%m'), sum(list_cost_usd) "
                               "from fct_llm_requests group by 1")),
        "summary": None,
    }
    from ai_finops.summary import summarise

    with duckdb.connect(str(db), read_only=True) as con:
        first["summary"] = summarise(con)

    # September is closed (the demo configuration's closed_periods.csv). A late file with September requests lands,
    # and a past price is edited: neither may change what September was charged.
    late = _late_september_records()
    (raw / "litellm" / "late-september.jsonl").write_text(
        "\n".join(json.dumps(r) for r in late) + "\n"
    )
    _edit_prices(prices, _raise_haiku_retroactively)
    run_dbt(BUILD, **kwargs)
    second = {"totals": _totals(db), "hashes": {t: table_hash(db, t) for t in PERSISTED}}

    # --full-refresh must not rebuild the persisted record of what was charged
    run_dbt(["run", "--full-refresh", "--select", *PERSISTED], **kwargs)
    refreshed = {t: table_hash(db, t) for t in PERSISTED}
    return {"db": db, "first": first, "second": second, "refreshed": refreshed}


def test_every_team_is_charged_by_its_policy(cb: dict) -> None:
    rows = query(
        cb["db"],
        """select strftime(charge_month, '%Y-%m'), team, chargeback_method, has_policy, markup_pct,
                  direct_cost_usd, markup_usd, charge_usd, showback_usd, shared_cost_usd
           from rpt_chargeback_monthly where not is_adjustment""",
    )
    methods = {(m, t): method for m, t, method, *_ in rows}
    assert methods[("2026-09", "docs")] == "showback"  # docs moved to cost plus from October
    assert methods[("2026-10", "docs")] == "real_cost_plus_markup"
    assert methods[("2026-10", "search")] == "real_cost_plus_markup"
    assert methods[("2026-10", "meet")] == methods[("2026-10", "support")] == "proportional"
    assert methods[("2026-10", "sales")] == "budget"
    assert methods[("2026-10", "ml-platform")] == methods[("2026-10", "unattributed")] == "showback"
    for _m, _t, method, has_policy, pct, direct, markup, charge, showback, shared in rows:
        assert has_policy
        if method == "showback":
            assert charge == 0 and showback == direct + shared
        else:
            assert showback == 0 and charge > 0
        if method == "real_cost_plus_markup":
            assert abs(markup - direct * pct / 100) < Decimal("1e-11")
        else:
            assert markup == 0


def test_money_is_conserved_on_the_sample(cb: dict) -> None:
    db = cb["db"]
    fact = cb["first"]["fact"]
    seed = dict(query(db, "select strftime(cost_month, '%Y-%m'), sum(amount_usd) "
                          "from shared_platform_costs group by 1"))
    for month, (actual, direct, variance, markup, shared, prop_adj, charge, showback) in \
            cb["first"]["totals"].items():
        assert actual == fact[month]
        assert direct + variance == actual
        assert shared == seed[month]
        assert prop_adj == 0
        assert charge + showback == direct + markup + shared
        assert charge + showback + variance == actual + markup + shared
    split = query(
        db,
        """select charge_month, sum(charge_if_proportional_usd - shared_cost_usd), sum(direct_cost_usd)
           from rpt_chargeback_monthly where not is_adjustment group by 1""",
    )
    for _month, what_if, direct in split:
        assert what_if == direct


def test_mid_month_price_change_does_not_swing_charges(cb: dict) -> None:
    db = cb["db"]
    frozen = query(db, f"""select price_effective_from from int_model_prices_frozen
                           where price_month = '{OCT}' and provider = 'openai'
                             and model = 'gpt-4o-mini'""")
    assert [str(r[0]) for r in frozen] == ["2025-01-01"]  # the rate in force on 1 October
    after_cut = query(
        db,
        """select actual_cost_usd, direct_cost_usd, rate_variance_usd from int_llm_requests_repriced
           where provider = 'openai' and priced_as_model = 'gpt-4o-mini'
             and requested_at >= '2026-10-15' and actual_cost_usd > 0""",
    )
    assert after_cut, "the sample has gpt-4o-mini requests after the cut"
    for actual, direct, variance in after_cut:
        # charged at the frozen (old, double) rate; the saving is held centrally
        assert abs(direct - 2 * actual) < Decimal("1e-11")
        assert variance == actual - direct < 0
    sep, octo = cb["first"]["totals"][SEP[:7]], cb["first"]["totals"][OCT[:7]]
    assert sep[2] == 0  # no price change in September: no rate variance
    assert octo[2] == sum(v for *_, v in after_cut)


def test_late_arrival_is_an_adjustment_of_the_first_open_month(cb: dict) -> None:
    db = cb["db"]
    # what September was charged did not change: same lines, same totals
    september = query(db, f"select * from rpt_chargeback_monthly where charge_month = '{SEP}' "
                          "order by team, usage_month")
    assert september == cb["first"]["september"]
    assert cb["second"]["totals"][SEP[:7]] == cb["first"]["totals"][SEP[:7]]

    booked = query(db, "select request_id, strftime(requested_month, '%Y-%m'), "
                       "strftime(booked_month, '%Y-%m'), entry_type from fct_llm_cost_entries "
                       "where request_id like 'late-sep-%' order by 1")
    assert booked == [(i, "2026-09", "2026-10", "late_arrival") for i in LATE_IDS]

    # what changed September after it closed, per team: the late requests, and the haiku
    # requests re-priced by the retroactive edit (a price correction: cost only, no request)
    changes = query(
        db,
        f"""select team, sum(list_cost_usd), sum(requests) from fct_llm_cost_entries
            where booked_month = '{OCT}' and requested_month = '{SEP}' group by 1""",
    )
    kinds = dict(query(db, f"""select entry_type, sum(requests) from fct_llm_cost_entries
                               where booked_month = '{OCT}' and requested_month = '{SEP}'
                               group by 1"""))
    assert kinds == {"late_arrival": len(LATE_IDS), "price_correction": 0}
    haiku_delta = query(
        db,
        f"""select sum(now.list_cost_usd) - sum(closed.list_cost_usd)
            from fct_llm_requests as now
            inner join int_llm_cost_entries_closed as closed using (request_id)
            where now.requested_month = '{SEP}' and now.model like 'claude-haiku-4-5%'""",
    )[0][0]
    assert haiku_delta > 0
    assert query(db, f"""select sum(list_cost_usd) from fct_llm_cost_entries
                         where booked_month = '{OCT}' and entry_type = 'price_correction'""") \
        == [(haiku_delta,)]
    adjustments = query(
        db,
        f"""select team, actual_cost_usd, requests, chargeback_method, charge_usd, showback_usd,
                   shared_cost_usd, is_closed, markup_usd
            from rpt_chargeback_monthly
            where charge_month = '{OCT}' and usage_month = '{SEP}' and is_adjustment""",
    )
    assert {(t, c, n) for t, c, n, *_ in adjustments} == set(changes)
    methods = {}
    for team, actual, _n, method, charge, showback, shared, is_closed, markup in adjustments:
        # charged on the usage month's policy, with no shared cost and no proportional re-split
        assert shared == 0 and not is_closed
        if method == "showback":
            assert charge == 0 and showback == actual
        else:
            assert charge == actual + markup and showback == 0
        methods[team] = method
    assert methods["docs"] == "showback"  # docs was still on showback in September
    # every September request is charged once, at today's value: at the close, or as October
    # adjustments (closed September + its adjustments = September valued today)
    by_usage = query(db, f"""select sum(requests), sum(actual_cost_usd) from rpt_chargeback_monthly
                             where usage_month = '{SEP}'""")[0]
    fact = query(db, f"""select count(*), sum(list_cost_usd) from fct_llm_requests
                         where requested_month = '{SEP}'""")[0]
    assert by_usage == fact
    # and the October totals still add up
    actual, _direct, variance, markup, shared, prop_adj, charge, showback = \
        cb["second"]["totals"][OCT[:7]]
    assert charge + showback + variance == actual + markup + shared and prop_adj == 0


def test_closed_books_are_never_rewritten(cb: dict) -> None:
    first, second, refreshed = cb["first"]["hashes"], cb["second"]["hashes"], cb["refreshed"]
    # late requests and a retroactive price edit change no closed record: September is
    # recorded once, and October, open, is not recorded at all
    assert second == first
    # --full-refresh leaves them as they were
    assert refreshed == second


def test_summary_prints_the_chargeback_of_the_latest_month(cb: dict) -> None:
    text = cb["first"]["summary"]
    assert "Chargeback 2026-10 (open;" in text
    assert "Chargeback conservation" in text
    section = text[text.index("Chargeback 2026-10"):]
    for team in ("search", "docs", "meet", "support", "sales", "ml-platform", "unattributed"):
        assert f"\n{team} " in section
    conservation = section[section.index("Chargeback conservation"):].splitlines()[3:]
    assert [line.split()[:2] for line in conservation] == [["2026-09", "closed"], ["2026-10", "open"]]
    assert all(line.split()[-1] == "0.0000" for line in conservation)


def test_bad_chargeback_seeds_fail_naming_file_line_and_fix(tmp_path: Path) -> None:
    project = project_copy(tmp_path / "project")
    seeds = project / DEMO_CONFIG
    with (seeds / "chargeback_policies.csv").open("a") as f:
        f.write("growth,2026-01-01,,real_cost_plus_markup,150,CC-310,too much\n")
        f.write("search,2026-06-01,,chargeback,,CC-310,typo and overlap\n")
    with (seeds / "shared_cost_fixed_shares.csv").open("a") as f:
        f.write("platform_team,2026-01-01,growth,10\n")
    proc = run_dbt(
        ["seed", "--select", "chargeback_policies", "shared_cost_fixed_shares"],
        raw_dir=SAMPLE, db_path=tmp_path / "wh.duckdb", project_dir=project, work_dir=tmp_path,
        check=False,
    )
    assert proc.returncode != 0
    out = proc.stdout
    policies = (seeds / "chargeback_policies.csv").read_text().splitlines()
    search = next(i for i, r in enumerate(policies) if r.startswith("search,")) + 1
    assert f"{DEMO_CONFIG}/chargeback_policies.csv has 3 bad row(s)" in out
    assert f"line {search}: team search has overlapping windows" in out
    assert (f"line {len(policies)}: chargeback_method 'chargeback' is not allowed (closest allowed"
            " value: 'showback').") in out
    assert "Fix: chargeback_method must be one of: showback, proportional, real_cost_plus_markup, budget." in out
    assert f"line {len(policies) - 1}: team growth has markup_pct 150" in out
    assert f"{DEMO_CONFIG}/shared_cost_fixed_shares.csv has 1 bad row(s)" in out
    assert "shares of platform_team from 2026-01-01 sum to 110" in out
