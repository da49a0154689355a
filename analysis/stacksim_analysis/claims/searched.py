"""The claims priced at each stack's searched deployment (search.py): V4 runs on Ascend
950PR alone (3), "~$0.28 per M input tokens" (4), the 30-50% efficiency gap (5), the
27x price ratio (7) and the fleet (8). Every figure is a plan winner's steady-state
window: the cheapest deployment that serves the default coding stream within its SLO.
Ranges: the platform's alternatives (each searched afresh) and the calibration's
leave-one-out band (uncertainty.py), combined as the extremes of their products."""

from ..summary import fmt_usd
from . import Claim

ASCEND, RUBIN = "ascend-950pr", "vera-rubin-nvl72"


def _span(values):
    return min(values), max(values)


def cell(x):
    """Text for a Markdown table cell (a deployment's "prefill ... | decode ..." keeps its bar)."""
    return str(x).replace("|", "\\|")


def breakeven_output(usd_per_hour, input_tokens_per_s, output_tokens_per_s, input_price):
    """The output price ($/M) at which input sold at input_price ($/M) and output together
    pay the hourly bill; <= 0 when the input alone pays it."""
    return (usd_per_hour / 3600 - input_price * input_tokens_per_s / 1e6) / output_tokens_per_s * 1e6


def _range(search, cal, platform, fn):
    """(lo, hi) of fn(winner) over the platform and its alternatives, times its calibration band."""
    wins = [search.winner(platform)] + [w for n, w in search.alternatives_of(platform) if w and "gap" not in n]
    lo, hi = _span([fn(w) for w in wins])
    b_lo, b_hi = cal.band(platform)
    return lo * b_lo, hi * b_hi


def _deployments_table(search, cal):
    md = ["| platform | deployment (searched) | chips | $/hour | TTFT p90 s | TPOT p90 ms | $/M input (miss) "
          "| $/M output | tok/s per chip | calibration band |", "|---|---|---|---|---|---|---|---|---|---|"]
    for p in search.platforms():
        w = search.winner(p)
        if w is None:
            md.append(f"| {p} | none meets the SLO | | | | | | | | |")
            continue
        lo, hi = cal.band(p)
        md.append(f"| {p} | {cell(w.layout)} | {w.chips} | ${w.usd_per_hour:,.2f} | {w.window['ttft']['p90']:.2f} | "
                  f"{w.window['tpot']['p90']*1e3:.1f} | {fmt_usd(w.usd_in_miss)} | {fmt_usd(w.usd_out)} | "
                  f"{w.tokens_per_s_per_chip:,.0f} | x{lo:.2f}-x{hi:.2f} ({cal.family(p)}) |")
    md += ["", "SGLang launch arguments of each winner (the plan's translation of the deployment):", ""]
    for p in search.platforms():
        w = search.winner(p)
        for role, args in (w.sglang.items() if w else []):
            md.append(f"- {p} ({role}): `{args}`")
    return md


def _alternatives_table(search, platform, fn, label):
    md = [f"| {platform}: alternative | chips | $/hour | {label} |", "|---|---|---|---|"]
    base = search.winner(platform)
    md.append(f"| default assumptions | {base.chips} | ${base.usd_per_hour:,.2f} | {fn(base)} |")
    for name, w in search.alternatives_of(platform):
        md.append(f"| {cell(name)} | " + (f"{w.chips} | ${w.usd_per_hour:,.2f} | {fn(w)} |" if w
                                    else "none meets the SLO | | |"))
    return md


def runs_on_ascend(search, cal):
    """Claim 3: V4 runs entirely on Ascend 950PR."""
    w = search.winner(ASCEND)
    alts = search.alternatives_of(ASCEND)
    ok = [n for n, a in alts if a]
    label = "holds" if w else "does not hold"
    rng = f"served within the SLO under {len(ok)} of {len(alts)} alternatives"
    verdict = (f"Holds: the search finds a deployment of 950PR chips alone ({w.layout}; {w.chips} chips) that "
               f"serves the default coding stream within its SLO; {rng}." if w else
               "Does not hold: no deployment of 950PR chips meets the SLO.")
    return Claim(id=3, title="V4 \"runs entirely on Huawei Ascend 950PR\" for inference",
                 default=f"{w.chips} chips within the SLO" if w else "none", range=rng, label=label,
                 verdict=verdict, body=_deployments_table(search, cal))


