"""The plots of index.md, one function each; each draws one PNG into `out` and returns
(its file name, its caption)."""

import os
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)
import pandas as pd  # noqa: E402

from . import summary as S  # noqa: E402

DPI = 110


def _save(fig, out, name, caption):
    fig.savefig(os.path.join(out, name), dpi=DPI)
    plt.close(fig)
    return name, caption


def _frontier(g):
    """The Pareto-optimal rows of one platform's sweep: best throughput per chip as the
    tokens/s per user falls."""
    front, best = [], -1.0
    for _, row in g.sort_values("tok_s_user", ascending=False).iterrows():
        if row["tput_chip"] > best:
            front.append(row)
            best = row["tput_chip"]
    return front


def pareto(out, pareto_csv):
    """Output throughput per chip against tokens/s per user, from the Pareto sweep's CSV."""
    df = pd.read_csv(pareto_csv)
    df["tok_s_user"] = 1.0 / df[S.CSV_TPOT_P50]
    df["tput_chip"] = df[S.CSV_OUTPUT_TOKENS_PER_S_PER_CHIP]
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for plat, g in df.groupby(S.CSV_PLATFORM):
        front = _frontier(g)
        line = ax.plot([r["tok_s_user"] for r in front], [r["tput_chip"] for r in front], "-o", label=plat)[0]
        ax.scatter(g["tok_s_user"], g["tput_chip"], s=12, color=line.get_color(), alpha=0.4)
    ax.set_xlabel("interactivity: output tokens/s per user (1 / p50 TPOT)")
    ax.set_ylabel("output tokens/s per chip")
    ax.set_yscale("log")
    ax.set_title("V4, 8K in / 1K out: throughput-interactivity Pareto frontier per platform")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return _save(fig, out, "pareto.png",
                 "Throughput per chip against tokens/s per user (closed loop, 16-4,096 users; "
                 "one or two EP instances per scale-up domain). Lines are each platform's "
                 "Pareto frontier; dots every configuration.")


def latency_cdf(out, stack_runs):
    """TTFT and TPOT CDFs of each variant of stack-cost.yaml."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    q = [i / 100 for i in range(101)]
    for s in stack_runs:
        for ax, cdf, scale in ((axes[0], S.ttft_cdf, 1.0), (axes[1], S.tpot_cdf, 1e3)):
            ax.plot([v * scale for v in cdf(s)], q, label=S.name(s))
    axes[0].set_xscale("log")
    axes[0].set_xlabel("TTFT (s)")
    axes[1].set_xscale("log")
    axes[1].set_xlabel("TPOT (ms)")
    for ax in axes:
        ax.set_ylabel("fraction of requests")
        ax.grid(True, which="both", alpha=0.3)
    axes[1].legend(fontsize=7)
    fig.suptitle("Latency CDFs, V4 by stack and workload (scenarios/article/stack-cost.yaml)")
    fig.tight_layout()
    return _save(fig, out, "latency-cdf.png", "TTFT and TPOT distributions for each stack and workload.")


def cost_by_stack(out, stack_runs, input_price):
    """$/M input and output of each variant of stack-cost.yaml (Ascend ones red by name)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    names = [S.name(s) for s in stack_runs]
    colors = ["#c0392b" if n.startswith("ascend") else "#27ae60" for n in names]
    for ax, fn, title in ((axes[0], S.usd_in, "$ per M input tokens"),
                          (axes[1], S.usd_out, "$ per M output tokens")):
        vals = [fn(s) for s in stack_runs]
        ax.barh(names, vals, color=colors)
        for y, v in enumerate(vals):
            ax.text(v, y, f" {v:.2f}", va="center", fontsize=8)
        ax.set_title(title)
        ax.invert_yaxis()
    axes[0].axvline(input_price, color="k", ls="--", lw=1)
    axes[0].text(input_price, len(names) - 0.5, " $0.28 claim", fontsize=8)
    fig.suptitle("Cost per million tokens: Ascend 950PR (owned) vs Vera Rubin NVL72 ($8.5/h)")
    fig.tight_layout()
    return _save(fig, out, "cost-by-stack.png",
                 "Dollars per million input and output tokens by stack and workload "
                 "(chip time attributed to prefill and decode by the work each step did).")


def _tornado_panel(ax, fn, title, tornado, base):
    """One side of the tornado: `fn` (a cost accessor) under each alternative's two ends."""
    b = fn(base)
    items = []
    for name, (lo, hi) in tornado.items():
        vl = fn(lo) if lo else b
        vh = fn(hi) if hi else b
        ml = lo is None or S.meets_slo(lo)
        mh = hi is None or S.meets_slo(hi)
        items.append((max(abs(vl - b), abs(vh - b)), name, vl, vh, ml, mh))
    items.sort()
    for y, (_, name, vl, vh, ml, mh) in enumerate(items):
        ax.barh(y, vl - b, left=b, color="#2980b9", hatch=None if ml else "///", alpha=1 if ml else 0.4)
        ax.barh(y, vh - b, left=b, color="#e67e22", hatch=None if mh else "///", alpha=1 if mh else 0.4)
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels([textwrap.fill(i[1], 34).replace("$", r"\$") for i in items], fontsize=7)
    ax.axvline(b, color="k", lw=1)
    ax.set_title(f"{title} (base {b:.3f})")


def tornado(out, tornado, base, input_price):
    """What moves V4's cost on Ascend: each alternative of claims.yaml alone."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 6.5))
    for ax, fn, title in ((axes[0], S.usd_in, "$ per M input tokens"), (axes[1], S.usd_out, "$ per M output tokens")):
        _tornado_panel(ax, fn, title, tornado, base)
    axes[0].axvline(input_price, color="k", ls="--", lw=1)
    fig.suptitle("What moves V4's cost on Ascend 950PR: each assumption alone (blue: first value, orange: second);\n"
                 "performance alternatives are priced at their own highest load within the SLO (hatched: misses the SLO)",
                 fontsize=10)
    fig.tight_layout()
    return _save(fig, out, "tornado.png",
                 "Tornado chart: the change in cost per million tokens when one assumption "
                 "is moved to each end of its range (scenarios/article/claims.yaml). Price "
                 "assumptions act at the default load; performance assumptions (efficiency, "
                 "precision, cache) through the highest load that still meets the SLO.")


def draw_all(study, out, pareto_csv, stack_runs, base):
    """Every plot, in index.md's order: [(file name, caption)]."""
    price = study.cfg["prices"]["v4_input"]
    return [pareto(out, pareto_csv), latency_cdf(out, stack_runs), cost_by_stack(out, stack_runs, price),
            tornado(out, study.tornado, base, price)]
