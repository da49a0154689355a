"""Claim 1: V4 (1T total, ~37B active) "runs more like a 37B model at inference time".

V4, a dense 37B and a dense 1T model on the same chips and stream
(scenarios/article/37b-claim.yaml), on each stack; claims.yaml names the six variants."""


from .. import summary as S
from ..paths import article
from . import Claim
from .searched import cell

SCENARIO = "37b-claim.yaml"
STACKS = (("Rubin", "rubin"), ("Ascend", "ascend"))  # (as the prose says it, key in claims.yaml)


def _row(s, i):
    """The figures of one variant: its run summary `s` and its info document `i`."""
    dec1 = S.step(i, "decode", 1)
    dec64 = S.step(i, "decode", 64)
    pre = S.step(i, "prefill")
    comp64 = S.step_compute_s(dec64)
    return {
        "name": S.name(s), "chips": S.chips(s),
        "req_s": S.requests_per_s(s),
        "out_per_chip": S.output_tokens_per_s_per_chip(s),
        "in_per_chip": S.input_tokens_per_s_per_chip(s),
        "ttft_p99": S.p99_ttft(s), "tpot_p50": S.p50_tpot(s),
        "usd_in": S.usd_in(s), "usd_out": S.usd_out(s),
        "min_chips": S.min_chips_for_weights(i),
        "active": S.active_params(i), "total": S.total_params(i),
        "dec1_ms": S.step_total_s(dec1) * 1e3,
        "dec64_flops": S.step_flops_limited_s(dec64) / comp64 if comp64 > 0 else 0,
        "dec64_comm": S.step_dispatch_combine_s(dec64) / S.step_total_s(dec64),
        "pre_comm": S.step_dispatch_combine_s(pre) / S.step_total_s(pre),
        "generated": S.generated(s), "completed": S.completed(s),
        "sim_s": S.simulated_seconds(s),
    }


