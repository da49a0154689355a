"""The plots of index.md, one function each; each draws one PNG into `out` and returns
(its file name, its caption)."""

import os
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)
import pandas as pd  # noqa: E402

import stacksim_html as H  # noqa: E402 (analysis/ is on the path: report.py puts it there)

from . import summary as S  # noqa: E402

DPI = 110


def _save(fig, out, name, caption):
    """Saves the PNG (index.md) and returns (its name, the caption, the figure as inline SVG
    for index.html)."""
    fig.savefig(os.path.join(out, name), dpi=DPI)
    svg = H.svg(fig)  # closes it
    return name, caption, svg


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


def search_frontier(out, search):
    """The screen's throughput-interactivity frontier of each platform (InferenceMAX's axes)."""
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for p in search.platforms():
        w = search.winner(p)
        pts = sorted(w.frontier if w else [], key=lambda x: x["tokens_per_s_per_user"])
        if not pts:
            continue
        line = ax.plot([x["tokens_per_s_per_user"] for x in pts], [x["tokens_per_s_per_chip"] for x in pts],
                       "-o", ms=4, label=p)[0]
        ax.scatter([1 / w.window["tpot"]["p50"]], [w.window["output_tokens_per_s"] / w.chips], marker="*", s=160,
                   color=line.get_color(), edgecolor="k", zorder=5)
    ax.set_xlabel("interactivity: output tokens/s per user")
    ax.set_ylabel("output tokens/s per chip")
    ax.set_yscale("log")
    ax.set_title("V4, default coding stream: the search's frontier per platform (star: the cheapest within the SLO)",
                 fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return _save(fig, out, "frontier.png",
                 "The throughput-interactivity frontier of each platform from `stacksim plan`'s analytic screen "
                 "(every deployment it sized for the load, TTFT target kept, TPOT target left out; the best "
                 "throughput per chip at each interactivity), with the simulated winner as a star "
                 "(`data/plans/deployments.yaml`).")


def cost_by_platform(out, search, cal, input_price):
    """$/M input (cache miss) and output of each platform's searched deployment, with bands."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    plats = [p for p in search.platforms() if search.winner(p)]
    for ax, fn, title in ((axes[0], lambda w: w.usd_in_miss, "$ per M input tokens (cache miss)"),
                          (axes[1], lambda w: w.usd_out, "$ per M output tokens")):
        vals = [fn(search.winner(p)) for p in plats]
        bands = [cal.band(p) for p in plats]
        err = [[v - v * b[0] for v, b in zip(vals, bands)], [v * b[1] - v for v, b in zip(vals, bands)]]
        ax.barh(plats, vals, xerr=err, color=["#c0392b" if p.startswith("ascend") else "#27ae60" for p in plats],
                capsize=4)
        for y, v in enumerate(vals):
            ax.text(v, y + 0.3, f" {v:.3f}", va="center", fontsize=8)
        ax.set_title(title)
        ax.invert_yaxis()
    axes[0].axvline(input_price, color="k", ls="--", lw=1)
    axes[0].text(input_price, -0.4, " $0.28 claim", fontsize=8)
    fig.suptitle("V4 at each platform's searched deployment, default coding stream within its SLO (ownership)")
    fig.tight_layout()
    return _save(fig, out, "cost-by-platform.png",
                 "Dollars per million input (cache-miss) and output tokens at each platform's cheapest deployment "
                 "within the SLO; error bars: the stack's leave-one-out calibration band.")


def ranges(out, search):
    """$/M tokens (whole bill) of each platform under each of its alternatives, searched afresh."""
    rows = []
    for p in search.platforms():
        base = search.winner(p)
        if not base:
            continue
        rows.append((p, "default", base.usd_per_m_tokens, True))
        for name, w in search.alternatives_of(p):
            rows.append((p, name, w.usd_per_m_tokens if w else 0, w is not None))
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(rows) + 1.2))
    colors = {"ascend-950pr": "#c0392b", "vera-rubin-nvl72": "#27ae60", "mtia-400": "#2980b9"}
    labels = [f"{p}: {n}" for p, n, _, _ in rows]
    ax.barh(labels, [v for _, _, v, _ in rows], color=[colors.get(p, "#7f8c8d") for p, _, _, _ in rows],
            hatch=None)
    for y, (_, _, v, ok) in enumerate(rows):
        ax.text(v, y, f" {v:.3f}" if ok else " none meets the SLO", va="center", fontsize=7)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([textwrap.shorten(lab, 70).replace("$", r"\$") for lab in labels], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("$ per M tokens, input and output (the whole bill over the window's tokens)")
    ax.set_title("Each assumption alone, each platform's deployment searched afresh", fontsize=10)
    fig.tight_layout()
    return _save(fig, out, "ranges.png",
                 "The whole bill per million tokens at each platform's searched deployment under each of its "
                 "alternative assumptions (scenarios/article/claims.yaml, search.alternatives), each one a "
                 "candidate of the same plan.")


def draw_all(out, pareto_csv, search, cal, input_price):
    """Every plot, in index.md's order: [(file name, caption, inline SVG)]."""
    return [search_frontier(out, search), cost_by_platform(out, search, cal, input_price), ranges(out, search),
            pareto(out, pareto_csv)]
