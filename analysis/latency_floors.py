#!/usr/bin/env python3
"""The fixed per-operation latencies (dispatch_latency, combine_latency) of the stack files,
derived from published microbenchmarks of the expert-parallel all-to-all kernels.

Each source row is one operation (a dispatch, or a combine) of 128 tokens per rank, hidden
7168, top-8 experts. The model charges an operation bytes / (link bandwidth x the stack's
efficiency) plus a fixed latency; the fixed latency of a row is what its measured time
leaves beyond that bandwidth term, and a stack's value is the mean over its rows.

    python3 analysis/latency_floors.py

Sources (copied into docs/research/comm-latency.md with their commits):
- DeepEP README "Low-latency kernels" (github.com/deepseek-ai/DeepEP, table of 2025-06-05),
  H800 + ConnectX-7 400 Gb/s: FP8 dispatch, BF16 combine.
- sgl-kernel-npu README "DeepEP-Ascend Performance" (github.com/sgl-project/sgl-kernel-npu,
  PR #106, 2025-09-26), Atlas A3 SuperPoD, pure HCCS: INT8 dispatch, BF16 combine. A rank
  is one die (196 GB/s of UB per die, half a 910C package's 392 GB/s).
"""

TOKENS, HIDDEN, TOP_K = 128, 7168, 8

# (EP ranks, measured dispatch us, measured combine us)
DEEPEP_H800 = [(8, 77, 114), (16, 118, 195), (32, 155, 273), (64, 173, 314), (128, 192, 369), (256, 194, 360)]
DEEPEP_ASCEND_A3 = [(8, 132, 126), (16, 139, 135), (32, 153, 151)]


def copies(ep, domain):
    """Token-expert copies per token leaving the rank over (scale-up, scale-out): direct
    dispatch, as sim/perf/perf_model.cpp counts them."""
    remote = TOP_K * (ep - 1) / ep
    if ep <= domain:
        return remote, 0.0
    in_domain = (domain - 1) / (ep - 1)
    return remote * in_domain, remote * (1 - in_domain)


def floors(rows, domain, up_rate, out_rate, dispatch_bytes, combine_bytes):
    out = []
    for ep, d_us, c_us in rows:
        up, sout = copies(ep, domain)
        def busy(b):  # the busier of the two links, as the model takes it
            return max(TOKENS * up * HIDDEN * b / up_rate, TOKENS * sout * HIDDEN * b / out_rate) * 1e6
        out.append((ep, d_us - busy(dispatch_bytes), c_us - busy(combine_bytes)))
    return out


def report(name, rows):
    print(name)
    for ep, d, c in rows:
        print(f"  EP{ep:<4} dispatch {d:6.1f} us  combine {c:6.1f} us")
    n = len(rows)
    print(f"  mean    dispatch {sum(r[1] for r in rows) / n:6.1f} us  combine {sum(r[2] for r in rows) / n:6.1f} us")


if __name__ == "__main__":
    # H800: NVLink 200 GB/s per direction x 0.700, IB 50 GB/s x 0.856 (cuda-hopper.yaml's fit
    # before the floors existed); 8 GPUs per NVLink domain.
    report("CUDA (DeepEP low-latency, H800)",
           floors(DEEPEP_H800, 8, 200e9 * 0.700, 50e9 * 0.856, 1, 2))
    # A3: UB 196 GB/s per die x 0.564 (cann-910c.yaml); every rank in one UB domain.
    report("CANN (DeepEP-Ascend low-latency, A3)",
           floors(DEEPEP_ASCEND_A3, 10**6, 196e9 * 0.564, 1.0, 1, 2))
