#!/usr/bin/env python3
"""stacksim report: one self-contained HTML page of stacksim results (`stacksim report` runs this).

    python3 analysis/run_report.py RESULTS... -o report.html [--title TEXT]

RESULTS are any of stacksim's outputs, recognised by their contents: a run's summaries
(`run -o`), per-request records (`--requests`), timelines (`--timeline`), a trace
(`--trace`), a vLLM-style result (`--bench-json`, or vLLM's own), a sweep database
(`sweep --db`) and a plan's results (`plan -o`). The page has what they allow: a summary
table, latency CDFs, timelines, the throughput-interactivity frontier, the cost
breakdown, and the inputs and assumptions behind each figure. One self-contained file
(analysis/stacksim_html.py), written atomically; a bad input is one error line naming
the file and exit code 2.
"""

import argparse
import json
import os
import sqlite3
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import stacksim_html as H  # noqa: E402 (sets matplotlib's backend first)
    import pandas  # noqa: E402, F401
except ImportError as e:
    sys.exit(f"stacksim: error: the report needs Python 3 with matplotlib, numpy and pandas ({e}); on Debian: "
             "apt-get install python3-matplotlib python3-pandas")

import matplotlib  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import stacksim_results as sr  # noqa: E402

KINDS = ("run", "requests", "timeline", "trace", "bench", "sweep", "plan")


class InputError(Exception):
    pass


def classify(path):
    """The kind of stacksim output at `path` (one of KINDS), from its contents."""
    if not os.path.isfile(path):
        raise InputError("not a regular file" if os.path.exists(path) else "no such file")
    with open(path, "rb") as f:
        head = f.read(64)
    if head.startswith(b"SQLite format 3\0"):
        return "sweep"
    first = head.split(b"\n", 1)[0]
    if first.startswith(b"scenario,id,stream,"):
        return "requests"
    if first.startswith(b"scenario,pool,role,"):
        return "timeline"
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(f"neither a stacksim CSV, JSON nor sweep database ({e})")
    if isinstance(doc, dict) and "scenarios" in doc:
        return "run"
    if isinstance(doc, dict) and "traceEvents" in doc:
        return "trace"
    if isinstance(doc, dict) and "candidates" in doc:
        return "plan"
    rows = doc if isinstance(doc, list) else [doc]
    if rows and all(isinstance(r, dict) and "request_throughput" in r for r in rows):
        return "bench"
    raise InputError("a JSON document stacksim did not write (no scenarios, traceEvents, candidates "
                     "or request_throughput key)")


def load(paths):
    """{kind: [(path, data)]} for the inputs; raises InputError naming the file."""
    out = {k: [] for k in KINDS}
    for p in paths:
        try:
            kind = classify(p)
            if kind == "run":
                with open(p) as f:
                    doc = json.load(f)
                data = (doc, sr.load_run(p))
            elif kind == "plan":
                with open(p) as f:
                    data = json.load(f)
            else:
                data = {"requests": sr.load_requests, "timeline": sr.load_timeline, "trace": sr.load_trace,
                        "bench": sr.load_bench, "sweep": sr.load_sweep}[kind](p)
        except InputError as e:
            raise InputError(f"{p}: {e}")
        except (OSError, ValueError, KeyError, sqlite3.Error) as e:
            raise InputError(f"{p}: cannot read it as a {kind} file ({type(e).__name__}: {e})")
        out[kind].append((p, data))
    return out


def ms(v):
    return H.fmt(v * 1e3 if v is not None else None, "{:,.1f}")


def scenario_rows(inputs):
    """A dict per simulated scenario (runs, then sweeps), with its source file."""
    rows = []
    for path, (_, df) in inputs["run"]:
        for r in df.to_dict("records"):
            rows.append(dict(r, source=os.path.basename(path)))
    for path, df in inputs["sweep"]:
        for r in df.to_dict("records"):
            # A sweep's rows share the base scenario's name: the point's values tell them apart.
            point = ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in (r.get("inputs") or {}).items())
            rows.append(dict(r, scenario=f"{r['scenario']} [{point}]" if point else r["scenario"],
                             source=f"{os.path.basename(path)} #{r['sweep_index']}"))
    return rows


