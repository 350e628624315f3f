"""Build and check the finance-owned LLM price seed (`seeds/model_prices.csv`).

The seed holds one row per (provider, model, effective window) with list prices in USD per
1,000,000 tokens. Its numbers come from LiteLLM's price map
(`model_prices_and_context_window.json`), which this script reads from a path given on the
command line; it never touches the network.

Usage::

    # refresh the prices of every model already in the seed, in place
    python -m ai_finops.price_seed --litellm-json /tmp/model_prices.json \\
        --out seeds/model_prices.csv --effective-from 2026-11-01

    # add or refresh chosen models only
    python -m ai_finops.price_seed --litellm-json /tmp/model_prices.json \\
        --out seeds/model_prices.csv --model openai/gpt-4o --model azure/gpt-4o

    # validate a seed file (pre-commit friendly; exit 1 when it has problems)
    python -m ai_finops.price_seed --check seeds/model_prices.csv

Effective-dating contract: a window is ``[effective_from, effective_to)``, an empty
``effective_to`` means "still in force". Rows whose window is already closed are history and are
never rewritten. When LiteLLM's price for a model differs from the model's open window, the open
window is closed at ``--effective-from`` and a new one opens there, so months already reported to
finance keep the price they were billed at. An unchanged price leaves the file byte-identical.

Exit codes: 0 success, 1 ``--check`` found problems, 2 bad input (model not in the price map,
invalid existing seed, bad arguments).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path
from typing import Any

COLUMNS: tuple[str, ...] = (
    "provider",
    "model",
    "effective_from",
    "effective_to",
    "input_usd_per_mtok",
    "cache_read_usd_per_mtok",
    "cache_write_usd_per_mtok",
    "output_usd_per_mtok",
    "long_context_threshold_tokens",
    "input_above_threshold_usd_per_mtok",
    "cache_read_above_threshold_usd_per_mtok",
    "cache_write_above_threshold_usd_per_mtok",
    "output_above_threshold_usd_per_mtok",
    "batch_multiplier",
    "flex_multiplier",
    "priority_multiplier",
    "price_source",
    "change_reason",
)

# Columns that define "the price". A refresh compares exactly these to decide whether a new
# window is needed; price_source is provenance, so a changed wording alone must not re-date.
PRICE_COLUMNS: tuple[str, ...] = COLUMNS[4:16]
# Prices a row cannot do without: every chat/embedding call has input and output tokens.
REQUIRED_PRICE_COLUMNS: tuple[str, ...] = ("input_usd_per_mtok", "output_usd_per_mtok")
# Columns that must be filled on every row.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "provider",
    "model",
    "effective_from",
    *REQUIRED_PRICE_COLUMNS,
    "price_source",
)
ABOVE_THRESHOLD_COLUMNS: tuple[str, ...] = (
    "input_above_threshold_usd_per_mtok",
    "cache_read_above_threshold_usd_per_mtok",
    "cache_write_above_threshold_usd_per_mtok",
    "output_above_threshold_usd_per_mtok",
)
MULTIPLIER_COLUMNS: tuple[str, ...] = ("batch_multiplier", "flex_multiplier", "priority_multiplier")

DEFAULT_EFFECTIVE_FROM = "2025-01-01"
DEFAULT_PRICE_SOURCE = "litellm model_prices_and_context_window.json"

# LiteLLM key of each token class's base (standard tier, below any threshold) price.
_CLASS_KEYS: dict[str, str] = {
    "input": "input_cost_per_token",
    "cache_read": "cache_read_input_token_cost",
    "cache_write": "cache_creation_input_token_cost",
    "output": "output_cost_per_token",
}
# e.g. input_cost_per_token_above_200k_tokens. Tier variants (..._tokens_priority) and
# non-token thresholds (cache_creation_input_token_cost_above_1hr) deliberately do not match.
_ABOVE_RE = re.compile(
    r"^(?P<base>input_cost_per_token|cache_read_input_token_cost|"
    r"cache_creation_input_token_cost|output_cost_per_token)_above_(?P<k>\d+)k_tokens$"
)
_TIER_SUFFIXES: dict[str, str] = {
    "batch_multiplier": "batches",
    "flex_multiplier": "flex",
    "priority_multiplier": "priority",
}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Plain decimals only: the seed is read by dbt/DuckDB and by people, neither should meet 1e-07.
_NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")
_MTOK = Decimal(1_000_000)
_PRICE_QUANTUM = Decimal("1e-10")
_MULTIPLIER_QUANTUM = Decimal("1e-6")


class PriceSeedError(Exception):
    """A problem the user has to fix (message says what); the CLI turns it into exit code 2."""


# --------------------------------------------------------------------------------------------
# Number formatting
# --------------------------------------------------------------------------------------------


def _decimal(value: float | str) -> Decimal:
    # repr() of a float is the shortest string that round-trips, so Decimal(repr(2.5e-07)) is
    # exactly 2.5E-7: no binary noise enters the arithmetic in the first place.
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def format_decimal(value: Decimal) -> str:
    """Render a Decimal as a plain number: no exponent, no trailing zeros (``0.025``, ``3``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def usd_per_mtok(cost_per_token: float | str) -> str:
    """Convert LiteLLM's USD-per-token cost to the seed's USD per 1M tokens, as text.

    Multiplies by 1e6 and rounds to 10 decimals, so ``2.5e-07`` becomes ``0.25`` (never
    ``0.24999999999999997``) and ``1.25e-08`` becomes ``0.0125``.
    """
    scaled = (_decimal(cost_per_token) * _MTOK).quantize(_PRICE_QUANTUM, ROUND_HALF_EVEN)
    return format_decimal(scaled)


def multiplier(tier_cost: float | str, base_cost: float | str) -> str:
    """Ratio of a service-tier price to the standard price, rounded to 6 decimals, as text."""
    ratio = _decimal(tier_cost) / _decimal(base_cost)
    return format_decimal(ratio.quantize(_MULTIPLIER_QUANTUM, ROUND_HALF_EVEN))


# --------------------------------------------------------------------------------------------
# LiteLLM price map -> seed row
# --------------------------------------------------------------------------------------------


def _present(entry: Mapping[str, Any], key: str) -> bool:
    # LiteLLM's normalised model info (what the gateway logs) lists every key, absent ones as
    # null; the JSON file simply omits them. Both mean "no such price".
    return entry.get(key) is not None


def provider_matches(provider: str, litellm_provider: str) -> bool:
    """True when a bare-keyed LiteLLM entry is priced for ``provider`` (custom_llm_provider).

    ``vertex_ai`` also matches LiteLLM's split providers such as ``vertex_ai-language-models``;
    ``gemini`` (Google AI Studio) does not match them, being a different price list.
    """
    return litellm_provider == provider or litellm_provider.startswith(provider + "-")


def find_entry(
    price_map: Mapping[str, Mapping[str, Any]], provider: str, model: str
) -> tuple[str, Mapping[str, Any]]:
    """Return ``(key, entry)`` of LiteLLM's price for ``provider``/``model``.

    Prefers the ``provider/model`` key (``gemini/gemini-2.5-pro``, ``azure/gpt-4o``); else the
    bare ``model`` key if its ``litellm_provider`` is that provider (bare ``gemini-2.5-pro`` is
    Vertex AI's price, not AI Studio's). Raises PriceSeedError naming the model when neither fits.
    """
    prefixed = f"{provider}/{model}"
    entry = price_map.get(prefixed)
    if isinstance(entry, Mapping):
        return prefixed, entry
    entry = price_map.get(model)
    if isinstance(entry, Mapping):
        litellm_provider = str(entry.get("litellm_provider", ""))
        if provider_matches(provider, litellm_provider):
            return model, entry
        hint = (
            f" (key '{model}' exists but is priced for litellm_provider '{litellm_provider}',"
            f" not '{provider}')"
        )
    else:
        hint = ""
    raise PriceSeedError(
        f"model '{prefixed}' not found in the LiteLLM price map: no key '{prefixed}' and no key"
        f" '{model}' with litellm_provider '{provider}'{hint}. Fix: check the spelling (provider ="
        " LiteLLM's custom_llm_provider, model = name without provider prefix), use a newer"
        " LiteLLM price map, or drop the model from --model/--models-from."
    )


def long_context(entry: Mapping[str, Any]) -> tuple[int | None, dict[str, Any]]:
    """Return ``(threshold_tokens, {class: cost_per_token})`` for long-context pricing.

    Reads keys like ``input_cost_per_token_above_200k_tokens``. When several thresholds exist
    (e.g. 272k and 512k) the lowest one is used: the seed models a single step.
    Classes without an above-threshold price are left out (the base price applies to them).
    """
    found: dict[int, dict[str, Any]] = {}
    base_to_class = {key: cls for cls, key in _CLASS_KEYS.items()}
    for key, value in entry.items():
        match = _ABOVE_RE.match(key)
        if match and value is not None:
            kilo = int(match["k"])
            found.setdefault(kilo, {})[base_to_class[match["base"]]] = value
    if not found:
        return None, {}
    lowest = min(found)
    return lowest * 1000, found[lowest]


def price_row(
    provider: str,
    model: str,
    entry: Mapping[str, Any],
    effective_from: str = DEFAULT_EFFECTIVE_FROM,
    price_source: str = DEFAULT_PRICE_SOURCE,
) -> dict[str, str]:
    """Build one open-window seed row from a LiteLLM price entry (per-token costs)."""
    for cls in ("input", "output"):
        if not _present(entry, _CLASS_KEYS[cls]):
            raise PriceSeedError(
                f"model '{provider}/{model}' has no '{_CLASS_KEYS[cls]}' in the LiteLLM price map"
                " (priced per character, image or second?). Fix: the seed only holds"
                " token-priced models; drop it from --model/--models-from."
            )

    def price(key: str) -> str:
        value = entry.get(key)
        return "" if value is None else usd_per_mtok(value)

    row = {column: "" for column in COLUMNS}
    row.update(
        provider=provider,
        model=model,
        effective_from=effective_from,
        effective_to="",
        input_usd_per_mtok=price(_CLASS_KEYS["input"]),
        cache_read_usd_per_mtok=price(_CLASS_KEYS["cache_read"]),
        # Taken wherever LiteLLM has one, since its cost calculation bills cache-creation
        # tokens at it for any provider. Of the seeded models only Anthropic's have one.
        cache_write_usd_per_mtok=price(_CLASS_KEYS["cache_write"]),
        output_usd_per_mtok=price(_CLASS_KEYS["output"]),
        price_source=price_source,
    )

    threshold, above = long_context(entry)
    if threshold is not None:
        row["long_context_threshold_tokens"] = str(threshold)
        for cls, column in zip(_CLASS_KEYS, ABOVE_THRESHOLD_COLUMNS, strict=True):
            if cls in above:
                row[column] = usd_per_mtok(above[cls])

    base_input = entry[_CLASS_KEYS["input"]]
    for column, suffix in _TIER_SUFFIXES.items():
        tier_input = entry.get(f"{_CLASS_KEYS['input']}_{suffix}")
        # A multiplier of a zero price is undefined; such models (free input) get none.
        if tier_input is not None and _decimal(base_input) != 0:
            row[column] = multiplier(tier_input, base_input)
    return row


def load_price_map(path: Path) -> dict[str, Mapping[str, Any]]:
    """Read LiteLLM's ``model_prices_and_context_window.json``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PriceSeedError(
            f"LiteLLM price map {path} does not exist. Fix: pass the path of"
            " model_prices_and_context_window.json with --litellm-json."
        ) from None
    except json.JSONDecodeError as exc:
        raise PriceSeedError(f"{path} is not valid JSON ({exc}).") from None
    if not isinstance(data, dict):
        raise PriceSeedError(f"{path} is not a LiteLLM price map (expected a JSON object).")
    return data


# --------------------------------------------------------------------------------------------
# Reading, checking and writing seed files
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedRow:
    """A seed row and the line it sits on in its file (header = line 1), for messages."""

    line: int
    values: dict[str, str]


def read_seed(path: Path) -> tuple[list[str], list[SeedRow]]:
    """Read a seed CSV: its header and its rows with their line numbers."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        rows = [
            SeedRow(reader.line_num, dict(zip(header, record, strict=False)))
            for record in reader
            if any(cell.strip() for cell in record)
        ]
    return header, rows


