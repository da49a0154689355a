"""Claim 4: "~$0.28 per M input tokens" for V4 served on Ascend 950PR: the cost of input
at the SLO-limited load, its range over the alternatives, and the break-even output price."""

from .. import summary as S
from ..summary import fmt_usd, usd_in, usd_out
from . import Claim


class _Alternatives:
    """The tornado's alternatives as claim 4 counts them: those under which no load meets the
    SLO have no price at that service level."""

    def __init__(self, tornado, base, price):
        self.servable = {name: [a if a and S.meets_slo(a) else None for a in pair]
                         for name, pair in tornado.items()}
        self.unservable = sorted({name for name, pair in tornado.items()
                                  for a in pair if a and not S.meets_slo(a)})
        priced = [usd_in(a) for pair in self.servable.values() for a in pair if a]
        self.lo = min([usd_in(base)] + priced)
        self.hi = max([usd_in(base)] + priced)
        self.below = sorted({name for name, pair in self.servable.items()
                             for a in pair if a and usd_in(a) <= price})
        self.above = sorted({name for name, pair in self.servable.items()
                             for a in pair if a and usd_in(a) > price})


def _body(study, s, price, need_out, alts):
    slo = study.slo
    return [f"V4 on 512 Ascend 950PR chips, 256 for prefill and 256 for decode "
            f"(`scenarios/article/v4-ascend.yaml`), the Mooncake production "
            f"trace at {S.load(s)}x its rate (the highest tried load that keeps up within the SLO: p99 TTFT <= "
            f"{slo['ttft_p99']} s, p50 TPOT <= {slo['tpot_p50']*1e3:.0f} ms"
            f"{'' if S.meets_slo(s) else '; NO load met it, the lowest is shown'}).", "",
            "| | value |", "|---|---|",
            f"| chips / $ per hour (ownership: $21k capex, 4 y, facility power) | {S.chips(s)} / "
            f"${S.usd_per_hour(s):,.0f} |",
            f"| input / output tokens per s | {S.input_tokens_per_s(s):,.0f} / "
            f"{S.output_tokens_per_s(s):,.0f} |",
            f"| prefix-cache hit rate | {100*S.prefix_hit_rate(s):.0f}% |",
            f"| p99 TTFT / p50 TPOT | {S.p99_ttft(s):.2f} s / {S.p50_tpot(s)*1e3:.1f} ms |",
            f"| utilisation (busy chip time) | {100*S.utilisation(s):.0f}% |",
            f"| cost per M input tokens (the prefill pool's bill) | {fmt_usd(usd_in(s))} |",
            f"| cost per M output tokens (the decode pool's bill) | {fmt_usd(usd_out(s))} |",
            f"| output price that breaks even if input sells at ${price} | {fmt_usd(need_out)} per M |",
            f"| facility energy per output token | {S.joules_per_output_token(s):.0f} J |", "",
            f"Range of the cost per M input tokens over the alternatives (tornado in index.md): "
            f"{fmt_usd(alts.lo)} to {fmt_usd(alts.hi)}, over the alternatives that still meet the SLO." +
            (f" At one end of {'; '.join(alts.unservable)} the SLO is missed (hatched in the tornado), so there "
             f"is no price at that service level." if alts.unservable else "")]


def _verdict(s, price, need_out, alts):
    """(label, condition, verdict)."""
    cost, lo, hi = fmt_usd(usd_in(s)), fmt_usd(alts.lo), fmt_usd(alts.hi)
    cond = ""
    if usd_in(s) <= price and not alts.above:
        label, verdict = "holds", (f"Holds: a million input tokens costs {cost} to serve, below $0.28 under every "
                                   f"assumption tried ({lo} to {hi}); $0.28 is not below cost.")
    elif usd_in(s) <= price:
        label, cond = "holds only if", "the cluster runs near its SLO-limited load under the default assumptions"
        verdict = (f"Holds only if the cluster runs near its SLO-limited load with the default assumptions: input "
                   f"then costs {cost} per M to serve, so $0.28 covers it; it does not under: "
                   f"{'; '.join(alts.above)} (up to {hi}), where $0.28 is below cost.")
    elif alts.below:
        label, cond = "holds only if", "; or ".join(alts.below)
        verdict = (f"Holds only if {'; or '.join(alts.below)}: under the default assumptions input costs {cost} per M "
                   f"to serve, so $0.28 is below cost.")
    else:
        label = "does not hold"
        verdict = (f"Does not hold: serving a million input tokens costs {cost} ({lo} to {hi} "
                   f"across the alternatives); $0.28 is below cost under every assumption tried.")
    verdict += (f" Output must sell at {fmt_usd(need_out)} per M or more for the whole bill to break even "
                f"(DeepSeek lists V4-Flash output at $0.28 and V4-Pro at $3.48).")
    return label, cond, verdict


def claim(study, base):
    """`base`: V4 on Ascend at its highest load within the SLO; study.tornado: the alternatives."""
    price = study.cfg["prices"]["v4_input"]
    need_out = S.breakeven_output_price(base, price)
    alts = _Alternatives(study.tornado, base, price)
    label, cond, verdict = _verdict(base, price, need_out, alts)
    return Claim(id=4, title="\"~$0.28 per M input tokens\" for V4 served on Ascend 950PR (claims 3 and 4): "
                             "the break-even price, and whether it is below cost",
                 default=f"{fmt_usd(usd_in(base))}/M input, {fmt_usd(usd_out(base))}/M output",
                 range=f"{fmt_usd(alts.lo)} to {fmt_usd(alts.hi)} per M input", verdict=verdict, label=label,
                 cond=cond, body=_body(study, base, price, need_out, alts))
