"""Deterministic synthetic LiteLLM gateway logs, with the truth they should add up to.

The dbt project reads ``<raw_data_dir>/litellm/**/*.jsonl[.gz]``. This module fills such a
landing folder with records shaped like LiteLLM's ``StandardLoggingPayload`` (the objects its
bucket and callback loggers write), at whatever volume a benchmark needs, and writes next to it
(outside the landing folder, so the project never reads it as data) a manifest holding the
numbers the warehouse should reproduce: request counts, token sums and ``response_cost`` per
provider, model and month, plus how many duplicate and malformed lines were planted.

Usage::

    python -m ai_finops.generate --requests 1000000 --days 30 --start 2026-09-01 --seed 42 \\
        --out data/generated [--files-per-day 4] [--gzip] [--duplicate-rate 0.01] \\
        [--malformed 5] [--with-messages | --no-messages] [--overwrite]

Design choices worth knowing before changing anything:

* Determinism: every random draw comes from ``random.Random`` objects seeded from ``--seed``;
  nothing reads the clock, ``uuid4`` or hash-randomised ordering, and gzip headers carry
  ``mtime=0``. Same arguments, byte-identical files.
* Three independent random streams (requests, duplicates, malformed lines), so planting more
  duplicates or malformed lines never changes the genuine requests or the truth about them.
* Streaming: records are written as they are made. Only a bounded ring buffer of recent lines
  (for re-deliveries) and the small per-group aggregates stay in memory, so 10M requests need
  about the same RAM as 10k.
* Prices live in :data:`PRICES` (USD per 1M tokens) and :func:`compute_cost` is the only place
  that turns tokens into dollars; tests recompute costs from the same table independently.
"""

from __future__ import annotations

import argparse
import bisect
import collections
import datetime as dt
import gzip
import hashlib
import io
import json
import math
import random
import sys
from pathlib import Path

MANIFEST_NAME = "manifest-litellm.json"
LANDING_DIR = "litellm"
FORMAT_VERSION = 1

# ---------------------------------------------------------------------------------------------
# Prices: USD per 1M tokens. ``None`` means the model has no such token class (no cache writes
# outside Anthropic, no caching for embeddings). ``long_context`` rates replace *all* the base
# rates once a request's total input (uncached + cached + cache write) exceeds ``threshold``.
# ---------------------------------------------------------------------------------------------
PRICES: dict[str, dict] = {
    "gpt-4o": {"provider": "openai", "input": 2.5, "cache_read": 1.25, "cache_write": None,
               "output": 10.0},
    "gpt-4o-mini": {"provider": "openai", "input": 0.15, "cache_read": 0.075, "cache_write": None,
                    "output": 0.6},
    "gpt-4.1": {"provider": "openai", "input": 2.0, "cache_read": 0.5, "cache_write": None,
                "output": 8.0},
    "gpt-4.1-mini": {"provider": "openai", "input": 0.4, "cache_read": 0.1, "cache_write": None,
                     "output": 1.6},
    "gpt-5-mini": {"provider": "openai", "input": 0.25, "cache_read": 0.025, "cache_write": None,
                   "output": 2.0},
    "gpt-5.4": {"provider": "openai", "input": 2.5, "cache_read": 0.25, "cache_write": None,
                "output": 15.0,
                "long_context": {"threshold": 272_000, "input": 5.0, "cache_read": 0.5,
                                 "cache_write": None, "output": 22.5}},
    "o3-mini": {"provider": "openai", "input": 1.1, "cache_read": 0.55, "cache_write": None,
                "output": 4.4},
    "text-embedding-3-small": {"provider": "openai", "input": 0.02, "cache_read": None,
                               "cache_write": None, "output": 0.0},
    "claude-sonnet-4-5": {"provider": "anthropic", "input": 3.0, "cache_read": 0.3,
                          "cache_write": 3.75, "output": 15.0},
    "claude-haiku-4-5": {"provider": "anthropic", "input": 1.0, "cache_read": 0.1,
                         "cache_write": 1.25, "output": 5.0},
    "gemini-2.5-flash": {"provider": "gemini", "input": 0.3, "cache_read": 0.03,
                         "cache_write": None, "output": 2.5},
    "gemini-2.5-pro": {"provider": "gemini", "input": 1.25, "cache_read": 0.125,
                       "cache_write": None, "output": 10.0,
                       "long_context": {"threshold": 200_000, "input": 2.5, "cache_read": 0.25,
                                        "cache_write": None, "output": 15.0}},
}