SUMMARY_COLUMNS = [
    ("scenario", "scenario", None), ("platform", "platform", None), ("model", "model", None),
    ("layout.chips", "chips", "{:,}"), ("requests.completed", "completed", "{:,}"),
    ("throughput.requests_per_s", "req/s", "{:,.2f}"),
    ("throughput.output_tokens_per_s_per_chip", "out tok/s/chip", "{:,.1f}"),
    ("latency_s.ttft.p50", "TTFT p50 ms", ms), ("latency_s.ttft.p90", "TTFT p90 ms", ms),
    ("latency_s.ttft.p99", "TTFT p99 ms", ms), ("latency_s.tpot.p50", "TPOT p50 ms", ms),
    ("latency_s.tpot.p90", "TPOT p90 ms", ms), ("latency_s.itl.p50", "ITL p50 ms", ms),
    ("latency_s.itl.p99", "ITL p99 ms", ms), ("latency_s.e2e.p50", "E2E p50 s", "{:,.2f}"),
    ("latency_s.e2e.p99", "E2E p99 s", "{:,.2f}"), ("goodput.slo_attainment", "SLO met", "{:.1%}"),
    ("cost.usd_per_hour", "$/h", "{:,.2f}"), ("cost.usd_per_m_input", "$/M in", "{:,.3f}"),
    ("cost.usd_per_m_output", "$/M out", "{:,.3f}"), ("cost.energy_kwh", "kWh", "{:,.1f}"),
    ("source", "from", None)]


def summary_section(page, rows):
    page.section("Summary", "One row per simulated scenario. Latencies over every completed request "
                 "(TPOT excludes the first token; ITL is each decode step's gap per sequence); dollars per "
                 "million tokens over the whole run, on the pricing basis named in the assumptions below. "
                 "Click a column to sort.")
    page.table(rows, SUMMARY_COLUMNS)


def _log_x(ax):
    """A logarithmic x axis labelled at its decades only (the minor labels overlap)."""
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def _ecdf(ax, values, label):
    x = np.sort(np.asarray(values, dtype=float))
    x = x[np.isfinite(x)]
    if len(x):
        ax.step(x, np.arange(1, len(x) + 1) / len(x), where="post", label=label)


def latency_section(page, inputs, rows):
    metrics = (("ttft_s", "ttft", "TTFT"), ("tpot_s", "tpot", "TPOT"), ("e2e_s", "e2e", "E2E latency"))
    page.section("Latency distributions")
    if inputs["requests"]:
        fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
        for path, df in inputs["requests"]:
            done = df[df["status"] == "completed"]
            for (col, _, name), ax in zip(metrics, axes):
                for sc, g in done.groupby("scenario", sort=False):
                    _ecdf(ax, g[col].dropna(), sc)
                _log_x(ax)
                ax.set_xlabel(f"{name} (s)")
                ax.grid(True, which="both", alpha=0.3)
        axes[0].set_ylabel("fraction of completed requests")
        axes[-1].legend(fontsize=8)
        files = ", ".join(os.path.basename(p) for p, _ in inputs["requests"])
        page.figure(fig, f"Empirical CDFs over every completed request's record ({files}). "
                         "TPOT = (finish - first token) / (output tokens - 1).")
        return
    if not rows:
        page.paragraph("No per-request records or summaries among the inputs.")
        return
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for r in rows[:12]:
        for (_, key, name), ax in zip(metrics, axes):
            qs = [r.get(f"latency_s.{key}.p{q}") for q in (50, 90, 99)]
            if all(q is not None and q == q for q in qs):
                ax.plot(qs, [0.5, 0.9, 0.99], "o-", label=r["scenario"])
            _log_x(ax)
            ax.set_xlabel(f"{name} (s)")
            ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("quantile")
    axes[-1].legend(fontsize=8)
    page.figure(fig, "The summaries' p50, p90 and p99 (no per-request records among the inputs: "
                     "`stacksim run --requests FILE.csv` gives the whole distributions).")


