"""stacksim's outputs as pandas DataFrames (stdlib + pandas; Debian's python3-pandas).

    import sys; sys.path.insert(0, "analysis")
    import stacksim_results as sr

    runs = sr.load_run("results.json")          # a row per scenario (`stacksim run -o`)
    runs = sr.frame([summary, ...])             # the same from summaries in hand
    reqs = sr.load_requests("requests.csv")     # a row per request (`run --requests`)
    bench = sr.load_bench("vllm-result.json")   # a row per scenario (`run --bench-json`)
    sweep = sr.load_sweep("capacity.db")        # a row per finished scenario of a sweep
    fleet, clusters = sr.load_fleet("coding-mixed.db")  # a fleet's summary, a row per cluster
    recs = sr.load_sweep_requests("capacity.db")  # a row per request (`sweep --requests`)
    tl = sr.load_timeline("timeline.csv")       # a row per interval and pool (`run --timeline`)
    steps = sr.load_trace("trace.json")         # a row per step in the window (`run --trace`)

Columns:

load_run      one column per leaf of the run summary, named by its path with dots
              ("latency_s.ttft.p99", "cost.usd_per_hour", "steady_state.itl.p50" ...;
              seconds, tokens per second, dollars: the JSON's own units); lists (a
              latency CDF, the pools) stay as Python objects in their column.
load_requests the CSV's columns (README, "--requests"), times read bit for bit
              (float_precision="round_trip"), plus ttft_s (first token - arrival),
              e2e_s (finish - arrival) and tpot_s ((finish - first token) /
              (output tokens - 1), for completed requests with more than one output token),
              so that numpy's percentiles over them give the summary's figures exactly.
load_bench    vLLM's keys (`vllm bench serve --save-result`: *_ms latencies, throughputs
              per second); one row for a one-scenario file, one per scenario otherwise.
load_sweep    the results table (fingerprint, sweep_index, scenario_name, inputs: the
              sweep point's {key: value} overrides) and each row's summary flattened as
              load_run does.
load_fleet    `stacksim fleet`'s database: the fleet's merged summary (a dict, as
              `fleet --json` writes it; the newest fleet row when the database holds several)
              and its clusters as load_sweep's rows (inputs: fleet, cluster, group,
              rate_per_s), without the latency sketches the merge read.
load_sweep_requests
              the `requests` table of `sweep --requests`: load_requests' columns (with
              fingerprint in place of the scenario's name), plus sweep_index and
              scenario_name from the results table and ttft_s, e2e_s, tpot_s as there.
load_timeline the CSV's columns (README, "--timeline"; read bit for bit) plus dt_s
              (end_s - start_s): summed over the rows, arrivals (pool 0), completed,
              rejected, completed_input/output_tokens, energy_j and usd give the summary's
              totals; busy x dt_s x instances gives the busy instance-seconds.
load_trace    the step events of a Chrome trace: scenario and pool (from the process
              name), instance, start_s, duration_s, the batch shape the performance model
              was given and the step time's parts in milliseconds (the events' args).
"""

import json
import sqlite3

import pandas as pd


def _flatten(doc, prefix=""):
    out = {}
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def frame(summaries):
    """Run summaries (dicts, as `run -o` writes each) as load_run's DataFrame."""
    return pd.DataFrame([_flatten(s) for s in summaries])


def load_run(path):
    """The summaries of `stacksim run -o FILE`, a row per scenario (variant)."""
    with open(path) as f:
        doc = json.load(f)
    return frame(doc["scenarios"])


def load_requests(path):
    """`stacksim run --requests FILE.csv` with the derived latencies (seconds)."""
    df = pd.read_csv(path, float_precision="round_trip", keep_default_na=False,
                     na_values={"first_token_s": [""], "finish_s": [""], "decode_instance": [""],
                                "instance": [""]})
    return _latencies(df)


def load_bench(path):
    """`stacksim run --bench-json FILE` (or a vLLM result file), a row per result."""
    with open(path) as f:
        doc = json.load(f)
    rows = doc if isinstance(doc, list) else [doc]
    # vLLM's per-request lists (input_lens, ttfts, itls ...) are left out of the table.
    return pd.DataFrame([{k: v for k, v in r.items() if not isinstance(v, list)} for r in rows])


def _results(path, order):
    """The results table's rows (fingerprint, sweep_index, scenario, inputs, summary), read-only."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("SELECT fingerprint, sweep_index, scenario, inputs, summary FROM results "
                           f"ORDER BY {order}").fetchall()
    finally:
        con.close()


def load_sweep(path):
    """The results of `stacksim sweep --db FILE`, a row per finished scenario."""
    rows = _results(path, "sweep_index")
    return pd.DataFrame([{"fingerprint": f, "sweep_index": i, "scenario_name": n, "inputs": json.loads(p),
                          **_flatten(json.loads(s))} for f, i, n, p, s in rows])


def load_fleet(path):
    """The fleet's summary and a row per simulated cluster of `stacksim fleet --db FILE`."""
    rows = _results(path, "rowid")
    fleets = [json.loads(s) for f, i, n, p, s in rows if i < 0]
    if not fleets:
        raise ValueError(f"{path}: no fleet summary (not a `stacksim fleet` database)")
    clusters = []
    for f, i, n, p, s in rows:
        if i < 0:
            continue
        summary = json.loads(s)
        summary.pop("distributions", None)
        clusters.append({"fingerprint": f, "sweep_index": i, "scenario_name": n, "inputs": json.loads(p),
                         **_flatten(summary)})
    frame = pd.DataFrame(clusters).sort_values("sweep_index", kind="stable").reset_index(drop=True)
    return fleets[-1], frame


def _latencies(df):
    df["ttft_s"] = df["first_token_s"] - df["arrival_s"]
    df["e2e_s"] = df["finish_s"] - df["arrival_s"]
    done = (df["status"] == "completed") & (df["output_tokens"] > 1)
    df["tpot_s"] = ((df["finish_s"] - df["first_token_s"]) / (df["output_tokens"] - 1)).where(done)
    return df


def load_sweep_requests(path):
    """The per-request records of `stacksim sweep --requests --db FILE`, a row per request."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        df = pd.read_sql_query("SELECT r.sweep_index, r.scenario AS scenario_name, q.* FROM requests q "
                               "JOIN results r USING (fingerprint) ORDER BY r.sweep_index, q.id", con)
    finally:
        con.close()
    return _latencies(df)


def load_timeline(path):
    """`stacksim run --timeline FILE.csv`, a row per interval and pool."""
    df = pd.read_csv(path, float_precision="round_trip")
    df["dt_s"] = df["end_s"] - df["start_s"]
    return df


def load_trace(path):
    """The steps of `stacksim run --trace FILE.json`, a row per step event."""
    with open(path) as f:
        events = json.load(f)["traceEvents"]
    names = {e["pid"]: e["args"]["name"] for e in events if e.get("ph") == "M" and e["name"] == "process_name"}
    rows = []
    for e in events:
        if e.get("ph") != "X":
            continue
        scenario, _, pool = names[e["pid"]].rpartition(": ")
        rows.append({"scenario": scenario, "pool": pool.split(" pool")[0], "instance": e["tid"], "step": e["name"],
                     "start_s": e["ts"] / 1e6, "duration_s": e["dur"] / 1e6, **e["args"]})
    return pd.DataFrame(rows)
