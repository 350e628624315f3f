"""What the last build found: the findings a person must see after every `make build`.

Reads the DuckDB warehouse after `dbt build` (AI_FINOPS_DUCKDB_PATH, default
warehouse/ai_finops.duckdb) and prints one line per finding, each with a severity:

  error    a number in the marts is wrong or missing until someone acts (list cost far from
           what the gateway logged for a provider and month: a price typed per 1k tokens or per
           token instead of per million, a wrong currency, a missing tier)
  warning  something was set aside or needs a person (quarantined lines, unpriced requests,
           conflicting re-deliveries, landing files that shrank or were rewritten, budgets over)
  info     what the build did (files and lines landed, requests, duplicates, late arrivals into
           closed months, attribution coverage) and where to look at the results

Exit status: 1 when a finding is at or above ``--fail-on`` (default ``error``; ``warning`` is the
strict mode CI uses), else 0. The thresholds live in dbt_project.yml (vars
``gateway_variance_tolerance``), the one place the models read them too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = "warehouse/ai_finops.duckdb"
SEVERITIES = ("info", "warning", "error")


@dataclass
class Finding:
    severity: str
    topic: str
    message: str


def project_var(name: str) -> object:
    """A var of dbt_project.yml (its default: what a build without --vars uses)."""
    project = yaml.safe_load((ROOT / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"][name]


def _exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_name = ?",
                            [name]).fetchone()[0])


def _usd(value: Decimal | float | None) -> str:
    return "-" if value is None else f"${Decimal(value):,.2f}"


def last_invocation(run_results: Path) -> str | None:
    """The invocation id of the dbt run that wrote run_results.json (None if there is none)."""
    try:
        return json.loads(run_results.read_text(encoding="utf-8"))["metadata"]["invocation_id"]
    except (OSError, ValueError, KeyError):
        return None


def _landing(con: duckdb.DuckDBPyConnection, invocation: str | None) -> list[Finding]:
    found: list[Finding] = []
    if not con.execute("select count(*) from stg_landing__ledger").fetchone()[0]:
        return [Finding("warning", "landing", "the landing ledger is empty: no file was ever read")]
    if invocation is None:  # no run_results.json: the last build that found a file
        invocation = con.execute("""
            select invocation_id from stg_landing__ledger
            order by landed_at desc, ledger_seq desc limit 1""").fetchone()[0]
    landed = con.execute("""
        select source_system, count(*), sum(file_size)
        from stg_landing__ledger
        where invocation_id = ? and outcome in ('loaded', 'appended')
        group by 1 order by 1""", [invocation]).fetchall()
    if landed:
        found.append(Finding("info", "landing", "this build read " + ", ".join(
            f"{files:,} {source} file(s) ({size / 1e6:,.1f} MB)" for source, files, size in landed)))
    else:
        found.append(Finding("info", "landing", "this build found no new file and no new line"))
    for source, path, outcome, problems in con.execute("""
            select source_system, source_file, latest_outcome, reader_problems
            from rpt_landing_files where needs_attention order by 1, 2""").fetchall():
        found.append(Finding("warning", "landing", f"{path} ({source}): {outcome}"
                             + (f", {problems}" if problems else "")
                             + "; see rpt_landing_files"))
    for table, source in (("stg_litellm__lines_quarantined", "litellm"),
                          ("stg_otel__spans_quarantined", "otel")):
        if not _exists(con, table):
            continue
        rows = con.execute(f"""
            select quarantined.quarantine_reason, quarantined.source_file,
                   min(quarantined.line_number), count(*)
            from {table} as quarantined
            inner join stg_landing__ledger as ledger
                on quarantined.ledger_seq = ledger.ledger_seq
            where ledger.invocation_id = ?
            group by 1, 2 order by 2, 3""", [invocation]).fetchall()
        for reason, path, first_line, count in rows:
            found.append(Finding(
                "warning", "quarantine",
                f"{path}: {count:,} {source} line(s) quarantined as {reason}, the first at line "
                f"{first_line} (not billed until fixed; see {table})"))
    return found


def _requests(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    found: list[Finding] = []
    requests, unpriced, unpriced_models, duplicates = con.execute("""
        select count(*), count(*) filter (where pricing_status <> 'priced'),
               string_agg(distinct case when pricing_status <> 'priced'
                   then provider || '/' || model || ' (' || pricing_status || ')' end, ', '),
               sum(delivery_count - 1)
        from fct_llm_requests""").fetchone()
    found.append(Finding("info", "requests",
                         f"{requests:,} requests valued; {duplicates or 0:,} duplicate deliveries "
                         "set aside (never billed twice)"))
    if unpriced:
        found.append(Finding("warning", "pricing",
                             f"{unpriced:,} request(s) have no list price: {unpriced_models}; "
                             "unpriced_model or no_price_in_force: add the model's rates to "
                             "seeds/model_prices.csv; usage_missing: the source logged no token "
                             "counts (their cost is not $0: it is missing)"))
    conflicts = con.execute("select count(distinct request_id) from rpt_request_delivery_conflicts"
                            ).fetchone()[0]
    if conflicts:
        found.append(Finding("warning", "deliveries",
                             f"{conflicts:,} request(s) re-delivered with different content; the "
                             "first landed is billed (rpt_request_delivery_conflicts)"))
    return found


def _unit_slip(factor: float) -> str:
    """The likely unit slip behind a list/gateway cost factor, if it looks like one."""
    for scale, unit in ((1e6, "per token"), (1e3, "per 1k tokens")):
        if scale / 3 <= factor <= scale * 3:
            return f" (about {factor:,.0f}x: a rate typed {unit} instead of per million?)"
        if 1 / (scale * 3) <= factor <= 3 / scale:
            return (f" (about 1/{1 / factor:,.0f}: a rate typed per million where it was "
                    f"{unit}?)")
    return ""


def _variance(con: duckdb.DuckDBPyConnection, tolerance: float) -> list[Finding]:
    found: list[Finding] = []
    rows = con.execute("""
        with compared as (
            select strftime(requested_month, '%Y-%m') as month, provider, model,
                   gateway_cost_usd, variance_usd
            from rpt_llm_cost_list_vs_gateway
            where compared_requests > 0
        )
        select month, provider, sum(gateway_cost_usd), sum(variance_usd),
               arg_max(model, abs(variance_usd)),
               arg_max(gateway_cost_usd, abs(variance_usd)),
               arg_max(variance_usd, abs(variance_usd))
        from compared
        group by 1, 2
        having sum(gateway_cost_usd) > 0
        order by 1, 2""").fetchall()
    for month, provider, gateway, variance, model, model_gateway, model_variance in rows:
        ratio = float(variance) / float(gateway)
        if abs(ratio) <= tolerance:
            continue
        hint = ""
        if model_gateway:
            hint = _unit_slip(1 + float(model_variance) / float(model_gateway))
        found.append(Finding(
            "error", "pricing",
            f"{month} {provider}: list cost {_usd(Decimal(gateway) + Decimal(variance))} against "
            f"{_usd(gateway)} logged by the gateway for the same requests ({ratio:+.1%}, "
            f"tolerance {tolerance:.0%}), most of it on model {model}: list "
            f"{_usd(Decimal(model_gateway or 0) + Decimal(model_variance))} against gateway "
            f"{_usd(model_gateway)}{hint}; check seeds/model_prices.csv"))
    return found


def _books(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    found: list[Finding] = []
    if _exists(con, "fct_llm_cost_entries"):
        for entry_type, month, usage_month, cost in con.execute("""
                select entry_type, strftime(booked_month, '%Y-%m'),
                       strftime(requested_month, '%Y-%m'), sum(list_cost_usd)
                from fct_llm_cost_entries
                where is_adjustment and not is_closed
                group by 1, 2, 3 order by 2, 3, 1""").fetchall():
            found.append(Finding("info", "period close",
                                 f"{entry_type} for closed {usage_month} booked in {month}: "
                                 f"{_usd(cost)}"))
    if _exists(con, "rpt_attribution_coverage_monthly"):
        for month, share in con.execute("""
                select strftime(requested_month, '%Y-%m'),
                       sum(cost_usd) filter (where attribution_source = 'unattributed')
                       / nullif(sum(cost_usd), 0)
                from rpt_attribution_coverage_monthly group by 1 order by 1""").fetchall():
            if share:
                found.append(Finding("info", "attribution",
                                     f"{month}: {share:.1%} of the cost has no feature "
                                     "(rpt_untagged_spend_monthly lists who)"))
    if _exists(con, "rpt_feature_budgets_monthly"):
        for month, feature, status, spend, budget, forecast in con.execute("""
                select strftime(budget_month, '%Y-%m'), feature, budget_status,
                       spend_to_date_usd, budget_usd, forecast_month_end_usd
                from rpt_feature_budgets_monthly
                where budget_status = 'over' and not is_month_complete
                order by 1, 2""").fetchall():
            found.append(Finding("warning", "budgets",
                                 f"{month} {feature}: {status}, {_usd(spend)} spent of "
                                 f"{_usd(budget)}, forecast {_usd(forecast)}"))
    return found


def findings(con: duckdb.DuckDBPyConnection, tolerance: float,
             invocation: str | None = None) -> list[Finding]:
    return (_landing(con, invocation) + _requests(con) + _variance(con, tolerance)
            + _books(con))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database",
                        default=os.environ.get("AI_FINOPS_DUCKDB_PATH", DEFAULT_PATH),
                        help="DuckDB warehouse (default: $AI_FINOPS_DUCKDB_PATH or %(default)s)")
    parser.add_argument("--fail-on", choices=(*SEVERITIES[1:], "never"),
                        default=os.environ.get("AI_FINOPS_FAIL_ON", "error"),
                        help="exit 1 when a finding is at least this severe (default: "
                             "$AI_FINOPS_FAIL_ON or %(default)s; CI uses warning)")
    parser.add_argument("--run-results", type=Path, default=Path("target/run_results.json"),
                        help="run_results.json of the build to report on (default: %(default)s)")
    args = parser.parse_args(argv)
    if os.environ.get("AI_FINOPS_TARGET", "duckdb") != "duckdb":
        print("build report: reads the DuckDB warehouse only; on PostgreSQL or Spark query the "
              "marts (rpt_landing_files, rpt_llm_cost_list_vs_gateway, ...) directly")
        return 0
    if not os.path.exists(args.database):
        print(f"error: no warehouse at {args.database}: run `make build` first", file=sys.stderr)
        return 2
    tolerance = float(project_var("gateway_variance_tolerance"))
    with duckdb.connect(args.database, read_only=True) as con:
        found = findings(con, tolerance, last_invocation(args.run_results))
    counts = {s: sum(f.severity == s for f in found) for s in SEVERITIES}
    print(f"Build report ({args.database}): {counts['error']} error(s), "
          f"{counts['warning']} warning(s)")
    for finding in sorted(found, key=lambda f: -SEVERITIES.index(f.severity)):
        print(f"  {finding.severity.upper():7} {finding.topic}: {finding.message}")
    print(f"Look at the results: .venv/bin/python -m ai_finops.summary --database {args.database}"
          f"; .venv/bin/dbt show --select rpt_pnl_monthly; or open {args.database} in any DuckDB"
          " client (duckdb -readonly).")
    if args.fail_on == "never":
        return 0
    threshold = SEVERITIES.index(args.fail_on)
    return 1 if any(SEVERITIES.index(f.severity) >= threshold for f in found) else 0


if __name__ == "__main__":
    sys.exit(main())