def timeline_section(page, inputs):
    if not inputs["timeline"]:
        return
    page.section("Timelines", "Per interval and pool, from `stacksim run --timeline`: what a ramp, a "
                 "failure or a diurnal peak looks like. Token rates are what the instances computed "
                 "(prompt tokens prefilled, output tokens generated); queue and running sequences are at each "
                 "interval's end; KV use is at the end too, busy the share of the interval spent stepping; "
                 "power is the chips' mean over the interval (SimGrid's energy plugin), and the cost accrues "
                 "at that power on the run's pricing basis.")
    for path, df in inputs["timeline"]:
        for sc, g in df.groupby("scenario", sort=False):
            page.subsection(f"{sc} ({os.path.basename(path)})")
            fig, axes = plt.subplots(2, 2, figsize=(13, 6.2), sharex=True)
            prefill = axes[0][0].twinx()  # prompt tokens run 10-100x the output tokens
            cost = axes[1][1].twinx()
            for (pool, role), p in g.groupby(["pool", "role"]):
                t = p["start_s"]
                axes[0][0].plot(t, p["output_tokens_per_s"], label=f"{role}: output (left)")
                if p["prefill_tokens_per_s"].any():
                    prefill.plot(t, p["prefill_tokens_per_s"], ":", label=f"{role}: prefill (right)")
                axes[0][1].plot(t, p["queue"], label=f"{role}: queued")
                axes[0][1].plot(t, p["running"], "--", label=f"{role}: running")
                axes[1][0].plot(t, 100 * p["kv_use"], label=f"{role}: KV use")
                axes[1][0].plot(t, 100 * p["busy"], "--", label=f"{role}: busy")
                axes[1][1].plot(t, p["chip_watts"], label=f"{role}: W per chip (left)")
                cost.plot(t, 3600 * p["usd"] / p["dt_s"], ":", label=f"{role}: $/h (right)")
            axes[0][0].set_ylabel("output tokens/s")
            prefill.set_ylabel("prompt tokens/s")
            axes[0][1].set_ylabel("requests / sequences")
            axes[1][0].set_ylabel("%")
            axes[1][1].set_ylabel("mean chip power (W)")
            cost.set_ylabel("$ per hour")
            for ax, twin in ((axes[0][0], prefill), (axes[1][1], cost)):
                h1, l1 = ax.get_legend_handles_labels()
                h2, l2 = twin.get_legend_handles_labels()
                ax.legend(h1 + h2, l1 + l2, fontsize=7)
            for ax in axes.flat:
                ax.grid(True, alpha=0.3)
            axes[0][1].legend(fontsize=7)
            axes[1][0].legend(fontsize=7)
            for ax in axes[1]:
                ax.set_xlabel("simulated time (s)")
            fig.tight_layout()
            total = g["usd"].sum()
            page.figure(fig, f"Interval {g['dt_s'].iloc[0]:g} s; {int(g['arrivals'][g['pool'] == 0].sum()):,} "
                             f"arrivals, {int(g['completed'].sum()):,} completions, ${total:,.2f} accrued, "
                             f"{g['energy_j'].sum() / 3.6e6:,.2f} kWh of chip energy.")


def _pareto(points):
    front, best = [], -1.0
    for x, y in sorted(points, key=lambda p: -p[0]):
        if y > best:
            front.append((x, y))
            best = y
    return front


