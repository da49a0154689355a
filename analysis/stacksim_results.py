"""stacksim's outputs as pandas DataFrames (stdlib + pandas; Debian's python3-pandas).

    import sys; sys.path.insert(0, "analysis")
    import stacksim_results as sr

    runs = sr.load_run("results.json")          # a row per scenario (`stacksim run -o`)
    reqs = sr.load_requests("requests.csv")     # a row per request (`run --requests`)
    bench = sr.load_bench("vllm-result.json")   # a row per scenario (`run --bench-json`)
    sweep = sr.load_sweep("capacity.db")        # a row per finished scenario of a sweep

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
load_sweep    the results table (fingerprint, sweep_index, scenario) and each row's
              summary flattened as load_run does.
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


def load_run(path):
    """The summaries of `stacksim run -o FILE`, a row per scenario (variant)."""
    with open(path) as f:
        doc = json.load(f)
    return pd.DataFrame([_flatten(s) for s in doc["scenarios"]])


def load_requests(path):
    """`stacksim run --requests FILE.csv` with the derived latencies (seconds)."""
    df = pd.read_csv(path, float_precision="round_trip", keep_default_na=False,
                     na_values={"first_token_s": [""], "finish_s": [""], "decode_instance": [""],
                                "instance": [""]})
    df["ttft_s"] = df["first_token_s"] - df["arrival_s"]
    df["e2e_s"] = df["finish_s"] - df["arrival_s"]
    done = (df["status"] == "completed") & (df["output_tokens"] > 1)
    df["tpot_s"] = ((df["finish_s"] - df["first_token_s"]) / (df["output_tokens"] - 1)).where(done)
    return df


def load_bench(path):
    """`stacksim run --bench-json FILE` (or a vLLM result file), a row per result."""
    with open(path) as f:
        doc = json.load(f)
    rows = doc if isinstance(doc, list) else [doc]
    # vLLM's per-request lists (input_lens, ttfts, itls ...) are left out of the table.
    return pd.DataFrame([{k: v for k, v in r.items() if not isinstance(v, list)} for r in rows])


def load_sweep(path):
    """The results of `stacksim sweep --db FILE`, a row per finished scenario."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT fingerprint, sweep_index, scenario, summary FROM results "
                           "ORDER BY sweep_index").fetchall()
    finally:
        con.close()
    return pd.DataFrame([{"fingerprint": f, "sweep_index": i, "scenario_name": n, **_flatten(json.loads(s))}
                         for f, i, n, s in rows])