def _valid_date(text: str) -> bool:
    if not _DATE_RE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _number(text: str) -> Decimal | None:
    if not _NUMBER_RE.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex already rules this out
        return None


def validate(header: Sequence[str], rows: Iterable[SeedRow]) -> list[str]:
    """Return problems with a seed's header and rows, each naming the line and the fix.

    Rules (the dbt build enforces the same ones in SQL): exact columns in order; provider, model,
    effective_from, input/output price and price_source filled; ISO dates with
    effective_from < effective_to; prices and multipliers plain non-negative numbers; threshold a
    positive whole number, and above-threshold prices only with a threshold; windows of one
    provider/model do not overlap.
    """
    problems: list[str] = []
    if list(header) != list(COLUMNS):
        missing = [c for c in COLUMNS if c not in header]
        extra = [c for c in header if c not in COLUMNS]
        detail = []
        if missing:
            detail.append(f"missing {', '.join(missing)}")
        if extra:
            detail.append(f"unexpected {', '.join(extra)}")
        if not detail:
            detail.append("columns out of order")
        problems.append(
            f"line 1: header is wrong ({'; '.join(detail)}). Fix: the header must be exactly "
            + ",".join(COLUMNS)
        )
        if missing:
            return problems  # row checks would only repeat the missing columns

    windows: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
    for row in rows:
        v, line = row.values, row.line
        for column in REQUIRED_COLUMNS:
            if not v.get(column, "").strip():
                problems.append(f"line {line}: {column} is empty. Fix: fill it in.")
        start, end = v.get("effective_from", ""), v.get("effective_to", "")
        dates_ok = True
        for column, text in (("effective_from", start), ("effective_to", end)):
            if text and not _valid_date(text):
                dates_ok = False
                problems.append(
                    f"line {line}: {column} '{text}' is not a date. Fix: write it as YYYY-MM-DD."
                )
        if dates_ok and start and end and not start < end:
            dates_ok = False
            problems.append(
                f"line {line}: effective_from {start} is not before effective_to {end}. Fix: the"
                " window is [effective_from, effective_to), so effective_to must be later"
                " (leave it empty while the price is in force)."
            )
        for column in (*PRICE_COLUMNS, "long_context_threshold_tokens"):
            text = v.get(column, "")
            if not text:
                continue
            number = _number(text)
            if number is None:
                problems.append(
                    f"line {line}: {column} '{text}' is not a plain number. Fix: write it like"
                    " 2.5 or 0.0125 (no units, no exponent)."
                )
            elif number < 0:
                problems.append(
                    f"line {line}: {column} is negative ({text}). Fix: prices and multipliers"
                    " are list prices and factors, never below 0."
                )
            elif column == "long_context_threshold_tokens" and (
                number != number.to_integral_value() or number == 0
            ):
                problems.append(
                    f"line {line}: long_context_threshold_tokens '{text}' must be a positive"
                    " whole number of tokens (e.g. 200000)."
                )
        if not v.get("long_context_threshold_tokens") and any(
            v.get(c) for c in ABOVE_THRESHOLD_COLUMNS
        ):
            problems.append(
                f"line {line}: above-threshold prices are set but long_context_threshold_tokens"
                " is empty. Fix: set the threshold (e.g. 200000) or clear those prices."
            )
        if dates_ok and start and v.get("provider") and v.get("model"):
            key = (v["provider"], v["model"])
            windows.setdefault(key, []).append((start, end, line))

    for (provider, model), spans in sorted(windows.items()):
        spans.sort()
        for (start_a, end_a, line_a), (start_b, _end_b, line_b) in pairwise(spans):
            # An empty effective_to is open-ended, so anything starting later overlaps it.
            if not end_a or start_b < end_a:
                problems.append(
                    f"lines {line_a} and {line_b}: windows of {provider}/{model} overlap"
                    f" ({start_a}..{end_a or 'open'} and {start_b}..). Fix: set effective_to"
                    f" on line {line_a} to {start_b} (or remove the duplicate row)."
                )
    return problems


