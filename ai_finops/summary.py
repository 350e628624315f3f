"""Print a short summary of a built ai_finops warehouse: what `make demo` shows.

Reads the marts (and the staging quarantine, for its reasons) of the DuckDB file named by
AI_FINOPS_DUCKDB_PATH (default warehouse/ai_finops.duckdb). Every number printed is queried
from the warehouse; nothing is computed here that the marts do not hold.
"""

from __future__ import annotations

import argparse
import os
import sys
from decimal import Decimal

import duckdb

DEFAULT_PATH = "warehouse/ai_finops.duckdb"


def _table(headers: list[str], rows: list[tuple], aligns: str | None = None) -> str:
    """Render rows as a plain-text table (no third-party dependency)."""
    cells = [[_fmt(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    aligns = aligns or "l" * len(headers)

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if a == "r" else v.ljust(w) for v, w, a in zip(values, widths, aligns)
        ).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out)


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return f"{value:,.4f}"
    if isinstance(value, float):
        return f"{value:.4%}" if abs(value) < 10 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_name = ?", [name]
        ).fetchone()[0]
    )


def summarise(con: duckdb.DuckDBPyConnection) -> str:
    """Return the summary text of the warehouse behind `con`."""
    parts: list[str] = []

    total = con.execute(
        """
        select count(*), min(requested_at), max(requested_at),
               sum(list_cost_usd), sum(gateway_cost_usd),
               count(*) filter (where pricing_status <> 'priced')
        from fct_llm_requests
        """
    ).fetchone()
    parts.append(
        f"Requests: {total[0]:,} from {total[1]} to {total[2]} (UTC)\n"
        f"List cost (ours): ${_fmt(total[3])}   Gateway-logged cost: ${_fmt(total[4])}   "
        f"Unpriced requests: {total[5]:,}"
    )

    acc = con.execute(
        """
        select source_system, count(*), sum(lines_read), sum(requests),
               sum(duplicate_lines), sum(quarantined_lines)
        from rpt_landing_line_accounting group by 1 order by 1
        """
    ).fetchall()
    parts.append(
        "Line accounting (lines read = requests + duplicates dropped + quarantined; an otel line\n"
        "is one export of many spans: lines read = exports + quarantined, requests are spans)\n"
        + _table(
            ["source", "files", "lines read", "requests", "duplicates dropped", "quarantined"],
            acc,
            "lrrrrr",
        )
    )

    spans = con.execute(
        """
        select source_system, count(*), sum(spans_read), sum(requests), sum(duplicate_spans),
               sum(skipped_spans), sum(quarantined_spans)
        from rpt_landing_line_accounting where spans_read is not null group by 1 order by 1
        """
    ).fetchall()
    if spans:
        parts.append(
            "Span accounting (spans read = requests + duplicates dropped + skipped + quarantined;\n"
            "skipped: not a GenAI model call, e.g. the app's HTTP spans)\n"
            + _table(
                ["source", "files", "spans read", "requests", "duplicates dropped", "skipped",
                 "quarantined"],
                spans,
                "lrrrrrr",
            )
        )

    if _exists(con, "stg_otel__spans_quarantined"):
        otel_reasons = con.execute(
            """
            select quarantine_level, quarantine_reason, count(*) from stg_otel__spans_quarantined
            group by 1, 2 order by 3 desc, 1, 2
            """
        ).fetchall()
        if otel_reasons:
            parts.append(
                "Quarantined OpenTelemetry lines and spans by reason\n"
                + _table(["level", "reason", "count"], otel_reasons, "llr")
            )

    if _exists(con, "stg_litellm__lines_quarantined"):
        reasons = con.execute(
            """
            select quarantine_reason, count(*) from stg_litellm__lines_quarantined
            group by 1 order by 2 desc, 1
            """
        ).fetchall()
        if reasons:
            parts.append("Quarantined lines by reason\n" + _table(["reason", "lines"], reasons, "lr"))

    by_month = con.execute(
        """
        select strftime(requested_month, '%Y-%m'), sum(requests), sum(total_tokens),
               sum(list_cost_usd), sum(gateway_cost_usd)
        from rpt_llm_cost_list_vs_gateway group by 1 order by 1
        """
    ).fetchall()
    parts.append(
        "Cost by month (US dollars)\n"
        + _table(["month", "requests", "tokens", "list cost", "gateway cost"], by_month, "lrrrr")
    )

    by_model = con.execute(
        """
        select strftime(requested_month, '%Y-%m'), provider, model, requests,
               list_cost_usd, gateway_cost_usd, variance_ratio
        from rpt_llm_cost_list_vs_gateway
        order by 1, list_cost_usd desc nulls last, provider, model
        """
    ).fetchall()
    parts.append(
        "Cost by month, provider and model: list vs gateway (US dollars)\n"
        + _table(
            ["month", "provider", "model", "requests", "list cost", "gateway cost", "variance"],
            by_model,
            "lllrrrr",
        )
    )

    if _exists(con, "rpt_pnl_monthly"):
        pnl = con.execute(
            """
            select strftime(booked_month, '%Y-%m'), pnl_category, sum(cost_usd),
                   sum(share_of_month_cost)
            from rpt_pnl_monthly group by 1, 2 order by 1, 3 desc
            """
        ).fetchall()
        parts.append(
            "P&L split of AI spend by month booked (US dollars, share of the month; a closed "
            "month as it closed, later changes in the first open month)\n"
            + _table(["month", "P&L category", "cost", "share"], pnl, "llrr")
        )
        usage = con.execute(
            """
            select strftime(booked_month, '%Y-%m'), usage_type, environment, sum(cost_usd),
                   sum(share_of_month_cost)
            from rpt_pnl_monthly group by 1, 2, 3 order by 1, 4 desc
            """
        ).fetchall()
        parts.append(
            "AI spend by usage type and environment\n"
            + _table(["month", "usage type", "environment", "cost", "share"], usage, "lllrr")
        )

    if _exists(con, "rpt_attribution_coverage_monthly"):
        coverage = con.execute(
            """
            select strftime(requested_month, '%Y-%m'), attribution_source, sum(requests),
                   sum(cost_usd), sum(share_of_month_cost)
            from rpt_attribution_coverage_monthly group by 1, 2 order by 1, 4 desc
            """
        ).fetchall()
        parts.append(
            "Attribution coverage (which rule placed the spend)\n"
            + _table(["month", "attribution source", "requests", "cost", "share"], coverage,
                     "llrrr")
        )
        untagged = con.execute(
            """
            select strftime(requested_month, '%Y-%m'), spend_rank, caller, team, requests, cost_usd
            from rpt_untagged_spend_monthly where spend_rank <= 3 order by 1, 2
            """
        ).fetchall()
        parts.append(
            "Top untagged callers (spend without a feature tag of its own)\n"
            + _table(["month", "rank", "caller", "team", "requests", "cost"], untagged, "lrllrr")
        )
    if _exists(con, "rpt_chargeback_monthly"):
        month, closed = con.execute(
            """
            select charge_month, bool_or(is_closed) from rpt_chargeback_monthly
            group by 1 order by 1 desc limit 1
            """
        ).fetchone()
        lines = con.execute(
            """
            select team || case when is_adjustment
                                then ' (late ' || strftime(usage_month, '%Y-%m') || ')' else '' end,
                   chargeback_method, requests, direct_cost_usd, markup_usd, shared_cost_usd,
                   proportional_adjustment_usd, rate_variance_usd, charge_usd, showback_usd,
                   charge_if_proportional_usd, charge_if_real_cost_plus_markup_usd,
                   charge_if_budget_usd
            from rpt_chargeback_monthly where charge_month = ?
            order by is_adjustment, charge_usd + showback_usd desc, team
            """,
            [month],
        ).fetchall()
        conservation = con.execute(
            """
            select strftime(charge_month, '%Y-%m'),
                   case when bool_or(is_closed) then 'closed' else 'open' end,
                   sum(actual_cost_usd), sum(rate_variance_usd), sum(direct_cost_usd),
                   sum(markup_usd), sum(shared_cost_usd),
                   (select sum(amount_usd) from shared_platform_costs as s
                    where s.cost_month = c.charge_month),
                   sum(charge_usd), sum(showback_usd),
                   sum(charge_usd) + sum(showback_usd) + sum(rate_variance_usd)
                   - sum(actual_cost_usd) - sum(markup_usd) - sum(shared_cost_usd)
            from rpt_chargeback_monthly as c group by charge_month order by charge_month
            """
        ).fetchall()
        parts.append(
            f"Chargeback {month:%Y-%m} ({'closed' if closed else 'open'}; US dollars at the rates"
            " frozen on the 1st; what-if = every team on that method)\n"
            + _table(
                ["team", "method", "requests", "direct", "markup", "shared", "prop. adj",
                 "rate var", "charge", "showback", "if prop.", "if cost+", "if budget"],
                lines,
                "llrrrrrrrrrrr",
            )
            + "\n\nChargeback conservation: charge + showback + rate variance (held centrally)"
            " = actual cost + markup + shared\n"
            + _table(
                ["month", "period", "actual cost", "rate var", "direct", "markup", "shared",
                 "shared seed", "charge", "showback", "difference"],
                conservation,
                "llrrrrrrrrr",
            )
        )
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default=os.environ.get("AI_FINOPS_DUCKDB_PATH", DEFAULT_PATH),
        help="DuckDB warehouse file (default: $AI_FINOPS_DUCKDB_PATH or %(default)s)",
    )
    args = parser.parse_args(argv)
    if not os.path.exists(args.database):
        print(f"error: no warehouse at {args.database}: run `make demo` first", file=sys.stderr)
        return 2
    with duckdb.connect(args.database, read_only=True) as con:
        print(summarise(con))
    return 0


if __name__ == "__main__":
    sys.exit(main())