# Multiplier on the whole request cost, by OpenAI service tier (``None`` = standard).
SERVICE_TIER_MULTIPLIER: dict[str | None, float] = {None: 1.0, "flex": 0.5, "priority": 1.8}

# Only gpt-5-mini gets a non-standard tier: the price seed has both its flex (0.5) and priority
# (1.8) multipliers, so list cost and the logged response_cost agree on generated data.
TIERED_MODELS = frozenset({"gpt-5-mini"})
# Models that report reasoning tokens (a part of completion_tokens).
REASONING_MODELS = frozenset({"gpt-5-mini", "o3-mini", "gpt-5.4"})
EMBEDDING_MODEL = "text-embedding-3-small"

# ---------------------------------------------------------------------------------------------
# Traffic mix. Weights are relative; they were picked to look like a mid-size SaaS product:
# retrieval and support dominate volume, document summarisation dominates tokens.
# ---------------------------------------------------------------------------------------------
# feature -> (team, share of traffic, prompt median, prompt sigma, completion median, sigma,
#             {model: weight})
FEATURES: dict[str, tuple] = {
    "rag-search": ("search", 30, 4000, 0.6, 350, 0.6, {
        "gpt-4.1-mini": 30, "gpt-4o-mini": 25, EMBEDDING_MODEL: 10, "claude-haiku-4-5": 15,
        "gemini-2.5-flash": 20}),
    "support-copilot": ("support", 22, 2500, 0.7, 300, 0.6, {
        "gpt-4o": 25, "gpt-4o-mini": 25, "claude-haiku-4-5": 20, "gpt-5-mini": 30}),
    "doc-summarize": ("docs", 14, 18000, 0.8, 700, 0.5, {
        "claude-sonnet-4-5": 35, "gpt-4.1": 30, "gemini-2.5-pro": 20, "gpt-5.4": 15}),
    "sales-email": ("sales", 12, 900, 0.5, 450, 0.4, {
        "gpt-4o-mini": 40, "gpt-4.1-mini": 35, "claude-haiku-4-5": 25}),
    "meeting-notes": ("meet", 12, 9000, 0.6, 900, 0.5, {
        "gemini-2.5-flash": 45, "gpt-5-mini": 35, "claude-sonnet-4-5": 20}),
    "eval-harness": ("ml-platform", 10, 6000, 0.9, 600, 0.8, {
        "o3-mini": 30, "gpt-5.4": 20, "gpt-4.1": 20, "gemini-2.5-pro": 15,
        "claude-sonnet-4-5": 15}),
}
# Features the project's feature mapping does not know: their cost must surface as unmapped.
UNKNOWN_FEATURES: dict[str, tuple] = {
    "beta-agent": ("ml-platform", 1, 5000, 0.8, 800, 0.7, {
        "gpt-5-mini": 50, "claude-sonnet-4-5": 30, "gemini-2.5-flash": 20}),
}
# Teams whose keys exist per environment; ml-platform only ever has a dev key.
TEAM_ENVS = {"ml-platform": ("dev",)}
ENV_WEIGHTS = {"prod": 75, "staging": 15, "dev": 10}
REGION_WEIGHTS = {"us-east-1": 50, "eu-west-1": 30, "ap-southeast-1": 20}
CUSTOMERS = tuple(f"cust_{i:03d}" for i in range(1, 41))

# Tagging gaps, as in real gateways: most traffic tagged, some only identified by its API key,
# some by nothing at all. Unknown features are a slice of the tagged traffic (~1% overall).
SHARE_UNTAGGED = 0.05
SHARE_KEY_ONLY = 0.10
SHARE_UNKNOWN_FEATURE = 0.01
SHARE_WITH_CUSTOMER = 0.55
SHARE_FAILURE = 0.005
SHARE_TIERED = 0.06  # of TIERED_MODELS requests, which are ~1/3 of OpenAI: ~2% of OpenAI
SHARE_LONG_CONTEXT = 0.002
# Unnamed keys (no alias, no team) used by the "carries nothing" traffic.
ANONYMOUS_KEYS = ("legacy-key-1", "legacy-key-2", "legacy-key-3")

MALFORMED_CLASSES = ("invalid_json", "missing_id", "non_numeric_start_time",
                     "negative_prompt_tokens")