def frontier_section(page, inputs, rows):
    pts = {}
    for r in rows:
        tpot, y = r.get("latency_s.tpot.p50"), r.get("throughput.output_tokens_per_s_per_chip")
        if tpot and y and tpot == tpot:
            pts.setdefault(r.get("platform", "?"), []).append((1 / tpot, y))
    plans = [(os.path.basename(p), c) for p, d in inputs["plan"] for c in d.get("candidates", [])]
    if not pts and not any(c.get("frontier") for _, c in plans):
        return
    page.section("Throughput and interactivity", "Output tokens per second per chip against tokens per "
                 "second per user (1 / TPOT p50), InferenceMAX's axes: each point a simulated scenario, the "
                 "line its platform's Pareto frontier; a plan's analytic frontier dashed.")
    fig, ax = plt.subplots(figsize=(8.5, 5))
    for plat, p in pts.items():
        line = ax.plot(*zip(*_pareto(p)), "-o", label=plat)[0]
        ax.scatter(*zip(*p), s=14, alpha=0.4, color=line.get_color())
    for name, c in plans:
        f = sorted(c.get("frontier") or [], key=lambda x: x["tokens_per_s_per_user"])
        if f:
            ax.plot([x["tokens_per_s_per_user"] for x in f], [x["tokens_per_s_per_chip"] for x in f], "--",
                    label=f"plan {c['name']} ({name})")
    ax.set_xlabel("output tokens/s per user")
    ax.set_ylabel("output tokens/s per chip")
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    page.figure(fig, "Sources: the summaries above and the plans' `frontier` lists.")


def cost_section(page, rows):
    rows = [r for r in rows if r.get("cost.usd_per_hour") is not None][:30]
    if not rows:
        return
    page.section("Cost", "The bill per hour split by the work the chips did: the prefill share of busy time "
                 "(and its share of idle time) is charged to input tokens, the rest to output tokens; a "
                 "disaggregated prefill pool bills input, its decode pool output.")
    names = [r["scenario"] for r in rows]
    usd = np.array([r["cost.usd_per_hour"] for r in rows])
    share = np.array([r.get("cost.prefill_share") or 0 for r in rows])
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.45 * len(rows) + 1.6))
    y = np.arange(len(rows))
    axes[0].barh(y, usd * share, label="input (prefill)")
    axes[0].barh(y, usd * (1 - share), left=usd * share, label="output (decode)")
    axes[0].set_xlabel("$ per hour")
    axes[1].barh(y - 0.2, [r.get("cost.usd_per_m_input") or 0 for r in rows], 0.4, label="$/M input")
    axes[1].barh(y + 0.2, [r.get("cost.usd_per_m_output") or 0 for r in rows], 0.4, label="$/M output")
    axes[1].set_xscale("symlog", linthresh=0.01)
    axes[1].set_xlabel("$ per million tokens (whole run)")
    for ax in axes:
        ax.set_yticks(y)
        ax.set_yticklabels(names, fontsize=8)
        ax.invert_yaxis()
        ax.grid(True, axis="x", alpha=0.3)
        ax.legend(fontsize=8)
    axes[1].set_yticklabels([])
    fig.tight_layout()
    page.figure(fig, "From each summary's cost section (`cost.usd_per_hour`, `cost.prefill_share`, "
                     "`cost.usd_per_m_input`, `cost.usd_per_m_output`).")


ASSUMPTION_COLUMNS = [
    ("scenario", "scenario", None), ("workload", "workload", None), ("seed", "seed", "{}"),
    ("layout.instances", "instances", "{:,}"), ("layout.chips_per_instance", "chips/instance", "{}"),
    ("layout.disaggregated", "disaggregated", None), ("layout.router", "router", None),
    ("cost.pricing", "pricing", None), ("cost.usd_per_chip_hour", "$/chip-h", "{:,.3f}"),
    ("cost.other_pricing", "other basis", None), ("cost.other_usd_per_hour", "$/h other", "{:,.2f}"),
    ("cost.energy_scope", "energy", None), ("steady_state.start_s", "window from s", "{:,.0f}"),
    ("steady_state.end_s", "window to s", "{:,.0f}"), ("simulated_seconds", "simulated s", "{:,.0f}"),
    ("source", "from", None)]