def _table(rows):
    md = ["Same chips, same coding stream (`scenarios/article/37b-claim.yaml`): one Vera Rubin NVL72 "
          "rack at 8 requests/s and one 64-chip Ascend 950PR UB domain at 0.5 requests/s.", "",
          "| model on chips | active / total params | chips to hold weights | req/s done | out tok/s/chip "
          "| p99 TTFT s | p50 TPOT ms | $/M in | $/M out | batch-1 decode step ms | 64/rank decode: FLOP-bound "
          "| dispatch+combine share (decode 64 / prefill) |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for x in rows:
        md.append(f"| {x['name']} ({x['chips']} chips) | {x['active']/1e9:.1f}B / {x['total']/1e9:.0f}B "
                  f"| {x['min_chips']:.0f} | {x['req_s']:.2f} | {x['out_per_chip']:.1f} | {x['ttft_p99']:.2f} "
                  f"| {x['tpot_p50']*1e3:.1f} | {S.fmt_usd(x['usd_in'])} | {S.fmt_usd(x['usd_out'])} "
                  f"| {x['dec1_ms']:.2f} | {100*x['dec64_flops']:.0f}% | {100*x['dec64_comm']:.0f}% / "
                  f"{100*x['pre_comm']:.0f}% |")
    return md


def _finding(stack, a, b, c):
    """V4 (a) against the dense 37B (b) and the dense 1T (c) on one stack."""
    return (f"On {stack}, V4's p50 TPOT is {a['tpot_p50']/b['tpot_p50']:.1f}x the dense 37B's and "
            f"{a['tpot_p50']/c['tpot_p50']:.2f}x the dense 1T's; its $/M output is "
            f"{a['usd_out']/b['usd_out']:.2f}x the 37B's and {a['usd_out']/c['usd_out']:.2f}x the 1T's; "
            f"it needs {a['min_chips']:.0f} chips just to hold its weights (37B: {b['min_chips']:.0f}); "
            f"dispatch and combine take {100*a['pre_comm']:.0f}% of its prefill step "
            f"({100*b['pre_comm']:.0f}% for the 37B's tensor-parallel all-reduces).")


def _verdict(r_v4, r_37, rubin):
    """rubin: V4's whole bill over each dense model's at their own searched deployments on Rubin."""
    if abs(r_v4["active"] / r_37["active"] - 1) >= 0.05:
        return "Does not hold: the active parameters differ."
    c37, c1t = rubin.get("dense-37b"), rubin.get("dense-1t")
    cost = (f"served at each model's own best deployment, V4 costs {c37:.2f}x the dense 37B per token on Rubin"
            + (f" and {c1t:.2f}x the dense 1T" if c1t else "") if c37 else "no searched comparison")
    return ("Holds only if \"like a 37B model\" means compute and cost per token at scale: per token V4 does the "
            f"work of a 37B model ({r_v4['active']/1e9:.1f}B vs {r_37['active']/1e9:.1f}B active), and {cost}. "
            "It does not run like one in memory (it needs the chips of a 1T model just to hold its weights, "
            "so its smallest deployment is many times the 37B's) nor in latency at small batches (each decode "
            "step reads the weights of every expert its batch touches, and every MoE layer pays an all-to-all).")


WHY = ("Why: decode is memory-bound for all three (the FLOP-bound share of compute at 64 sequences per "
       "rank is in the table); V4's batch reads more expert weights than a 37B model's, and its prefill "
       "is dominated by dispatch/combine over the scale-up network, where the dense models only "
       "all-reduce. Compute per token is the one place the claim is exact.")


def _searched(search):
    """Each model at its own cheapest deployment for the coding stream within the SLO."""
    md = ["At each model's own cheapest deployment for the default coding stream (8 requests/s, ~32K-token "
          "prompts) within its SLO (TTFT p90 <= 3 s, TPOT p90 <= 100 ms), found by `stacksim plan` "
          "(`data/plans/models.yaml`; dense models get the same speculative decoding, one draft token accepted "
          "85% of the time, as V4's MTP):", "",
          "| platform / model | deployment | chips | $/hour | TTFT p90 s | TPOT p90 ms | $/M input | $/M output "
          "| $/M tokens |", "|---|---|---|---|---|---|---|---|---|"]
    per = {}
    for name, w in search.winners.items():
        if " | " not in name or name.split(" | ")[1] not in MODELS:
            continue
        per[name] = w
        if w is None:
            md.append(f"| {name.replace(' | ', ' / ')} | none meets the SLO (layouts ruled out by "
                      f"{search.why_none(name)}) | | | | | | | |")
            continue
        md.append(f"| {name.replace(' | ', ' / ')} | {cell(w.layout)} | {w.chips} | ${w.usd_per_hour:,.2f} | {w.window['ttft']['p90']:.2f} | "
                  f"{w.window['tpot']['p90']*1e3:.1f} | {S.fmt_usd(w.usd_in)} | {S.fmt_usd(w.usd_out)} | "
                  f"{S.fmt_usd(w.usd_per_m_tokens)} |")
    return md, per


MODELS = ("deepseek-v4-article", "dense-37b", "gemma-4-31b", "dense-1t")


def _cost_ratios(per, platform):
    """V4's whole bill over each dense model's at their own searched deployments."""
    v4 = per.get(f"{platform} | deepseek-v4-article")
    out = {}
    for m in MODELS[1:]:
        w = per.get(f"{platform} | {m}")
        out[m] = v4.usd_per_hour / w.usd_per_hour if v4 and w else None
    return out


def claim(study, search):
    """Claim 1; its data is each variant's figures by name (claim 6 quotes Rubin's V4)."""
    path = article(SCENARIO)
    runs = study.r.run(path)
    infos = study.r.info(path)
    rows = [_row(s, S.by_name(infos, S.name(s), SCENARIO)) for s in runs]
    by = {x["name"]: x for x in rows}

    def row(stack, model):
        return by[S.name(study.pick(runs, SCENARIO, stack, model))]

    findings = [_finding(stack, row(key, "v4"), row(key, "dense_37b"), row(key, "dense_1t"))
                for stack, key in STACKS]
    r_v4, r_37 = row("rubin", "v4"), row("rubin", "dense_37b")
    searched, per = _searched(search)

    def ratios(platform):
        r = _cost_ratios(per, platform)
        return ", ".join(f"{v:.2f}x {m}'s" if v else f"{m}: none within the SLO" for m, v in r.items())
    default = (f"at own best deployments, V4 costs {ratios('vera-rubin-nvl72')} on Rubin; "
               f"{r_v4['min_chips']:.0f} chips for weights vs {r_37['min_chips']:.0f}")
    rng = f"Ascend: V4 costs {ratios('ascend-950pr')}"
    return Claim(id=1, title="V4 (1T total, ~37B active) \"runs more like a 37B model at inference time\"",
                 default=default, range=rng, verdict=_verdict(r_v4, r_37, _cost_ratios(per, "vera-rubin-nvl72")), label="holds only if",
                 cond="\"like\" means compute and cost per token at scale, not memory or small-batch latency",
                 body=searched + ["", "The mechanics, on the same chips at one load "
                                             "(`scenarios/article/37b-claim.yaml`):", ""] + _table(rows) +
                 ["", *[f"- {f}" for f in findings], "", WHY], data=by)