def check(path: str | Path) -> list[str]:
    """Validate a seed file; return a list of problems (empty when the file is fine)."""
    path = Path(path)
    if not path.is_file():
        return [f"{path}: no such file."]
    header, rows = read_seed(path)
    return [f"{path} {problem}" for problem in validate(header, rows)]


def render_seed(rows: Iterable[Mapping[str, str]]) -> str:
    """Serialize rows as the seed CSV, sorted by provider, model, effective_from.

    Output depends on the rows only (fixed column order, '\\n' line ends, minimal quoting), so
    the same input always gives the same bytes and refreshes produce clean diffs.
    """
    ordered = sorted(rows, key=lambda r: (r["provider"], r["model"], r["effective_from"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in ordered:
        writer.writerow([row.get(column, "") for column in COLUMNS])
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Rebuilding: merge LiteLLM prices into the existing seed, effective-dated
# --------------------------------------------------------------------------------------------


def _canonical(row: Mapping[str, str]) -> tuple[str, ...]:
    # Compare numbers by value, so a hand-edited "0.250" does not count as a price change.
    out = []
    for column in PRICE_COLUMNS:
        text = row.get(column, "").strip()
        number = _number(text) if text else None
        out.append(format_decimal(number) if number is not None else text)
    return tuple(out)


def parse_model_spec(spec: str) -> tuple[str, str]:
    """Split ``provider/model`` at the first slash (model names may contain slashes)."""
    provider, sep, model = spec.partition("/")
    if not sep or not provider or not model:
        raise PriceSeedError(
            f"--model '{spec}' is not provider/model. Fix: write it like openai/gpt-4o"
            " (provider = LiteLLM's custom_llm_provider)."
        )
    return provider, model


def models_in_seed(rows: Iterable[SeedRow]) -> list[tuple[str, str]]:
    """Provider/model pairs that have an open window (retired models stay retired)."""
    return sorted(
        {
            (r.values["provider"], r.values["model"])
            for r in rows
            if not r.values.get("effective_to")
        }
    )


def build_seed(
    price_map: Mapping[str, Mapping[str, Any]],
    models: Sequence[tuple[str, str]],
    existing: Sequence[Mapping[str, str]] = (),
    effective_from: str = DEFAULT_EFFECTIVE_FROM,
    price_source: str = DEFAULT_PRICE_SOURCE,
) -> list[dict[str, str]]:
    """Merge LiteLLM's current prices for ``models`` into the ``existing`` seed rows.

    - closed windows (effective_to set) and models not asked for are kept as they are;
    - a model without an open window gets one from ``effective_from``;
    - an open window whose prices equal LiteLLM's is kept unchanged (incl. its price_source);
    - an open window whose prices differ is closed at ``effective_from`` and a new one opens
      there, so earlier months keep the price they were billed at.

    Raises PriceSeedError for unknown models and for a changed price whose ``effective_from``
    is not after the open window's start (that would re-price history).
    """
    if not _valid_date(effective_from):
        raise PriceSeedError(f"--effective-from '{effective_from}' is not a YYYY-MM-DD date.")
    wanted = list(dict.fromkeys(models))  # de-duplicate, keep order
    fresh: dict[tuple[str, str], dict[str, str]] = {}
    errors: list[str] = []
    for provider, model in wanted:
        try:
            _key, entry = find_entry(price_map, provider, model)
            fresh[(provider, model)] = price_row(
                provider, model, entry, effective_from, price_source
            )
        except PriceSeedError as exc:
            errors.append(str(exc))
    if errors:
        raise PriceSeedError("\n".join(errors))

    result: list[dict[str, str]] = []
    seen_open: set[tuple[str, str]] = set()
    for old in existing:
        row = {column: old.get(column, "") for column in COLUMNS}
        key = (row["provider"], row["model"])
        if row["effective_to"] or key not in fresh:
            result.append(row)
            continue
        seen_open.add(key)
        new = fresh[key]
        if _canonical(row) == _canonical(new):
            result.append(row)
            continue
        if not row["effective_from"] < effective_from:
            raise PriceSeedError(
                f"price of {key[0]}/{key[1]} changed but --effective-from {effective_from} is"
                f" not after its open window's start {row['effective_from']}. Fix: pass"
                " --effective-from with the date the new price takes effect (closing the old"
                " window keeps past months at the price they were billed at)."
            )
        row["effective_to"] = effective_from
        result.append(row)
        # a jump beyond var('price_change_factor') fails the seed check unless a reason is
        # given: LiteLLM's map converts per-token prices itself, so its jump is no unit slip
        new["change_reason"] = f"price changed in {price_source}"
        result.append(new)
    for key, new in fresh.items():
        if key not in seen_open:
            result.append(new)

    problems = validate(COLUMNS, [SeedRow(i + 2, r) for i, r in enumerate(result)])
    if problems:
        # Reached when a new window would overlap history, e.g. re-opening a retired model at a
        # date inside one of its closed windows.
        raise PriceSeedError(
            "the rebuilt seed would be invalid (line numbers count the rows in build order):\n"
            + "\n".join(problems)
        )
    return sorted(result, key=lambda r: (r["provider"], r["model"], r["effective_from"]))


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ai_finops.price_seed",
        description=(
            "Rebuild seeds/model_prices.csv from LiteLLM's model_prices_and_context_window.json"
            " (effective-dated: a changed price closes the open window and opens a new one),"
            " or check a seed file."
        ),
    )
    parser.add_argument(
        "--check", metavar="SEED_CSV", help="validate SEED_CSV and exit (1 when it has problems)"
    )
    parser.add_argument(
        "--litellm-json", metavar="PATH", help="LiteLLM model_prices_and_context_window.json"
    )
    parser.add_argument("--out", metavar="SEED_CSV", help="seed to (re)write, merged in place")
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument(
        "--models-from",
        metavar="SEED_CSV",
        help="take the provider/model pairs with an open window from this seed"
        " (default: those of --out)",
    )
    chosen.add_argument(
        "--model",
        action="append",
        metavar="PROVIDER/MODEL",
        help="model to add or refresh, e.g. openai/gpt-4o (repeatable)",
    )
    parser.add_argument(
        "--effective-from",
        default=DEFAULT_EFFECTIVE_FROM,
        metavar="YYYY-MM-DD",
        help=f"start of new windows (default {DEFAULT_EFFECTIVE_FROM})",
    )
    parser.add_argument(
        "--price-source",
        default=DEFAULT_PRICE_SOURCE,
        help=f"provenance written on new rows (default '{DEFAULT_PRICE_SOURCE}')",
    )
    return parser


def _run_build(args: argparse.Namespace) -> int:
    out = Path(args.out)
    existing: list[SeedRow] = []
    if out.exists():
        problems = check(out)
        if problems:
            raise PriceSeedError(
                "\n".join(problems) + f"\nFix {out} first (run --check {out}); it is not rewritten."
            )
        existing = read_seed(out)[1]

    if args.model:
        models = [parse_model_spec(spec) for spec in args.model]
    else:
        source = Path(args.models_from) if args.models_from else out
        if not source.is_file():
            raise PriceSeedError(
                f"no models to price: {source} does not exist. Fix: name models with"
                " --model provider/model or an existing seed with --models-from."
            )
        models = models_in_seed(read_seed(source)[1])
        if not models:
            raise PriceSeedError(f"{source} has no model with an open window; use --model.")

    rows = build_seed(
        load_price_map(Path(args.litellm_json)),
        models,
        [r.values for r in existing],
        effective_from=args.effective_from,
        price_source=args.price_source,
    )
    text = render_seed(rows)
    # Leave the file (and its mtime) alone when nothing changed, so make/dbt see no change.
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8", newline="")
    print(f"{out}: {len(rows)} rows for {len(models)} requested models.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.check:
        if args.litellm_json or args.out or args.model or args.models_from:
            parser.error("--check takes only the seed file to check")
        problems = check(args.check)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"{len(problems)} problem(s) in {args.check}.", file=sys.stderr)
            return 1
        print(f"{args.check}: ok.")
        return 0
    if not args.litellm_json or not args.out:
        parser.error("give --litellm-json and --out to build the seed, or --check SEED_CSV")
    try:
        return _run_build(args)
    except PriceSeedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
