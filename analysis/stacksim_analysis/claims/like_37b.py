"""Claim 1: V4 (1T total, ~37B active) "runs more like a 37B model at inference time".

V4, a dense 37B and a dense 1T model on the same chips and stream
(scenarios/article/37b-claim.yaml), on each stack; claims.yaml names the six variants."""

import math

from .. import summary as S
from ..paths import article
from . import Claim

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


def _verdict(r_v4, r_37, r_1t):
    similar_compute = abs(r_v4["active"] / r_37["active"] - 1) < 0.05
    closer = ("closer to the dense 37B than to a dense 1T"
              if math.log(r_v4["tpot_p50"] / r_37["tpot_p50"]) < math.log(r_1t["tpot_p50"] / r_v4["tpot_p50"])
              else "closer to a dense 1T than to the dense 37B")
    return ("Holds only if \"like a 37B model\" means compute per token: per token V4 does the work of a 37B model "
            f"({r_v4['active']/1e9:.1f}B vs {r_37['active']/1e9:.1f}B active), and its decode latency is "
            f"{closer} (p50 TPOT on Rubin); but it does not run *like* a 37B model: it needs the memory "
            "of a 1T model (many chips to hold its weights), pays an all-to-all per MoE layer, and its "
            "decode steps read the weights of every expert a batch touches, so latency and cost per token "
            "sit between the two." if similar_compute else "Does not hold: the active parameters differ.")


WHY = ("Why: decode is memory-bound for all three (the FLOP-bound share of compute at 64 sequences per "
       "rank is in the table); V4's batch reads more expert weights than a 37B model's, and its prefill "
       "is dominated by dispatch/combine over the scale-up network, where the dense models only "
       "all-reduce. Compute per token is the one place the claim is exact.")


def claim(study):
    """Claim 1; its data is each variant's figures by name (claim 3 quotes Rubin's V4)."""
    path = article(SCENARIO)
    runs = study.r.run(path)
    infos = study.r.info(path)
    rows = [_row(s, S.by_name(infos, S.name(s), SCENARIO)) for s in runs]
    by = {x["name"]: x for x in rows}

    def row(stack, model):
        return by[S.name(study.pick(runs, SCENARIO, stack, model))]

    findings = [_finding(stack, row(key, "v4"), row(key, "dense_37b"), row(key, "dense_1t"))
                for stack, key in STACKS]
    r_v4, r_37, r_1t = row("rubin", "v4"), row("rubin", "dense_37b"), row("rubin", "dense_1t")
    default = f"V4 TPOT {r_v4['tpot_p50']*1e3:.1f} ms vs 37B {r_37['tpot_p50']*1e3:.1f} ms on Rubin; " \
              f"{r_v4['min_chips']:.0f} chips for weights vs {r_37['min_chips']:.0f}"
    rng = (f"Ascend: V4 TPOT {row('ascend', 'v4')['tpot_p50']*1e3:.0f} ms vs 37B "
           f"{row('ascend', 'dense_37b')['tpot_p50']*1e3:.0f} ms vs 1T {row('ascend', 'dense_1t')['tpot_p50']*1e3:.0f} ms")
    return Claim(id=1, title="V4 (1T total, ~37B active) \"runs more like a 37B model at inference time\"",
                 default=default, range=rng, verdict=_verdict(r_v4, r_37, r_1t), label="holds only if",
                 cond="\"like\" means compute per token, not memory, latency or cost",
                 body=_table(rows) + ["", *[f"- {f}" for f in findings], "", WHY], data=by)
