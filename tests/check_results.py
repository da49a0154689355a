#!/usr/bin/env python3
"""Test of analysis/stacksim_results.py (run by CTest): a run of tests/data/busy.yaml with
--requests, --bench-json, --timeline, --trace and -o, and a two-scenario sweep, loaded into DataFrames: one
row per request, the summary's percentiles recomputed from the records with numpy
exactly, the bench and run tables agreeing, and the sweep's rows.

    python3 tests/check_results.py STACKSIM
"""

import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "analysis"))
import stacksim_results as sr  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tests"))
from checks import check, conclude  # noqa: E402



def main():
    stacksim = os.path.abspath(sys.argv[1])
    data = os.path.join(ROOT, "tests", "data")
    with tempfile.TemporaryDirectory(prefix="stacksim-results-") as tmp:
        run = [stacksim, "run", os.path.join(data, "busy.yaml"), "-q", "--set", "model.max_context=20000",
               "--requests", f"{tmp}/r.csv", "--bench-json", f"{tmp}/b.json", "-o", f"{tmp}/s.json",
               "--timeline", f"{tmp}/t.csv", "--trace", f"{tmp}/tr.json"]
        subprocess.run(run, check=True)
        runs, reqs, bench = sr.load_run(f"{tmp}/s.json"), sr.load_requests(f"{tmp}/r.csv"), sr.load_bench(f"{tmp}/b.json")
        s = runs.iloc[0]
        check(len(reqs) == s["requests.generated"], "a row per request")
        check((reqs["status"] == "rejected").sum() == s["requests.rejected"], "rejections counted")
        done = reqs[reqs["status"] == "completed"]
        for col, key in (("ttft_s", "ttft"), ("e2e_s", "e2e"), ("tpot_s", "tpot")):
            x = done[col].dropna().to_numpy()
            for q in (50, 90, 99):
                check(np.percentile(x, q) == s[f"latency_s.{key}.p{q}"], f"{key} p{q} recomputed exactly")
        check(bench.iloc[0]["median_ttft_ms"] == s["latency_s.ttft.p50"] * 1e3, "bench and run agree")
        # The timeline adds up to the summary; the trace's steps fill the busy time in its window.
        tl, steps = sr.load_timeline(f"{tmp}/t.csv"), sr.load_trace(f"{tmp}/tr.json")
        check(tl["arrivals"].sum() == s["requests.generated"], "timeline arrivals")
        check(tl["completed"].sum() == s["requests.completed"], "timeline completions")
        check(abs(tl["usd"].sum() / s["cost.usd_total"] - 1) < 1e-12, "timeline cost")
        check(tl["dt_s"].sum() == s["simulated_seconds"] or abs(tl["dt_s"].sum() / s["simulated_seconds"] - 1) < 1e-12,
              "timeline covers the run")
        busy_10s = (tl["busy"] * tl["dt_s"])[tl["end_s"] <= 10].sum() * s["layout.instances"]
        check(abs(steps["duration_s"].sum() - busy_10s) < 1e-6 * busy_10s + 0.05, "trace steps = busy time in 0-10 s")
        check(set(steps["scenario"]) == {s["scenario"]}, "trace scenario names")
        # The golden 20-scenario sweep: 20 rows, in sweep order, with the summaries' columns.
        subprocess.run([stacksim, "sweep", os.path.join(ROOT, "tests", "golden", "sweep20.yaml"), "--jobs", "2",
                        "--db", f"{tmp}/w.db", "--requests"], check=True, capture_output=True)
        sweep = sr.load_sweep(f"{tmp}/w.db")
        check(len(sweep) == 20, f"20 sweep rows, got {len(sweep)}")
        check(list(sweep["sweep_index"]) == list(range(20)), "in sweep order")
        check("latency_s.ttft.p99" in sweep.columns and "cost.usd_per_hour" in sweep.columns, "summary columns")
        recs = sr.load_sweep_requests(f"{tmp}/w.db")
        for _, row in sweep.iterrows():
            mine = recs[recs["fingerprint"] == row["fingerprint"]]
            check(len(mine) == row["requests.generated"], f"sweep point {row['sweep_index']}: a record per request")
            x = mine[mine["status"] == "completed"]["tpot_s"].dropna().to_numpy()
            check(np.percentile(x, 90) == row["latency_s.tpot.p90"], f"sweep point {row['sweep_index']}: TPOT p90")
        # A fleet: its summary and a row per cluster, whose sums are the fleet's.
        subprocess.run([stacksim, "fleet", os.path.join(data, "fleet-tiny.yaml"), "--jobs", "2", "--db",
                        f"{tmp}/f.db"], check=True, capture_output=True)
        fleet, clusters = sr.load_fleet(f"{tmp}/f.db")
        check(len(clusters) == 3, f"3 cluster rows, got {len(clusters)}")
        check(not any(c.startswith("distributions") for c in clusters.columns), "no sketch columns")
        check(clusters["requests.completed"].sum() == fleet["requests"]["completed"], "completed: the clusters' sum")
        check(clusters["latency_s.ttft.count"].sum() == fleet["latency_s"]["ttft"]["count"], "TTFT samples: the sum")
    conclude("results module checks passed")


if __name__ == "__main__":
    main()
