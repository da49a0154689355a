"""Claim 6: Vera Rubin NVL72's "3.6 exaflops of inference": the platform file's peaks per
rack, against what V4 sustains at Rubin's searched deployment (search.py)."""

from .. import summary as S
from . import Claim
from .like_37b import SCENARIO as SCENARIO_37B

CHIPS = 72  # per NVL72 rack


def _body(peaks, s, w, achieved, fp4):
    md = ["| figure | per chip | per 72-chip rack |", "|---|---|---|"]
    for prec in ("nvfp4", "fp4", "fp8", "bf16"):
        if prec in peaks:
            md.append(f"| {prec.upper()} peak in the platform file | {peaks[prec]/1e15:.2f} PFLOPS | "
                      f"{peaks[prec]*CHIPS/1e18:.2f} EFLOPS |")
    md += ["", "The platform file's FP4 figure is NVIDIA's 50 PF NVFP4 \"inference\" number (it relies on the "
           "Transformer Engine's adaptive compression); NVIDIA's dense NVFP4 \"training\" figure is 35 PF, "
           f"i.e. {35e15*CHIPS/1e18:.2f} EF per rack, and the file's FP8 assumption gives "
           f"{peaks.get('fp8', 0)*CHIPS/1e18:.2f} EF. V4 runs in FP8 here, so the FP4 peak never applies.",
           "", f"What serving sustains: V4 at Rubin's searched deployment for the coding stream within its SLO "
           f"({w.layout}, {w.chips} chips) processes {w.tokens_per_s_per_chip:,.0f} tokens/s per chip, i.e. "
           f"{achieved/1e15:,.1f} PFLOPS of "
           f"weight GEMMs per rack (2 x {s['active']/1e9:.1f}B per token): {100*achieved/(peaks.get('fp8', 1)*CHIPS):.1f}% "
           f"of the rack's FP8 peak and {100*achieved/fp4:.2f}% of the 3.6 EF."]
    return md


def claim(study, claim_37b, search):
    """`claim_37b`: claim 1, whose data has V4's active parameters; `search`: the plans."""
    info = S.first_pool(S.only(study.r.info(study.rubin), study.rubin))
    peaks = S.peak_flops_per_chip(info)
    fp4 = peaks.get("nvfp4", peaks.get("fp4", 0)) * CHIPS  # the platform file names NVIDIA's format
    # What V4 sustains at Rubin's searched deployment, per rack: 2 x active parameters per
    # token processed (prompt and output), attention's own FLOPs aside.
    s = claim_37b.data[study.variant(SCENARIO_37B, "rubin", "v4")]
    w = search.winner("vera-rubin-nvl72")
    achieved = 2 * s["active"] * w.tokens_per_s_per_chip * CHIPS
    verdict = (f"Holds only if NVIDIA's NVFP4 \"inference\" peak is what is meant: 72 x 50 PF = {fp4/1e18:.1f} EF, "
               f"as the platform file gives. "
               f"It is not a dense figure (2.52 EF dense FP4, {peaks.get('fp8', 0)*CHIPS/1e18:.2f} EF FP8) "
               f"and not what inference sustains: {100*achieved/(peaks.get('fp8', 1)*CHIPS):.0f}% of the FP8 peak at the "
               "searched deployment (decoding is memory-bound: claim 1's table).")
    return Claim(id=6, title="Vera Rubin NVL72: 72 GPUs + 36 CPUs, 288 GB HBM4 per GPU, \"3.6 exaflops of inference\"",
                 default=f"{fp4/1e18:.2f} EF FP4 per rack; {S.hbm_bytes(info)/1e9:.0f} GB per GPU",
                 range=f"2.52 EF dense FP4; {peaks.get('fp8', 0)*CHIPS/1e18:.2f} EF FP8",
                 verdict=verdict, label="holds only if", cond="the 50 PF NVFP4 \"inference\" peak is meant",
                 body=_body(peaks, s, w, achieved, fp4))
