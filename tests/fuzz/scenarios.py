#!/usr/bin/env python3
"""The scenario fuzzer: whole random scenarios, simulated, checked against invariants.

    python3 tests/fuzz/scenarios.py [--minutes M | --cases N] [--seed S] [--jobs J]
                                    [--stacksim build/stacksim] [--keep DIR]

Each case draws a valid scenario within the documented ranges: one of the shipped
platforms (its chip's idle and busy power and its rental price drawn anew), one of the
shipped models, one of the shipped workloads (a stream, closed loop, coding sessions,
document batches or a trace, cut to a few hundred requests, at a drawn rate), and a serving
layout (colocated or disaggregated, instance size, attention TP, batch limits, overlap,
MTP, prefix cache with or without a second tier, on-demand KV with preemption, chip
failures). It runs `stacksim run` with --requests and --timeline and checks:

  - the run ends in a result (exit 0) or in one error line (exit 2): never a crash;
  - requests are conserved: generated = completed + rejected, none in flight;
  - every completed request got its output tokens, at times in order
    (arrival <= first token <= finish), and its cached tokens are part of its prompt;
  - KV within capacity: no overflow, peak and every interval's use at most the capacity;
  - time is monotone: the timeline's intervals follow one another;
  - energy at least idle power x chip time up (and at most busy power x chip time);
  - cost equals the price x chip-hours, and chip-hours the chips x the simulated time.

A failing case is kept (its scenario and the output) under --keep (default
build-fuzz/scenario-failures/) and the run exits 1; each one becomes a corpus case
(tests/malformed/CASES) or a golden or unit test once fixed. Each run appends a line
to build-fuzz/logs/history.txt. CI runs it for one minute (.ci/test).
"""

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLATFORMS = ["ascend-950pr", "atlas-950-superpod", "b200-hgx", "cloudmatrix384-910c", "gb200-nvl72", "h100-hgx",
             "h200-hgx", "h800-hgx", "mtia-400", "vera-rubin-nvl72"]
MODELS = ["deepseek-v3", "deepseek-v4-article", "deepseek-v4-flash", "deepseek-v4-pro", "dense-1t", "dense-37b",
          "gemma-4-31b", "kimi-k2"]
# workload file -> (its count key, count range)
WORKLOADS = {"coding": ("requests", (10, 300)), "document": ("requests", (10, 150)),
             "closed-loop": ("requests", (10, 300)), "coding-sessions": ("sessions", (1, 12)),
             "document-batch": ("jobs", (1, 2)), "azure-code": ("limit", (10, 300)),
             "azure-conv": ("limit", (10, 300)), "mooncake-conversation": ("limit", (10, 300))}
EPS = 1e-6


def draw_pool(rng, chips_per_domain):
    """A pool's serving keys: instance size, instances, TP, batch limits, overlap."""
    sizes = [s for s in (1, 2, 4, 8, 16, 18, 32, 36, 48, 64, 72, 96, 128) if s <= 2 * chips_per_domain]
    cpi = rng.choice(sizes)
    tp = rng.choice([t for t in (1, 2, 4, 8) if cpi % t == 0])
    pool = {"chips": cpi * rng.randint(1, 3), "chips_per_instance": cpi, "attention_tp": tp,
            "max_seqs_per_chip": rng.choice([1, 2, 8, 32, 64, 256]),
            "token_budget_per_chip": rng.choice([256, 1024, 4096, 16384]),
            "overlap": rng.choice(["none", "single_batch", "two_batch"]), "redundant_experts": "auto"}
    if rng.random() < 0.2:
        pool["mtp"] = {"draft_tokens": rng.randint(1, 3), "acceptance": round(rng.uniform(0.3, 0.95), 3)}
    return pool


def chips_per_domain(platform):
    with open(os.path.join(ROOT, "platforms", platform + ".yaml")) as f:
        for line in f:
            if line.strip().startswith("chips_per_domain:"):
                return int(line.split(":")[1].split("#")[0])
    return 8


