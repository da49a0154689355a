"""Claim 2: a 1M-token context window. One 1,040,000-token prompt on an idle instance of
each stack (scenarios/article/1m-context.yaml; claims.yaml names the two variants), with
sparse attention, dense MLA and an FP8 KV cache; `stacksim info` gives the KV capacity."""

from .. import summary as S
from ..paths import article
from . import Claim

SCENARIO = "1m-context.yaml"
CTX = 1_048_576
CLUSTER_CHIPS = {"ascend-950pr": 512, "vera-rubin-nvl72": 1152}  # by platform name; else the file's
NOTE = ("A sequence's KV lives on one data-parallel rank (one chip here); with V4's MLA latent cache "
        "(70 KB per token in BF16) a 1M-token sequence needs ~73 GB. No context parallelism is modelled: "
        "the prefill's attention runs on that one rank, so the TTFT is an upper bound for systems that "
        "spread a long prompt over ranks.")


def _row(s, d, f8, i, i8):
    """One stack: the sparse, dense-MLA and FP8-KV runs and the BF16 and FP8 infos.
    Returns (its table line, (platform, 1M sequences per chip, TTFT of the 1M prefill))."""
    per_rank = S.kv_tokens_per_rank(i)
    per_rank8 = S.kv_tokens_per_rank(i8)
    tp = S.attention_tp(i)
    seq_chip = per_rank // CTX / tp
    seq_chip8 = per_rank8 // CTX / tp
    inst = S.dp_ranks(i) * (per_rank // CTX)
    cluster_chips = CLUSTER_CHIPS.get(S.platform_name(i), S.cluster_chips(i))
    per_cluster = cluster_chips // S.chips_per_instance(i) * inst
    line = (f"| {S.platform_name(i)} | {per_rank/tp:,.0f} | {seq_chip:.0f} / {seq_chip8:.0f} | {inst} "
            f"| {per_cluster:,} ({cluster_chips} chips) | {S.p99_ttft(s):.1f} s / {S.p99_ttft(d):.1f} s / "
            f"{S.p99_ttft(f8):.1f} s |")
    return line, (S.platform_name(i), seq_chip, S.p99_ttft(s))


def claim(study):
    path = article(SCENARIO)
    runs = study.r.run(path)
    dense = study.r.run(path, {"model.attention.sparse_topk": 0})
    fp8kv = study.r.run(path, {"model.precision.kv_cache": "fp8"})
    infos = study.r.info(path)
    infos8 = study.r.info(path, {"model.precision.kv_cache": "fp8"})
    md = ["| stack | KV tokens per chip | 1M sequences per chip (KV BF16 / FP8) | per 64/72-chip instance "
          "| per cluster | TTFT of a 1M prefill (sparse / dense MLA / FP8 KV) |", "|---|---|---|---|---|---|"]
    rows = {}
    for s in runs:
        line, rows[S.name(s)] = _row(s, *(S.by_name(x, S.name(s), SCENARIO) for x in (dense, fp8kv, infos, infos8)))
        md.append(line)
    md += ["", NOTE]
    asc = rows[S.name(study.pick(runs, SCENARIO, "ascend"))]
    rub = rows[S.name(study.pick(runs, SCENARIO, "rubin"))]
    verdict = (f"Holds (the model file allows 1,048,576 tokens), with limits: {asc[1]:.0f} concurrent 1M-token "
               f"sequence(s) per Ascend 950PR chip and {rub[1]:.0f} per Rubin chip; a 1M prefill takes "
               f"{asc[2]:.0f} s on Ascend and {rub[2]:.0f} s on Rubin with sparse attention.")
    return Claim(id=2, title="A 1M-token context window: concurrent 1M-token sequences per chip and per "
                             "cluster, and the TTFT of a 1M-token prefill, on both stacks",
                 default=f"{asc[1]:.0f} / {rub[1]:.0f} per chip; TTFT {asc[2]:.0f} s / {rub[2]:.1f} s",
                 range=f"dense MLA TTFT {S.p99_ttft(study.pick(dense, SCENARIO, 'ascend')):.0f} s / "
                       f"{S.p99_ttft(study.pick(dense, SCENARIO, 'rubin')):.0f} s; FP8 KV doubles "
                       "the sequences per chip",
                 verdict=verdict, label="holds", body=md)
