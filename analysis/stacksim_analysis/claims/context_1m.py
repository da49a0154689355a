"""Claim 2: a 1M-token context window. One 1,040,000-token prompt on an idle instance of
each stack (scenarios/article/1m-context.yaml; claims.yaml names the two variants), with
sparse attention, dense MLA and an FP8 KV cache; `stacksim info` gives the KV capacity."""

from .. import summary as S
from ..paths import article
from . import Claim

SCENARIO = "1m-context.yaml"
CTX = 1_048_576
CLUSTER_CHIPS = {"ascend-950pr": 512, "vera-rubin-nvl72": 1152}  # by platform name; else the file's
NOTE = ("The scenario prefills with context parallelism over 16 ranks (serving.context_parallel): each "
        "chunk's queries spread over them and its KV goes round a ring on the scale-up links, and the "
        "sequence's KV (78 KB per token in BF16 with the indexer keys, ~81 GB for 1M tokens) spreads "
        "over them too. The TTFT includes DeepSeek Sparse Attention's lightning indexer, which scores "
        "every preceding token (O(L^2), ~5.5e17 FLOPs for a 1M prompt) and dominates it.")


def _ttft(s):
    """The 1M prefill's TTFT in seconds, or None when the prompt was not served (it does not
    fit one rank's KV cache and is rejected)."""
    return S.p99_ttft(s) if S.completed(s) > 0 else None


def _fmt(t, digits=1):
    return "not served (does not fit)" if t is None else f"{t:.{digits}f} s"


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
            f"| {per_cluster:,} ({cluster_chips} chips) | {_fmt(_ttft(s))} / {_fmt(_ttft(d))} / "
            f"{_fmt(_ttft(f8))} |")
    return line, (S.platform_name(i), seq_chip, _ttft(s))


def claim(study):
    path = article(SCENARIO)
    runs = study.r.run(path)
    dense = study.r.run(path, {"model.attention.sparse_topk": 0, "model.attention.indexer": "null"})
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
    served = asc[2] is not None and rub[2] is not None
    verdict = (f"{'Holds' if served else 'Holds only where a 1M-token sequence fits its context-parallel ranks'} (the model file "
               f"allows 1,048,576 tokens), with limits: {asc[1]:.0f} concurrent 1M-token sequence(s) per Ascend "
               f"950PR chip and {rub[1]:.0f} per Rubin chip; a 1M prefill takes {_fmt(asc[2], 0)} on Ascend and "
               f"{_fmt(rub[2], 0)} on Rubin with sparse attention.")
    return Claim(id=2, title="A 1M-token context window: concurrent 1M-token sequences per chip and per "
                             "cluster, and the TTFT of a 1M-token prefill, on both stacks",
                 default=f"{asc[1]:.0f} / {rub[1]:.0f} per chip; TTFT {_fmt(asc[2], 0)} / {_fmt(rub[2])}",
                 range=f"dense MLA TTFT {_fmt(_ttft(study.pick(dense, SCENARIO, 'ascend')), 0)} / "
                       f"{_fmt(_ttft(study.pick(dense, SCENARIO, 'rubin')), 0)}; FP8 KV doubles "
                       "the sequences per chip",
                 verdict=verdict, label="holds" if served else "holds only if",
                 cond="" if served else "a 1M-token sequence's KV fits its context-parallel ranks",
                 body=md)