def break_even(search, cal, cfg):
    """Claim 4: ~$0.28 per M input tokens for V4 on Ascend 950PR."""
    price = cfg["prices"]["v4_input"]
    w = search.winner(ASCEND)
    lo, hi = _range(search, cal, ASCEND, lambda x: x.usd_in_miss)
    rate_in, rate_out = w.window["input_tokens_per_s"], w.window["output_tokens_per_s"]
    need_out = breakeven_output(w.usd_per_hour, rate_in, rate_out, price)
    if hi <= price:
        label, cond = "holds", ""
        verdict = (f"Holds: at the searched deployment a million cache-miss input tokens cost {fmt_usd(w.usd_in_miss)} "
                   f"({fmt_usd(lo)} to {fmt_usd(hi)} over the alternatives and the calibration band), below $0.28.")
    elif lo > price:
        label, cond = "does not hold", ""
        verdict = (f"Does not hold: a million cache-miss input tokens cost {fmt_usd(w.usd_in_miss)} to serve "
                   f"({fmt_usd(lo)} to {fmt_usd(hi)}), above $0.28 under every assumption tried.")
    else:
        b_lo, b_hi = cal.band(ASCEND)
        alts = [("the default assumptions", w)] + [(n, x) for n, x in search.alternatives_of(ASCEND)
                                                  if x and "gap" not in n]
        over = [f"{n} ({fmt_usd(x.usd_in_miss)}; {fmt_usd(x.usd_in_miss * b_hi)} at the band's top)"
                for n, x in alts if x.usd_in_miss * b_hi > price]
        names = [n for n, x in alts if x.usd_in_miss * b_hi > price]
        label = "holds only if"
        cond = "the cost stays below $0.28, which it does except under " + ", ".join(
            n + (" at the calibration band's top" if x.usd_in_miss <= price else "")
            for n, x in alts if n in names)
        verdict = (f"Holds only if the assumptions stay inside the range where it does: a million cache-miss input "
                   f"tokens cost {fmt_usd(w.usd_in_miss)} at the searched deployment, {fmt_usd(lo)} to "
                   f"{fmt_usd(hi)} over the alternatives and the calibration band. It is above $0.28 under "
                   + ("; ".join(over) if over else "none of them") + "; below it under every other alternative.")
    lists = "DeepSeek lists V3.2 output at $0.42, V4-Flash at $0.28, V4-Pro at $3.48"
    if need_out > 0:
        verdict += (f" Output costs {fmt_usd(w.usd_out)} per M; if input sells at $0.28, output must sell at "
                    f"{fmt_usd(need_out)} per M or more to cover the whole bill ({lists}).")
    else:
        verdict += (f" Output costs {fmt_usd(w.usd_out)} per M ({lists}), but on this prompt-heavy stream (~"
                    f"{rate_in / rate_out:.0f} input tokens per output token) input sold at $0.28 alone pays the "
                    f"whole bill: ${price * rate_in / 1e6 * 3600:,.0f} an hour against ${w.usd_per_hour:,.0f}.")
    body = [f"V4 on Ascend 950PR at its searched deployment (claim 3's table) for the default coding stream "
            f"(~{rate_in:,.0f} input and ~{rate_out:,.0f} output tokens/s over the steady-state window, no prefix "
            f"cache: every input token is a cache miss), owned hardware priced by ownership TCO.", "",
            *_alternatives_table(search, ASCEND, lambda x: f"{fmt_usd(x.usd_in_miss)} / {fmt_usd(x.usd_out)}",
                                 "$/M input (miss) / output"), "",
            f"Calibration band of the 950PR's stack ({cal.family(ASCEND)}, leave-one-out): "
            f"x{cal.band(ASCEND)[0]:.2f} to x{cal.band(ASCEND)[1]:.2f} on a cost. Efficiency-gap rows are claim 5's "
            "and are left out of this claim's range."]
    return Claim(id=4, title="\"~$0.28 per M input tokens\" for V4 served on Ascend 950PR: is it below cost?",
                 default=f"{fmt_usd(w.usd_in_miss)}/M input (miss), {fmt_usd(w.usd_out)}/M output",
                 range=f"{fmt_usd(lo)} to {fmt_usd(hi)} per M input", label=label, cond=cond, verdict=verdict,
                 body=body, data={"need_out": need_out})