def draw_case(rng):
    """(scenario text, what the checks need to know)."""
    platform = rng.choice(PLATFORMS)
    model = rng.choice(MODELS)
    workload = rng.choice(sorted(WORKLOADS))
    idle = round(rng.uniform(20, 600), 1)
    busy = round(idle + rng.uniform(1, 1500), 1)
    price = round(rng.uniform(0.1, 20), 3)
    key, (lo, hi) = WORKLOADS[workload]
    sets = {f"workload.{key}": rng.randint(lo, hi), "platform.chip.power_idle": f"{idle} W",
            "platform.chip.power_busy": f"{busy} W", "platform.cost.rental_per_chip_hour": f"${price}/h"}
    if workload in ("coding", "document") and rng.random() < 0.7:
        sets["workload.arrival.rate"] = f"{rng.choice([0.2, 1, 4, 16, 64])}/s"
    d = chips_per_domain(platform)
    serving = {}
    if rng.random() < 0.3:
        serving["prefill"] = draw_pool(rng, d)
        serving["decode"] = draw_pool(rng, d)
        chips = serving["prefill"]["chips"] + serving["decode"]["chips"]
    else:
        serving = draw_pool(rng, d)
        chips = serving["chips"]
        if rng.random() < 0.3:
            serving["prefix_cache"] = {"enabled": True}
            if rng.random() < 0.5:
                serving["prefix_cache"]["tier2"] = {"capacity_per_chip": f"{rng.choice([1, 64, 512])} GB",
                                                    "bandwidth_per_chip": f"{rng.choice([5, 50])} GB/s"}
        if rng.random() < 0.3:
            serving["kv_allocation"] = "on_demand"
            serving["preemption"] = rng.choice(["recompute", "swap"])
            if serving["preemption"] == "swap":
                serving["swap_bandwidth_per_chip"] = "50 GB/s"
    router = {"type": rng.choice(["round_robin", "least_loaded", "prefix_aware"])}
    for pool in ([serving["prefill"], serving["decode"]] if "prefill" in serving else [serving]):
        pool["router"] = router
    doc = {"name": "fuzz", "seed": rng.randint(1, 10**6), "pricing": "rental",
           "platform": os.path.join(ROOT, "platforms", platform + ".yaml"),
           "model": os.path.join(ROOT, "models", model + ".yaml"),
           "workload": os.path.join(ROOT, "workloads", workload + ".yaml"), "serving": serving}
    if rng.random() < 0.15:
        doc["failures"] = {"mtbf_per_chip": f"{rng.choice([0.05, 0.5, 5])} h",
                           "repair_time": f"{rng.choice([10, 60, 600])} s"}
    text = json.dumps(doc, indent=1) + "\n"  # JSON is YAML
    args = [a for k, v in sets.items() for a in ("--set", f"{k}={v}")]
    return text, args, {"idle": idle, "busy": busy, "price": price, "chips": chips,
                        "what": f"{platform} {model} {workload}"}


def close(a, b, rel=1e-6, abs_=1e-9):
    return abs(a - b) <= max(abs_, rel * max(abs(a), abs(b)))


def check_summary(s, k):
    problems = []
    r = s["requests"]
    if r["generated"] != r["completed"] + r["rejected"] + r["in_flight"]:
        problems.append(f"requests not conserved: {r}")
    if r["in_flight"] != 0:
        problems.append(f"{r['in_flight']} requests in flight at the end, with no horizon")
    kv = s["kv_cache"]
    if kv["overflows"] != 0 or kv["peak_utilisation"] > 1 + EPS:
        problems.append(f"KV over capacity: {kv}")
    c, t = s["cost"], s["simulated_seconds"]
    if s["layout"]["chips"] != k["chips"]:
        problems.append(f"chips {s['layout']['chips']}, the scenario has {k['chips']}")
    if not close(c["chip_hours"], k["chips"] * t / 3600):
        problems.append(f"chip-hours {c['chip_hours']} != {k['chips']} chips x {t} s")
    if not close(c["usd_per_chip_hour"], k["price"]) or not close(c["usd_total"], k["price"] * c["chip_hours"]):
        problems.append(f"cost {c['usd_total']} at {c['usd_per_chip_hour']}/chip-h != {k['price']} x "
                        f"{c['chip_hours']} chip-h")
    joules = c["chip_energy_kwh"] * 3.6e6
    up_s = (c["chip_hours"] - s["failures"]["lost_chip_hours"]) * 3600
    if joules < k["idle"] * up_s * (1 - EPS) - 1e-6:
        problems.append(f"energy {joules} J below idle power {k['idle']} W x {up_s} chip-s up")
    if joules > k["busy"] * c["chip_hours"] * 3600 * (1 + EPS) + 1e-6:
        problems.append(f"energy {joules} J above busy power {k['busy']} W x the chip time")
    return problems


def check_requests(path, s):
    problems = []
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != s["requests"]["generated"]:
        problems.append(f"{len(rows)} request rows for {s['requests']['generated']} requests")
    for row in rows:
        if row["status"] != "completed":
            continue
        a, ft, fin = float(row["arrival_s"]), float(row["first_token_s"]), float(row["finish_s"])
        if not (a <= ft + EPS and ft <= fin + EPS):
            problems.append(f"request {row['id']}: arrival {a}, first token {ft}, finish {fin} out of order")
        if row["generated_tokens"] != row["output_tokens"]:
            problems.append(f"request {row['id']}: {row['generated_tokens']} of {row['output_tokens']} tokens")
        if int(row["cached_tokens"]) > int(row["input_tokens"]):
            problems.append(f"request {row['id']}: {row['cached_tokens']} cached of {row['input_tokens']}")
        if len(problems) > 5:
            break
    return problems


