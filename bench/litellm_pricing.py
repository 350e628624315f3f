"""Price a sample of landing requests with LiteLLM's own ``cost_per_token`` and time it.

Runs inside a separate virtual environment that has ``litellm`` (``bench/bench.py`` makes it
under ``bench/out/litellm-venv``; litellm is not a dependency of the project). It reads the
first ``--sample`` distinct requests of a landing folder (files in sorted order), parses them
with ``json.loads`` (timed apart), then calls ``litellm.cost_per_token`` once per request the
way the gateway prices a call: model, provider, prompt and completion tokens, cache-read and
cache-write tokens, service tier, call type. Only the pricing loop counts as "pricing time".

It also compares LiteLLM's answer with the ``response_cost`` the generator logged (computed
from the project's reference prices): how many agree to 1e-9 USD.

Prints one JSON object. ``LITELLM_LOCAL_MODEL_COST_MAP=True`` is set before the import so that
LiteLLM uses the price map bundled with the installed version instead of fetching one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def read_sample(raw_dir: Path, sample: int) -> tuple[list[dict], int]:
    """The first ``sample`` distinct requests (by id) of the landing folder, and lines read."""
    files = sorted(p for p in (raw_dir / "litellm").rglob("*.jsonl"))
    seen: set[str] = set()
    out: list[dict] = []
    lines = 0
    for path in files:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                lines += 1
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                rid = rec.get("id")
                if not rid or rid in seen:
                    continue
                seen.add(rid)
                out.append(rec)
                if len(out) >= sample:
                    return out, lines
    return out, lines


def pricing_args(rec: dict) -> dict:
    """cost_per_token's keyword arguments for one StandardLoggingPayload record."""
    usage = (rec.get("metadata") or {}).get("usage_object") or {}
    details = usage.get("prompt_tokens_details") or {}
    cache_write = (usage.get("cache_creation_input_tokens")
                   or details.get("cache_creation_tokens") or 0)
    tier = (rec.get("cost_breakdown") or {}).get("service_tier")
    kwargs = {
        "model": rec.get("model") or "",
        "custom_llm_provider": rec.get("custom_llm_provider"),
        "prompt_tokens": int(rec.get("prompt_tokens") or 0),
        "completion_tokens": int(rec.get("completion_tokens") or 0),
        "cache_read_input_tokens": int(details.get("cached_tokens") or 0),
        "cache_creation_input_tokens": int(cache_write),
        "call_type": "embedding" if rec.get("call_type") == "embedding" else "completion",
    }
    if tier:
        kwargs["service_tier"] = tier
    return kwargs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--raw", required=True, type=Path, help="landing folder (holds litellm/)")
    p.add_argument("--sample", type=int, default=100_000)
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    records, lines = read_sample(args.raw, args.sample)
    t1 = time.perf_counter()
    calls = [pricing_args(r) for r in records]
    logged = [float(r.get("response_cost") or 0.0) for r in records]

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    t2 = time.perf_counter()
    import litellm
    from litellm import cost_per_token

    t3 = time.perf_counter()
    costs: list[float | None] = []
    errors = 0
    c0 = time.process_time()
    t4 = time.perf_counter()
    for kwargs in calls:
        try:
            prompt_cost, completion_cost = cost_per_token(**kwargs)
            costs.append(prompt_cost + completion_cost)
        except Exception:  # noqa: BLE001 - an unpriced model is a result, not a crash
            costs.append(None)
            errors += 1
    t5 = time.perf_counter()
    c1 = time.process_time()
    agree = sum(1 for c, g in zip(costs, logged, strict=True)
                if c is not None and abs(c - g) <= 1e-9)
    version = getattr(litellm, "__version__", None)
    if version is None:
        try:
            from importlib.metadata import version as _v
            version = _v("litellm")
        except Exception:  # noqa: BLE001
            version = "?"
    n = len(calls)
    print(json.dumps({
        "litellm_version": version,
        "requests": n,
        "lines_read": lines,
        "seconds_read_and_json_parse": round(t1 - t0, 3),
        "seconds_import_litellm": round(t3 - t2, 3),
        "seconds_pricing": round(t5 - t4, 3),
        "cpu_seconds_pricing": round(c1 - c0, 3),
        "requests_per_second": round(n / (t5 - t4), 1) if t5 > t4 else None,
        "errors": errors,
        "agree_with_logged_cost": agree,
        "total_cost_usd": round(sum(c for c in costs if c is not None), 6),
        "total_logged_cost_usd": round(sum(logged), 6),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