def _gap_rows(search):
    return [(name, w) for name, w in search.alternatives_of(ASCEND) if "gap" in name]


def gap(search, cal, cfg):
    """Claim 5: Ascend 950PR lags NVIDIA by 30-50%; each gap priced at its own searched deployment."""
    base, rubin = search.winner(ASCEND), search.winner(RUBIN)
    rows = _gap_rows(search)
    md = ["Each efficiency gap gives the 950PR the CUDA Hopper fit's efficiencies x (1 - gap) and its overheads "
          "/ (1 - gap), and the search then finds that stack's own cheapest deployment for the same load (so "
          "each gap is priced at the load it serves at its own best, not at a fixed cluster's).", "",
          "| 950PR stack | chips | $/hour | $/M tokens (whole bill) | x calibrated CANN | x Rubin |", "|---|---|---|---|---|---|"]
    for name, w in [("calibrated CANN (default)", base)] + rows:
        if w is None:
            md.append(f"| {name} | none meets the SLO | | | | |")
            continue
        md.append(f"| {name} | {w.chips} | ${w.usd_per_hour:,.2f} | {fmt_usd(w.usd_per_m_tokens)} | "
                  f"{w.usd_per_hour/base.usd_per_hour:.2f} | {w.usd_per_hour/rubin.usd_per_hour:.2f} |")
    md.append(f"| Vera Rubin NVL72 (searched) | {rubin.chips} | ${rubin.usd_per_hour:,.2f} | "
              f"{fmt_usd(rubin.usd_per_m_tokens)} | | 1.00 |")
    md += ["", *_max_load_table(search)]
    g0 = next((w for n, w in rows if "0%" in n), None)
    served = [w for _, w in rows if w]
    ratios = [w.usd_per_hour / rubin.usd_per_hour for w in served]
    r_lo, r_hi = (min(ratios), max(ratios)) if ratios else (0, 0)
    own = base.usd_per_hour / g0.usd_per_hour - 1 if g0 else float("nan")
    own = 0.0 if abs(own) < 0.005 else own  # shown to the percent: no "-0%"
    g30 = next((w for n, w in rows if "30%" in n), None)
    g50 = next((w for n, w in rows if "50%" in n), None)
    moves = (f"a 30% gap costs {g30.usd_per_hour/base.usd_per_hour - 1:+.0%} and a 50% gap "
             f"{g50.usd_per_hour/base.usd_per_hour - 1:+.0%} against the calibrated CANN stack" if g30 and g50 else "")
    verdict = (f"Holds only if the gap is as large as the article says: stacksim's calibrated CANN stack (fitted to "
               f"910C measurements) costs {own:+.0%} against the Hopper fit at the same load, well under 30%; at "
               f"each gap's own best deployment {moves}, so \"the true cost may be above what its price implies\" "
               f"follows from a 30-50% gap (claim 4's input cost at 30%: "
               f"{fmt_usd(g30.usd_in_miss) if g30 else '-'}, at 50%: {fmt_usd(g50.usd_in_miss) if g50 else '-'} per M). "
               f"Against Rubin the 950PR costs {base.usd_per_hour/rubin.usd_per_hour:.1f}x per token at the "
               f"default and {r_lo:.1f}x to {r_hi:.1f}x over the gaps.")
    fixed = _max_load_gap(search)
    if fixed:
        verdict += (f" On a fixed cluster at each stack's own highest SLO load, a 30% gap serves {fixed[0]:.2f}x the "
                    f"load of the calibrated stack at {fixed[1]:.2f}x its cost per token.")
    return Claim(id=5, title="\"Ascend 950PR efficiency lags NVIDIA by 30-50%\", so V4's true cost may be above its price",
                 default=f"calibrated CANN {own:+.0%} vs the Hopper fit; {base.usd_per_hour/rubin.usd_per_hour:.1f}x "
                         f"Rubin's $/token",
                 range=f"gap 30%: {moves.split(' and ')[0].split('costs ')[-1] if moves else '-'}; "
                       f"{r_lo:.1f}x-{r_hi:.1f}x Rubin", label="holds only if",
                 cond="the gap is 30-50% (stacksim's calibrated CANN is not)", verdict=verdict, body=md)


