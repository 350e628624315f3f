"""A/B of two copies of the project: full build, then one added day, in turns.

For measuring a proposed model change end to end (``bench/proposals/``): copy the project,
apply the patch in the copy, and compare it with the project as it is on the same data, in
alternating order so that a change in the machine's load hits both alike. Prints wall and CPU
seconds, peak RSS and the slowest nodes of each run, and checks that both copies give the same
request count and list cost.

Usage::

    python bench/compare_projects.py --a . --b /tmp/ai_finops-patched [--requests 1000000]
        [--rounds 2] [--out bench/out/compare]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench


def run_one(name: str, project: Path, data: Path, extra: Path, work: Path) -> dict:
    if work.exists():
        shutil.rmtree(work)
    landing = work / "landing"
    bench.link_tree(data / "litellm", landing / "litellm")
    dbt = bench.Dbt(project, landing, work / "warehouse.duckdb", work)
    r = {"parse": dbt.run("parse", ["parse"]),
         "full_build": dbt.run("full_build", ["build", *bench.MODELS_ONLY])}
    r["after_full_build"] = bench.fact_totals(dbt)
    bench.link_tree(extra / "litellm", landing / "litellm")
    r["incremental"] = dbt.run("incremental", ["build", *bench.MODELS_ONLY])
    r["after_incremental"] = bench.fact_totals(dbt)
    for k in ("full_build", "incremental"):
        x = r[k]
        bench.log(f"{name:8s} {k:12s} {x['seconds']:7.1f} s wall {x.get('cpu_seconds')} s cpu "
                  f"{x.get('peak_rss_mb')} MB peak (load {x['load_before']} -> "
                  f"{x['load_after']}); slowest: " + ", ".join(
                      f"{n['node'].split('.')[-1]} {n['seconds']}" for n in x.get("nodes", [])[:4]))
    for p in work.glob("*.duckdb*"):
        p.unlink()
    return r


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--a", type=Path, default=bench.ROOT, help="project copy A (default: this)")
    p.add_argument("--b", type=Path, required=True, help="project copy B")
    p.add_argument("--requests", type=int, default=1_000_000)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--out", type=Path, default=bench.BENCH / "out" / "compare")
    args = p.parse_args(argv)
    out = args.out.resolve()
    data_root = bench.BENCH / "out"
    data = Path(bench.ensure_data(data_root, args.requests, args.days, 42, bench.START)["folder"])
    extra = Path(bench.ensure_data(data_root, max(1, args.requests // args.days), 1, 43,
                                   bench.START + dt.timedelta(days=args.days))["folder"])
    projects = {"a": bench.snapshot_project(out / "project-a", args.a.resolve()),
                "b": bench.snapshot_project(out / "project-b", args.b.resolve())}
    results: dict = {"a": str(args.a.resolve()), "b": str(args.b.resolve()), "runs": []}
    for r in range(args.rounds):
        order = ["a", "b"] if r % 2 == 0 else ["b", "a"]
        for name in order:
            res = run_one(name, projects[name], data, extra, out / f"work-{name}")
            results["runs"].append({"round": r + 1, "project": name, **res})
    totals = {(x["project"], json.dumps(x["after_full_build"]), json.dumps(x["after_incremental"]))
              for x in results["runs"]}
    same = len({t[1:] for t in totals}) == 1
    results["same_answers"] = same
    bench.log(f"same request counts and list cost in every run: {same}")
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    bench.log(f"results: {out / 'results.json'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