def check_timeline(path):
    problems = []
    last = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            pool, start, end = row["pool"], float(row["start_s"]), float(row["end_s"])
            if not start < end + EPS or (pool in last and not close(start, last[pool])):
                problems.append(f"pool {pool}: interval {start}-{end} after one ending at {last.get(pool)}")
            last[pool] = end
            if float(row["kv_use"]) > 1 + EPS or not 0 <= float(row["busy"]) <= 1 + EPS:
                problems.append(f"pool {pool} at {start} s: KV use {row['kv_use']}, busy {row['busy']}")
            if len(problems) > 5:
                break
    return problems


def run_case(stacksim, index, seed):
    rng = random.Random(seed * 1_000_003 + index)
    text, args, k = draw_case(rng)
    with tempfile.TemporaryDirectory(prefix="stacksim-scenario-fuzz-") as tmp:
        scenario = os.path.join(tmp, "scenario.yaml")
        with open(scenario, "w") as f:
            f.write(text)
        cmd = [stacksim, "run", scenario, "-q", "-o", os.path.join(tmp, "summary.json"), "--requests",
               os.path.join(tmp, "requests.csv"), "--timeline", os.path.join(tmp, "timeline.csv"), *args]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return "fail", k, text, args, ["no result in 300 s (a hang?)"]
        if proc.returncode == 2:
            lines = proc.stderr.strip().splitlines()
            ok = len(lines) == 1 and lines[0].startswith("stacksim: error: ") and "internal error" not in lines[0]
            return ("refused" if ok else "fail"), k, text, args, (lines if ok else [f"exit 2 with: {proc.stderr}"])
        if proc.returncode != 0:
            return "fail", k, text, args, [f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}"]
        with open(os.path.join(tmp, "summary.json")) as f:
            s = json.load(f)["scenarios"][0]
        problems = check_summary(s, k) + check_requests(os.path.join(tmp, "requests.csv"), s) + \
            check_timeline(os.path.join(tmp, "timeline.csv"))
        return ("fail" if problems else "ran"), k, text, args, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=1)
    ap.add_argument("--cases", type=int, default=0, help="stop after this many cases (0: run for --minutes)")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--stacksim", default=os.path.join(ROOT, "build", "stacksim"))
    ap.add_argument("--keep", default=os.path.join(ROOT, "build-fuzz", "scenario-failures"))
    a = ap.parse_args()
    # A copy of its own: a rebuild while the fuzzer runs must not pull the binary away.
    snapshot = tempfile.TemporaryDirectory(prefix="stacksim-scenario-fuzz-bin-")
    stacksim = os.path.join(snapshot.name, "stacksim")
    shutil.copy2(os.path.abspath(a.stacksim), stacksim)
    deadline = time.monotonic() + 60 * a.minutes
    counts = {"ran": 0, "refused": 0, "fail": 0}
    refusals = {}
    t0 = time.monotonic()
    index = 0
    with ThreadPoolExecutor(max(1, a.jobs)) as pool:
        pending = set()
        while True:
            while len(pending) < 2 * max(1, a.jobs) and (a.cases <= 0 or index < a.cases) and \
                    (a.cases > 0 or time.monotonic() < deadline):
                pending.add(pool.submit(run_case, stacksim, index, a.seed))
                index += 1
            if not pending:
                break
            done = next(iter(pending))
            for f in list(pending):
                if f.done():
                    done = f
                    break
            outcome, k, text, args, problems = done.result()
            pending.discard(done)
            counts[outcome] += 1
            if outcome == "fail":
                os.makedirs(a.keep, exist_ok=True)
                base = os.path.join(a.keep, f"case-{a.seed}-{sum(counts.values())}")
                with open(base + ".yaml", "w") as f:
                    f.write(text)
                with open(base + ".txt", "w") as f:
                    f.write("stacksim run " + base + ".yaml " + " ".join(f"'{x}'" for x in args) + "\n")
                    f.write("\n".join(problems) + "\n")
                print(f"FAIL ({k['what']}): {problems[0][:300]}  [{base}.yaml]", flush=True)
    wall = time.monotonic() - t0
    total = sum(counts.values())
    line = (f"scenario fuzzer: {total} cases in {wall:.0f} s (seed {a.seed}): {counts['ran']} simulated and "
            f"checked, {counts['refused']} refused with one error line, {counts['fail']} failed")
    print(line)
    snapshot.cleanup()
    log = os.path.join(ROOT, "build-fuzz", "logs")
    os.makedirs(log, exist_ok=True)
    rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    with open(os.path.join(log, "history.txt"), "a") as f:
        f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {rev.stdout.strip()} {line}\n")
    sys.exit(1 if counts["fail"] else 0)


if __name__ == "__main__":
    main()