def _max_load_table(search):
    """Claim 5 on fixed clusters: each stack at the highest load it serves within the SLO."""
    md = ["The same stacks on a fixed cluster, each at the highest load it serves within the SLO (`stacksim plan` "
          "objective max_load, `data/plans/max-load.yaml`: the stream's rate scaled until the SLO breaks, to 2%), "
          "so that each is priced at its own capacity rather than at a load another stack sets:", "",
          "| stack on a fixed cluster | chips | highest load (x the stream) | requests/s | TTFT p90 s | TPOT p90 ms "
          "| $/M input | $/M output | $/M tokens |", "|---|---|---|---|---|---|---|---|---|"]
    for name, w in search.max_load.items():
        label = name.replace(" | ", ": ")
        if w is None:
            md.append(f"| {label} | no load meets the SLO | | | | | | | |")
            continue
        win = w.window
        rps = win["completed"] / win["length_s"] if win["length_s"] > 0 else 0
        md.append(f"| {label} | {w.chips} | {w.load_scale:.3g}x | {rps:.2f} | {win['ttft']['p90']:.2f} | "
                  f"{win['tpot']['p90']*1e3:.1f} | {fmt_usd(w.usd_in)} | {fmt_usd(w.usd_out)} | "
                  f"{fmt_usd(w.usd_per_m_tokens)} |")
    return md


def _max_load_gap(search):
    """(load ratio, cost ratio) of the 30% gap against the calibrated stack on the same cluster, or None."""
    base = search.max_load.get(ASCEND)
    g30 = next((w for n, w in search.max_load.items() if "gap 30%" in n), None)
    if not base or not g30:
        return None
    return g30.load_scale / base.load_scale, g30.usd_per_m_tokens / base.usd_per_m_tokens


def price_ratio(search, cal, cfg):
    """Claim 7: at what price ratio is the slower stack the cheaper way to serve a token?"""
    stated = cfg["stated_ratios"]["gpt_5_4"]
    a, r = search.winner(ASCEND), search.winner(RUBIN)
    base = a.usd_per_hour / r.usd_per_hour
    a_alts = [a] + [w for _, w in search.alternatives_of(ASCEND) if w]
    r_alts = [r] + [w for _, w in search.alternatives_of(RUBIN) if w]
    (al, ah), (rl, rh) = cal.band(ASCEND), cal.band(RUBIN)
    lo = min(x.usd_per_hour for x in a_alts) * al / (max(y.usd_per_hour for y in r_alts) * rh)
    hi = max(x.usd_per_hour for x in a_alts) * ah / (min(y.usd_per_hour for y in r_alts) * rl)
    label = "holds" if hi < stated else ("does not hold" if lo > stated else "holds only if")
    body = ["Both stacks serve the same load (the default coding stream within its SLO) at their searched "
            "deployments, so the cost of a token on one over the other is the ratio of their hourly bills. The "
            "slower stack is the cheaper way to serve a token whenever the faster one's tokens are priced more than "
            "that ratio above it: a free model on the slower stack beats a paid one on the faster stack once the "
            "price premium exceeds the cost ratio.", "",
            "| | Ascend 950PR | Vera Rubin NVL72 |", "|---|---|---|",
            f"| searched deployment | {a.chips} chips, ${a.usd_per_hour:,.2f}/h | {r.chips} chips, "
            f"${r.usd_per_hour:,.2f}/h |",
            f"| $ per M tokens (whole bill) | {fmt_usd(a.usd_per_m_tokens)} | {fmt_usd(r.usd_per_m_tokens)} |",
            f"| calibration band | x{al:.2f}-x{ah:.2f} | x{rl:.2f}-x{rh:.2f} |", "",
            f"Break-even price ratio: {base:.2f}x at the defaults, {lo:.2f}x to {hi:.2f}x over every combination of "
            f"the two stacks' alternatives (efficiency gaps included) and calibration bands."]
    verdict = (f"{'Holds' if label == 'holds' else 'Holds only if the ratio stays below ' + str(stated) + 'x'}: the "
               f"slower stack serves a token at {base:.1f}x the faster one's cost ({lo:.1f}x to {hi:.1f}x), so a "
               f"{stated}x price premium on the faster stack's model far outweighs the performance gap; the gap "
               f"would have to be ~{stated/base:.0f}x larger for the premium to stop mattering.")
    return Claim(id=7, title="\"Performance gaps matter less when the model on inferior hardware is free and the one "
                             "on superior hardware costs 27x more\"",
                 default=f"break-even at {base:.1f}x", range=f"{lo:.1f}x to {hi:.1f}x", label=label,
                 cond=f"the cost ratio stays below {stated}x" if label == "holds only if" else "",
                 verdict=verdict, body=body)