_FAILURE_ERROR_JS = '"litellm.RateLimitError: rate limit exceeded (synthetic)"'

# Made-up people for the ``messages`` field: they exist so that tests can prove PII never
# reaches a mart. example.com and 555-01xx are reserved for fiction.
_FIRST = ("Ana", "Bob", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jia", "Kofi",
          "Lena", "Mateo", "Nora", "Omar", "Priya")
_LAST = ("Jones", "Silva", "Okafor", "Berg", "Kim", "Rossi", "Novak", "Haddad", "Moreau", "Ito")
_TOPICS = ("asks about invoice", "wants a refund for order", "reports bug in ticket",
           "needs a summary of call", "requests a quote for deal")


def _per_token(rates: dict) -> tuple[float, float, float, float]:
    """USD per single token for (input, cache_read, cache_write, output); missing classes are 0."""
    return tuple((rates[k] or 0.0) / 1e6 for k in ("input", "cache_read", "cache_write", "output"))


def compute_cost(model: str, prompt_tokens: int, cached_tokens: int, cache_write_tokens: int,
                 completion_tokens: int, service_tier: str | None = None
                 ) -> tuple[float, float, float]:
    """Return ``(input_cost, output_cost, total_cost)`` in USD, the way the manifest counts it.

    ``prompt_tokens`` is LiteLLM's: it already includes cached and cache-write tokens, so the
    uncached part is what is left. Above a model's long-context threshold (on the total input)
    every token class is billed at the long-context rates. The service tier scales everything.
    """
    price = PRICES[model]
    long_ctx = price.get("long_context")
    if long_ctx is not None and prompt_tokens > long_ctx["threshold"]:
        price = long_ctx
    r_in, r_cr, r_cw, r_out = _per_token(price)
    uncached = prompt_tokens - cached_tokens - cache_write_tokens
    mult = SERVICE_TIER_MULTIPLIER[service_tier]
    input_cost = (uncached * r_in + cached_tokens * r_cr + cache_write_tokens * r_cw) * mult
    output_cost = completion_tokens * r_out * mult
    return input_cost, output_cost, input_cost + output_cost


def key_hash(alias: str) -> str:
    """A fake ``user_api_key_hash``: sha256-shaped and stable per key, but not any real secret."""
    return hashlib.sha256(f"ai-finops-fake-api-key:{alias}".encode()).hexdigest()