def inputs_section(page, inputs, paths, rows):
    page.section("Inputs and assumptions", "What each figure above comes from. The scenario files hold "
                 "every assumption of a run (the platform, model and workload files they name carry their "
                 "sources and labelled assumptions); `stacksim info SCENARIO` prints the derived figures.")
    page.table([{"file": p, "kind": k, "bytes": os.path.getsize(p)} for k in KINDS for p, _ in inputs[k]],
               [("file", "input", None), ("kind", "kind", None), ("bytes", "bytes", "{:,}")])
    if rows:
        page.table(rows, ASSUMPTION_COLUMNS, "Per scenario: the layout, the pricing basis and its price per "
                   "chip-hour (the other basis beside it where every platform has one), the energy scope, and "
                   "the steady-state window the plan's SLO figures use.")
    for path, (doc, _) in inputs["run"]:
        sf = doc.get("scenario_file")
        if not sf:
            continue
        text = None
        for cand in (sf, os.path.join(os.path.dirname(path), sf)):
            if os.path.isfile(cand):
                with open(cand, errors="replace") as f:
                    text = f.read()
                break
        page.details(f"{sf} (the scenario file of {os.path.basename(path)}; stacksim "
                     f"{doc.get('stacksim_version', '?')})", text if text is not None else "(not found here)")
    for path, df in inputs["bench"]:
        page.subsection(f"vLLM-style results: {os.path.basename(path)}")
        cols = [(c, c, "{:,.3f}" if df[c].dtype.kind == "f" else "{}") for c in df.columns
                if c in ("duration", "completed", "request_throughput", "output_throughput", "mean_ttft_ms",
                         "p99_ttft_ms", "mean_tpot_ms", "p99_tpot_ms", "mean_itl_ms", "p99_itl_ms")]
        page.table(df.to_dict("records"), cols)
    for path, df in inputs["trace"]:
        page.paragraph(f"Trace {os.path.basename(path)}: {len(df):,} steps "
                       "(open it in ui.perfetto.dev or chrome://tracing).")


def build(paths, title):
    inputs = load(paths)
    rows = scenario_rows(inputs)
    names = ", ".join(os.path.basename(p) for p in paths)
    page = H.Page(title, f"Generated by `stacksim report` from {names}.")
    if rows:
        summary_section(page, rows)
    latency_section(page, inputs, rows)
    timeline_section(page, inputs)
    frontier_section(page, inputs, rows)
    cost_section(page, rows)
    inputs_section(page, inputs, paths, rows)
    return page


def main():
    ap = argparse.ArgumentParser(prog="stacksim report", description=__doc__.split("\n\n")[0])
    ap.add_argument("results", nargs="+", metavar="RESULTS")
    ap.add_argument("-o", "--output", required=True, metavar="FILE.html")
    ap.add_argument("--title", default="stacksim report")
    args = ap.parse_args()
    out = os.path.abspath(args.output)
    try:
        if os.path.exists(out) and not os.path.isfile(out):
            raise InputError(f"{args.output}: exists and is not a regular file; outputs are written to regular "
                             "files only")
        if any(os.path.abspath(p) == out or (os.path.exists(out) and os.path.exists(p) and os.path.samefile(p, out))
               for p in args.results):
            raise InputError(f"{args.output}: the output is also an input")
        if not os.path.isdir(os.path.dirname(out)):
            raise InputError(f"{args.output}: its directory does not exist")
        page = build(args.results, args.title)
    except InputError as e:
        print(f"stacksim: error: {e}", file=sys.stderr)
        sys.exit(2)
    page.write(os.path.realpath(out))  # through a symbolic link: its target (the link stays)


if __name__ == "__main__":
    main()