def fleet(search, cal, cfg):
    """The fleet claim: tokens a day of a 100,000- and a 300,000-chip 950PR fleet."""
    f = cfg["search"]["fleet"]
    w = search.winner(f["platform"])
    ds = f["deepseek"]
    ds_chips = ds["nodes"] * ds["chips_per_node"]
    ds_per_chip = ds["tokens_per_day"] / 86400 / ds_chips
    wins = [w] + [x for _, x in search.alternatives_of(f["platform"]) if x]
    b_lo, b_hi = cal.band(f["platform"])
    # A cost factor k means the throughput may be 1/k of the simulated.
    per_lo = min(x.tokens_per_s_per_chip for x in wins) / b_hi
    per_hi = max(x.tokens_per_s_per_chip for x in wins) / b_lo
    md = ["| fleet | tokens per day (default) | range | x DeepSeek's published day |", "|---|---|---|---|"]
    cells = []
    for n in f["chips"]:
        day = n * w.tokens_per_s_per_chip * 86400
        lo, hi = n * per_lo * 86400, n * per_hi * 86400
        cells.append(f"{n:,} chips: {day/1e12:.1f}T ({lo/1e12:.1f}T-{hi/1e12:.1f}T)")
        md.append(f"| {n:,} 950PR | {day/1e12:.2f}T | {lo/1e12:.2f}T-{hi/1e12:.2f}T | "
                  f"{day/ds['tokens_per_day']:.0f}x |")
    md += ["", f"Per chip: {w.tokens_per_s_per_chip:,.0f} tokens/s (input + output) at the searched deployment, "
               f"{per_lo:,.0f} to {per_hi:,.0f} over the alternatives and the calibration band, with every chip "
               "serving the coding stream at the SLO around the clock (no diurnal trough, no spare capacity).",
           f"DeepSeek's published day: {ds['tokens_per_day']/1e9:.0f}B tokens on {ds_chips:,.0f} H800s, "
           f"{ds_per_chip:,.0f} tokens/s per GPU; a different workload (56% of its input from an on-disk cache, "
           "shorter prompts) on a different model (V3/R1)."]
    return Claim(id=8, title="The fleet: \"hundreds of thousands of Ascend chips ordered\": what a 100,000- and a "
                             "300,000-chip 950PR fleet serves at the SLO",
                 default="; ".join(cells), range=f"{per_lo:,.0f}-{per_hi:,.0f} tokens/s per chip", label="holds",
                 verdict=(f"Holds as capacity: such fleets would serve {cells[0]} and {cells[-1]} tokens a day of "
                          f"V4 at the SLO, {f['chips'][0] * w.tokens_per_s_per_chip * 86400 / ds['tokens_per_day']:.0f}x "
                          f"to {f['chips'][-1] * w.tokens_per_s_per_chip * 86400 / ds['tokens_per_day']:.0f}x "
                          f"DeepSeek's published 776B a day (per chip the range is "
                          f"{per_lo:,.0f}-{per_hi:,.0f} tokens/s): far beyond one provider's published traffic."),
                 body=md)