def _sub_seed(seed: int, stream: str) -> int:
    """Derive an independent seed per random stream (stable across Python versions)."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{stream}".encode()).digest()[:8], "big")


def _cumulative(weights: dict) -> tuple[tuple, list[float]]:
    """Keys and normalised cumulative weights, for O(log n) draws with one ``random()`` call."""
    keys = tuple(weights)
    total = float(sum(weights.values()))
    cum, acc = [], 0.0
    for k in keys:
        acc += weights[k] / total
        cum.append(acc)
    cum[-1] = 1.0  # guard against float drift so bisect never runs off the end
    return keys, cum


class _Profile:
    """Everything about one feature that is constant across its requests, precomputed once."""

    __slots__ = (
        "c_mu",
        "c_sigma",
        "env_cum",
        "envs",
        "feature",
        "model_cum",
        "models",
        "p_mu",
        "p_sigma",
        "team",
    )

    def __init__(self, feature: str, spec: tuple):
        team, _share, p_med, p_sigma, c_med, c_sigma, model_weights = spec
        self.feature, self.team = feature, team
        self.p_mu, self.p_sigma = math.log(p_med), p_sigma
        self.c_mu, self.c_sigma = math.log(c_med), c_sigma
        self.models, self.model_cum = _cumulative(model_weights)
        envs = TEAM_ENVS.get(team)
        env_weights = {e: 1 for e in envs} if envs else ENV_WEIGHTS
        self.envs, self.env_cum = _cumulative(env_weights)


def _uuid_like(h: str) -> str:
    """Format 32 hex digits as a uuid (uuid4 itself would break determinism)."""
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _js(value) -> str:
    """Compact JSON for one constant value, used to precompute line fragments."""
    return json.dumps(value, separators=(",", ":"))


class _RecordFactory:
    """Builds one request's JSON line plus the facts it stands for.

    The line is assembled from a template instead of ``json.dumps`` on a nested dict: encoding
    was two thirds of the run time. That is safe because every string spliced in is either a
    precomputed JSON fragment (``_js``) or made of hex digits, digits and the fixed ASCII
    names below, and every number goes through ``repr`` exactly as ``json.dumps`` does; the
    tests check that each line equals ``json.dumps(json.loads(line))`` byte for byte.
    """

    def __init__(self, seed: int, with_messages: bool):
        self.with_messages = with_messages
        self.profiles = {f: _Profile(f, spec) for f, spec in FEATURES.items()}
        self.feature_keys, self.feature_cum = _cumulative({f: s[1] for f, s in FEATURES.items()})
        self.unknown = [_Profile(f, spec) for f, spec in UNKNOWN_FEATURES.items()]
        self.regions, self.region_cum = _cumulative(REGION_WEIGHTS)
        # Zipf-like customer sizes: a few big accounts, a long tail, as in any B2B product.
        self.customers, self.customer_cum = _cumulative(
            {c: 1.0 / (i + 1) ** 0.8 for i, c in enumerate(CUSTOMERS)})
        self.customer_js = {c: _js(c) for c in CUSTOMERS}
        self.customer_tag_js = {c: "," + _js(f"customer:{c}") + "]" for c in CUSTOMERS}
        self.anonymous_hashes = tuple(key_hash(a) for a in ANONYMOUS_KEYS)
        # A fixed pool of messages drawn from its own stream: variety enough for PII tests
        # without formatting and escaping a fresh string per line.
        mrng = random.Random(_sub_seed(seed, "messages"))
        self.messages_js = []
        for _ in range(256):
            first, last = mrng.choice(_FIRST), mrng.choice(_LAST)
            email = f"{first.lower()}.{last.lower()}{mrng.randrange(100)}@example.com"
            phone = f"+1-555-01{mrng.randrange(100):02d}"
            text = f"{first} {last} ({email}, {phone}) {mrng.choice(_TOPICS)} {mrng.randrange(9999)}"
            self.messages_js.append('"messages":' + _js([{"role": "user", "content": text}]) + ",")
        # Ordinary traffic stays below a long-context threshold, so the share above it is
        # exactly the planted SHARE_LONG_CONTEXT.
        self.prompt_cap = {m: (p["long_context"]["threshold"] * 9 // 10 if "long_context" in p
                               else 150_000) for m, p in PRICES.items()}
        self.rates = {}
        for m, p in PRICES.items():
            self.rates[m] = (_per_token(p), _per_token(p["long_context"]) if "long_context" in p
                             else None, p.get("long_context", {}).get("threshold"))
        self._who: dict[tuple, tuple[str, str]] = {}
        self._tags: dict[tuple, str] = {}

    def _who_fragments(self, prof: _Profile, env: str, tagging: str, anon: int
                       ) -> tuple[str, str]:
        """The metadata around ``user_api_key_end_user_id``: constant per key and tagging."""
        if tagging == "untagged":
            hashed, alias, team = self.anonymous_hashes[anon], None, None
        else:
            alias = f"{prof.team}-{env}-key"
            hashed, team = key_hash(alias), prof.team
        head = (f'"metadata":{{"user_api_key_hash":{_js(hashed)},"user_api_key_alias":{_js(alias)}'
                f',"user_api_key_team_alias":{_js(team)},"user_api_key_end_user_id":')
        spend = {"feature": prof.feature, "env": env} if tagging == "tagged" else None
        mid = f',"spend_logs_metadata":{_js(spend)},"usage_object":'
        return head, mid

    def make(self, rng: random.Random, start: float) -> tuple[str, tuple]:
        """Return ``(json_line, facts)`` for one request starting at epoch second ``start``.

        ``facts`` = (provider, model, failed, prompt, completion, cached, cache_write,
        reasoning, cost, feature, team, tagging, tier, long_context).
        """
        rnd = rng.random
        # --- who sent it ---------------------------------------------------------------------
        r = rnd()
        if r < SHARE_UNTAGGED:
            tagging = "untagged"
        elif r < SHARE_UNTAGGED + SHARE_KEY_ONLY:
            tagging = "key_only"
        else:
            tagging = "tagged"
        if tagging == "tagged" and rnd() < SHARE_UNKNOWN_FEATURE / (1 - SHARE_UNTAGGED
                                                                     - SHARE_KEY_ONLY):
            prof = self.unknown[int(rnd() * len(self.unknown))]
        else:
            prof = self.profiles[self.feature_keys[bisect.bisect(self.feature_cum, rnd())]]
        env = prof.envs[bisect.bisect(prof.env_cum, rnd())]
        region = self.regions[bisect.bisect(self.region_cum, rnd())]
        customer = None
        if prof.team != "ml-platform" and rnd() < SHARE_WITH_CUSTOMER:
            customer = self.customers[bisect.bisect(self.customer_cum, rnd())]
        model = prof.models[bisect.bisect(prof.model_cum, rnd())]
        provider = PRICES[model]["provider"]
        anon = int(rnd() * len(ANONYMOUS_KEYS)) if tagging == "untagged" else 0

        # --- what it used --------------------------------------------------------------------
        failed = rnd() < SHARE_FAILURE
        embedding = model == EMBEDDING_MODEL
        cached = cache_write = reasoning = completion = 0
        tier = None
        long_ctx = False
        base, long_rates, threshold = self.rates[model]
        if failed:
            # LiteLLM logs failures with empty usage and zero cost.
            prompt = 0
        elif embedding:
            prompt = max(5, int(math.exp(5.7 + 0.8 * rng.gauss(0.0, 1.0))))
        else:
            if threshold is not None and rnd() < SHARE_LONG_CONTEXT:
                prompt = int(threshold * (1.0 + 0.6 * rnd())) + 1
                long_ctx = True
            else:
                prompt = int(math.exp(prof.p_mu + prof.p_sigma * rng.gauss(0.0, 1.0)))
                prompt = min(max(prompt, 20), self.prompt_cap[model])
            c_mu = prof.c_mu + (0.7 if model in REASONING_MODELS else 0.0)
            completion = max(1, min(int(math.exp(c_mu + prof.c_sigma * rng.gauss(0.0, 1.0))),
                                    32_000))
            if model in REASONING_MODELS:
                reasoning = int(completion * (0.3 + 0.5 * rnd()))
            # Prompt caching: OpenAI caches 1024+ token prompts in 128-token steps; Anthropic
            # also bills cache writes; Gemini reports implicit cache hits.
            if prompt >= 1024 and rnd() < 0.45:
                cached = int(prompt * (0.2 + 0.7 * rnd()))
                if provider == "openai":
                    cached = cached // 128 * 128
            if provider == "anthropic" and rnd() < 0.15:
                cache_write = int((prompt - cached) * (0.3 + 0.6 * rnd()))
            if model in TIERED_MODELS and rnd() < SHARE_TIERED:
                tier = "flex" if rnd() < 2 / 3 else "priority"

        # --- what it cost (same arithmetic as compute_cost, inlined for speed) ---------------
        if failed:
            input_cost = output_cost = cost = 0.0
        else:
            r_in, r_cr, r_cw, r_out = long_rates if long_ctx else base
            mult = SERVICE_TIER_MULTIPLIER[tier]
            input_cost = ((prompt - cached - cache_write) * r_in + cached * r_cr
                          + cache_write * r_cw) * mult
            output_cost = completion * r_out * mult
            cost = input_cost + output_cost

        # --- when ----------------------------------------------------------------------------
        if failed:
            response_time = 0.05 + 2.0 * rnd()
        elif embedding:
            response_time = 0.05 + 0.2 * rnd()
        else:
            response_time = 0.2 + 0.001 * prompt ** 0.5 + completion / (40.0 + 80.0 * rnd())
        end = start + response_time

        # --- the line, in LiteLLM's key order ------------------------------------------------
        who_key = (prof.feature, env, tagging, anon)
        who = self._who.get(who_key)
        if who is None:
            who = self._who[who_key] = self._who_fragments(prof, env, tagging, anon)
        if tagging == "tagged":
            tag_key = (prof.feature, env, region)
            tags = self._tags.get(tag_key)
            if tags is None:
                tags = self._tags[tag_key] = _js(
                    [f"feature:{prof.feature}", f"env:{env}", f"region:{region}"])[:-1]
            if customer:
                tags += self.customer_tag_js[customer]
                end_user = self.customer_js[customer]
            else:
                tags += "]"
                end_user = "null"
        else:
            tags, end_user = "[]", "null"
        if cache_write:
            # LiteLLM reports Anthropic cache writes three times over; keep all three spellings.
            cache_detail = (f',"cache_write_tokens":{cache_write},'
                            f'"cache_creation_tokens":{cache_write}}},'
                            f'"cache_creation_input_tokens":{cache_write}}}')
        else:
            cache_detail = "}}"
        total = prompt + completion
        ids = f"{rng.getrandbits(384):096x}"
        # The message is picked from the trace id's last byte rather than a fresh draw, so
        # that --no-messages leaves every other field of every record unchanged.
        messages = self.messages_js[int(ids[94:], 16)] if self.with_messages else ""
        line = (
            f'{{"id":"chatcmpl-{_uuid_like(ids)}","litellm_call_id":"{_uuid_like(ids[32:])}",'
            f'"trace_id":"{_uuid_like(ids[64:])}",'
            f'"call_type":"{"embedding" if embedding else "completion"}",'
            f'"status":"{"failure" if failed else "success"}","custom_llm_provider":"{provider}",'
            f'"startTime":{start!r},"endTime":{end!r},"completionStartTime":{end!r},'
            f'"response_time":{response_time!r},"model":"{model}",{who[0]}{end_user}{who[1]}'
            f'{{"completion_tokens":{completion},"prompt_tokens":{prompt},'
            f'"total_tokens":{total},"completion_tokens_details":{{"reasoning_tokens":{reasoning}}},'
            f'"prompt_tokens_details":{{"cached_tokens":{cached}{cache_detail}}},'
            f'"response_cost":{cost!r},"cost_breakdown":{{"input_cost":'
            f'{input_cost!r},"output_cost":{output_cost!r},"total_cost":{cost!r},'
            f'"service_tier":{"null" if tier is None else chr(34) + tier + chr(34)}}},'
            f'"total_tokens":{total},"prompt_tokens":{prompt},"completion_tokens":{completion},'
            f'"request_tags":{tags},"end_user":{end_user},{messages}"error_str":'
            f'{_FAILURE_ERROR_JS if failed else "null"}}}'
        )
        facts = (provider, model, failed, prompt, completion, cached, cache_write, reasoning,
                 cost, prof.feature, prof.team, tagging, tier, long_ctx)
        return line, facts


def _malformed_line(kind: str, line: str) -> str:
    """Corrupt a well-formed line into one of the planted bad-line classes."""
    if kind == "invalid_json":
        return line[: len(line) // 2]  # a truncated write: the object never closes
    rec = json.loads(line)
    if kind == "missing_id":
        del rec["id"]
    elif kind == "non_numeric_start_time":
        rec["startTime"] = "not-a-timestamp"
    elif kind == "negative_prompt_tokens":
        rec["prompt_tokens"] = -abs(rec["prompt_tokens"] or 1)
    else:  # pragma: no cover - guarded by MALFORMED_CLASSES
        raise ValueError(kind)
    return json.dumps(rec, separators=(",", ":"))


def _open_out(path: Path, use_gzip: bool):
    """Open a text writer and, for gzip, the raw file the caller must close after it.

    gzip gets mtime=0 so compressed output is byte-reproducible too, and level 1 because the
    default level 9 triples the run time for files only ~25% smaller.
    """
    if use_gzip:
        raw = open(path, "wb")  # noqa: SIM115 - the caller closes it after the wrapper
        gz = gzip.GzipFile(filename=path.name[:-3], mode="wb", fileobj=raw, mtime=0,
                           compresslevel=1)
        writer = io.TextIOWrapper(gz, encoding="utf-8", newline="\n", write_through=False)
        return writer, raw
    return open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20), None


def _existing_outputs(landing: Path) -> list[Path]:
    return sorted(landing.rglob("litellm-*.jsonl")) + sorted(landing.rglob("litellm-*.jsonl.gz"))


def generate(out: str | Path, requests: int, days: int, start: dt.date | str, seed: int,
             files_per_day: int = 1, use_gzip: bool = False, duplicate_rate: float = 0.01,
             malformed: int = 0, with_messages: bool = True, overwrite: bool = False,
             ring_size: int = 2048) -> dict:
    """Write the landing files and the manifest under ``out``; return the manifest dict.

    Requests are split evenly across ``days`` (earlier days take the remainder), then evenly
    across ``files_per_day`` files in time order. Within a day each request gets its own equal
    time slot with a uniform jitter inside it, so start times are uniform over the day and
    already sorted without keeping the day in memory.
    """
    if requests < 1 or days < 1 or files_per_day < 1:
        raise ValueError("requests, days and files_per_day must be >= 1")
    if not 0.0 <= duplicate_rate < 1.0:
        raise ValueError("duplicate_rate must be in [0, 1)")
    if malformed < 0:
        raise ValueError("malformed must be >= 0")
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    out = Path(out)
    landing = out / LANDING_DIR
    stale = _existing_outputs(landing) if landing.exists() else []
    if stale:
        if not overwrite:
            raise FileExistsError(
                f"{landing} already holds {len(stale)} generated files; the manifest would not "
                "describe them. Use another --out or --overwrite.")
        for p in stale:  # only our own file pattern: never wipe a folder wholesale
            p.unlink()

    rng = random.Random(seed)
    dup_rng = random.Random(_sub_seed(seed, "duplicates"))
    bad_rng = random.Random(_sub_seed(seed, "malformed"))
    factory = _RecordFactory(seed, with_messages)

    # Malformed lines go just before these genuine-request indexes (all < requests), evenly
    # spread over the run and cycling through the classes.
    bad_at: dict[int, list[str]] = collections.defaultdict(list)
    for j in range(malformed):
        bad_at[(2 * j + 1) * requests // (2 * malformed)].append(
            MALFORMED_CLASSES[j % len(MALFORMED_CLASSES)])

    # Ring buffers of recent lines of the current and the previous file: a re-delivery is
    # always a copy of something written shortly before, in the same or the previous file.
    recent_cur: collections.deque[str] = collections.deque(maxlen=ring_size)
    recent_prev: collections.deque[str] = collections.deque(maxlen=ring_size)

    groups: dict[tuple, list] = {}
    by_feature: dict[tuple, list] = {}
    counts = collections.Counter()
    malformed_by_class = {k: 0 for k in MALFORMED_CLASSES}
    files = []
    total_cost = 0.0
    lines_written = duplicates = 0
    req_index = 0
    per_day, extra = divmod(requests, days)
    epoch0 = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp()
    ext = ".jsonl.gz" if use_gzip else ".jsonl"

    for d in range(days):
        day = start + dt.timedelta(days=d)
        month = f"{day.year:04d}-{day.month:02d}"
        day_start = epoch0 + 86400.0 * d
        day_end = day_start + 86400.0
        n_day = per_day + (1 if d < extra else 0)
        slot = 86400.0 / n_day if n_day else 0.0
        folder = landing / f"{day.year:04d}" / f"{day.month:02d}" / f"{day.day:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(files_per_day):
            lo, hi = k * n_day // files_per_day, (k + 1) * n_day // files_per_day
            path = folder / f"litellm-{day.isoformat()}-part{k + 1}{ext}"
            fh, raw = _open_out(path, use_gzip)
            write = fh.write
            if files:  # a new file: what was current becomes the "previous file" buffer
                recent_prev, recent_cur = recent_cur, recent_prev
                recent_cur.clear()
            file_lines = 0
            for i in range(lo, hi):
                ts = day_start + (i + rng.random()) * slot
                if ts >= day_end:  # float rounding at the very end of a day
                    ts = day_end - 0.001
                for kind in bad_at.get(req_index, ()):
                    write(_malformed_line(kind, factory.make(bad_rng, ts)[0]))
                    write("\n")
                    malformed_by_class[kind] += 1
                    file_lines += 1
                req_index += 1

                line, facts = factory.make(rng, ts)
                write(line)
                write("\n")
                file_lines += 1
                recent_cur.append(line)
                if duplicate_rate and dup_rng.random() < duplicate_rate:
                    n_prev = len(recent_prev)
                    j = int(dup_rng.random() * (n_prev + len(recent_cur)))
                    write(recent_prev[j] if j < n_prev else recent_cur[j - n_prev])
                    write("\n")
                    duplicates += 1
                    file_lines += 1

                (provider, model, failed, prompt, completion, cached, cache_write, reasoning,
                 cost, feature, team, tagging, tier, long_ctx) = facts
                g = groups.get((provider, model, month))
                if g is None:
                    g = groups[(provider, model, month)] = [0, 0, 0, 0, 0, 0, 0, 0.0]
                g[0] += 1
                g[1] += failed
                g[2] += prompt
                g[3] += completion
                g[4] += cached
                g[5] += cache_write
                g[6] += reasoning
                g[7] += cost
                f = by_feature.get((feature, team, tagging))
                if f is None:
                    f = by_feature[(feature, team, tagging)] = [0, 0.0]
                f[0] += 1
                f[1] += cost
                total_cost += cost
                if tier:
                    counts["tier_" + tier] += 1
                if long_ctx:
                    counts["long_context"] += 1
            fh.close()
            if raw is not None:
                raw.close()
            lines_written += file_lines
            files.append({"path": path.relative_to(out).as_posix(), "lines": file_lines})

    tagging_counts = collections.Counter()
    unknown_feature = 0
    for (feature, _team, tagging), (n, _c) in by_feature.items():
        tagging_counts[tagging] += n
        if tagging == "tagged" and feature in UNKNOWN_FEATURES:
            unknown_feature += n
    manifest = {
        "generator": "ai_finops.generate",
        "format_version": FORMAT_VERSION,
        "params": {
            "requests": requests, "days": days, "start": start.isoformat(), "seed": seed,
            "files_per_day": files_per_day, "gzip": use_gzip, "duplicate_rate": duplicate_rate,
            "malformed": malformed, "with_messages": with_messages,
        },
        "landing_dir": LANDING_DIR,
        "lines_written": lines_written,
        "unique_requests": requests,
        "duplicate_lines": duplicates,
        "malformed_lines": sum(malformed_by_class.values()),
        "malformed_by_class": malformed_by_class,
        "failed_requests": sum(g[1] for g in groups.values()),
        "total_response_cost": total_cost,
        "tagging": {"tagged": tagging_counts["tagged"], "key_only": tagging_counts["key_only"],
                    "untagged": tagging_counts["untagged"], "unknown_feature": unknown_feature},
        "service_tiers": {"flex": counts["tier_flex"], "priority": counts["tier_priority"]},
        "long_context_requests": counts["long_context"],
        "by_model_month": [
            {"provider": p, "model": m, "month": mo, "requests": g[0], "failed_requests": g[1],
             "prompt_tokens": g[2], "completion_tokens": g[3], "cache_read_tokens": g[4],
             "cache_write_tokens": g[5], "reasoning_tokens": g[6], "response_cost": g[7]}
            for (p, m, mo), g in sorted(groups.items())
        ],
        "by_feature": [
            {"feature": f, "team": t, "tagging": tg, "requests": v[0], "response_cost": v[1]}
            for (f, t, tg), v in sorted(by_feature.items())
        ],
        "files": files,
    }
    out.mkdir(parents=True, exist_ok=True)
    with open(out / MANIFEST_NAME, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    return manifest


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m ai_finops.generate",
        description="Write deterministic synthetic LiteLLM gateway logs and their truth manifest.")
    p.add_argument("--requests", type=int, required=True, help="unique requests to generate")
    p.add_argument("--days", type=int, default=30, help="days to spread them over (default 30)")
    p.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2026, 9, 1),
                   help="first day, YYYY-MM-DD, UTC (default 2026-09-01)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--out", required=True,
                   help=f"output folder: files go to OUT/{LANDING_DIR}/, truth to "
                        f"OUT/{MANIFEST_NAME}")
    p.add_argument("--files-per-day", type=int, default=1, help="files per day (default 1)")
    p.add_argument("--gzip", action="store_true", help="write .jsonl.gz instead of .jsonl")
    p.add_argument("--duplicate-rate", type=float, default=0.01,
                   help="chance that a line is followed by a re-delivery (default 0.01)")
    p.add_argument("--malformed", type=int, default=0,
                   help="malformed lines to plant, cycling through the classes (default 0)")
    msg = p.add_mutually_exclusive_group()
    msg.add_argument("--with-messages", dest="with_messages", action="store_true", default=True,
                     help="include a short made-up message with fake PII (default)")
    msg.add_argument("--no-messages", dest="with_messages", action="store_false",
                     help="leave the messages field out")
    p.add_argument("--overwrite", action="store_true",
                   help="delete previously generated litellm-*.jsonl[.gz] files in OUT first")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        manifest = generate(
            args.out, requests=args.requests, days=args.days, start=args.start, seed=args.seed,
            files_per_day=args.files_per_day, use_gzip=args.gzip,
            duplicate_rate=args.duplicate_rate, malformed=args.malformed,
            with_messages=args.with_messages, overwrite=args.overwrite)
    except (ValueError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {manifest['lines_written']} lines ({manifest['unique_requests']} requests, "
          f"{manifest['duplicate_lines']} duplicates, {manifest['malformed_lines']} malformed) "
          f"in {len(manifest['files'])} files; total response_cost "
          f"${manifest['total_response_cost']:.2f}; truth in {Path(args.out) / MANIFEST_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
