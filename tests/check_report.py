#!/usr/bin/env python3
"""Test of analysis/report.py (run by CTest): the arithmetic of its package
(analysis/stacksim_analysis/) on cases worked by hand, then a full regeneration into a
temporary directory, checking that every claim of the seed article appears with a verdict,
that every plot is drawn and embedded, and that no __pycache__ is left in analysis/.

    python3 tests/check_report.py STACKSIM ARTIFACTS

index.html is opened in headless Chromium (tests/check_html.py); its screenshot is kept in
ARTIFACTS/claims-report.png.
"""

import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # importing analysis/stacksim_analysis leaves no __pycache__ behind
sys.path.insert(0, os.path.join(ROOT, "analysis"))
from stacksim_analysis import study, uncertainty  # noqa: E402 (after the two lines above)
from stacksim_analysis.claims import searched  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tests"))
import check_html  # noqa: E402
from checks import check, conclude  # noqa: E402



def arithmetic():
    # A $360/h pool serving 100,000 input and 1,000 output tokens/s: input at $0.28/M brings
    # in $0.028/s of the $0.1/s bill; the other $0.072/s over 1,000 tokens/s is $72 per M.
    check(abs(searched.breakeven_output(360.0, 100000.0, 1000.0, 0.28) - 72.0) < 1e-9,
          "break-even output price, worked by hand")
    # A left-out throughput 20% too high: the cost may be 1.2x; a TPOT 20% too long: 1/1.2.
    check(abs(uncertainty.cost_factor("output_tokens_per_s_per_chip", 0.2) - 1.2) < 1e-12, "band: throughput")
    check(abs(uncertainty.cost_factor("tpot_ms", 0.2) - 1 / 1.2) < 1e-12, "band: TPOT")
    cases, loo = uncertainty._rows("case | platform | metric | simulated | measured | error | tolerance | pass\n"
                                   "a    | p1 | tpot_ms | 1 | 1 | +1.0% | 10% | yes\n"
                                   "Leave-one-out: each case predicted\n"
                                   "case | metric | fitted to | predicted | measured | error | pass\n"
                                   "a    | tpot_ms | 2 cases | 1 | 1 | -3.1% | yes\n")
    check(cases[0][:2] == ["a", "p1"] and loo[0][5] == "-3.1%", f"validate's tables parsed: {cases} {loo}")
    check(searched.cell("prefill x | decode y") == "prefill x \\| decode y", "a bar kept inside a table cell")
    # A 50% gap halves every efficiency and doubles the overheads of the reference stack.
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write("gemm_efficiency: 0.6\nattention_efficiency: 0.4\nmemory_efficiency: 0.8\n"
                "scale_up_efficiency: 0.7\nscale_out_efficiency: 0.5\nlayer_overhead: 20 us\n"
                "step_overhead: 2 ms\n")
    sets = study.stack_overrides_for_gap(f.name, 0.5)
    os.unlink(f.name)
    check(sets["platform.stack.gemm_efficiency"] == "0.3", f"gap: gemm 0.6 -> 0.3, got {sets}")
    check(sets["platform.stack.scale_out_efficiency"] == "0.25", "gap: scale-out 0.5 -> 0.25")
    check(sets["platform.stack.layer_overhead"] == "40 us", "gap: layer overhead 20 us -> 40 us")
    check(sets["platform.stack.step_overhead"] == "4 ms", "gap: step overhead 2 ms -> 4 ms")
    # Variants are picked by the name claims.yaml gives them, whatever their order.
    cfg = {"efficiency_gap": {"reference_stack": "x.yaml"},
           "variants": {"f.yaml": {"ascend": "a (EP64)", "rubin": "r (EP72)"}}}
    st = study.Study(None, cfg)
    docs = [{"scenario": "r (EP72)", "n": 2}, {"scenario": "a (EP64)", "n": 1}]
    check(st.pick(docs, "f.yaml", "ascend")["n"] == 1 and st.pick(docs, "f.yaml", "rubin")["n"] == 2,
          "variants picked by name")


# Each claim the issue lists, as the report's verdict table must name it.
CLAIMS = {
    "runs more like a 37B model": r"37B model",
    "1M-token context": r"1M-token context",
    "runs entirely on Ascend 950PR": r"runs entirely on Huawei Ascend 950PR",
    "break-even against $0.28": r"\$0\.28 per M input",
    "price ratios 27x / 50x / $10,000 vs $270,000": r"27x.*50x.*\$270,000",
    "30-50% Ascend efficiency gap": r"lags NVIDIA by 30-50%",
    "Rubin NVL72 3.6 exaflops": r"3\.6 exaflops",
    "free model vs 27x dearer": r"costs 27x more",
    "the fleet": r"hundreds of thousands of Ascend chips",
}
VERDICT = re.compile(r"\*\*(holds only if|does not hold|holds)\*\*")


def regenerate(stacksim, artifacts):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report")
        proc = subprocess.run([sys.executable, os.path.join(ROOT, "analysis", "report.py"), "--stacksim", stacksim,
                               "--out", out, "--jobs", "2"], capture_output=True, text=True)
        check(proc.returncode == 0, f"report.py exit {proc.returncode}: {proc.stderr[-2000:]}")
        if proc.returncode != 0:
            return
        check(os.listdir(tmp) == ["report"], f"nothing but the report is left behind: {os.listdir(tmp)}")
        caches = [d for d, _, _ in os.walk(os.path.join(ROOT, "analysis")) if os.path.basename(d) == "__pycache__"]
        check(not caches, f"no __pycache__ left in analysis/: {caches}")
        with open(os.path.join(out, "claims.md")) as f:
            text = f.read()
        table = text[text.index("## Verdicts"):text.index("## Claim 1")]
        rows = [line for line in table.splitlines() if re.match(r"\| \d+b? \|", line)]
        check(len(rows) == len(CLAIMS), f"{len(rows)} verdict rows, expected {len(CLAIMS)}")
        for name, pattern in CLAIMS.items():
            hit = [r for r in rows if re.search(pattern, r)]
            check(len(hit) == 1, f"claim '{name}' has one row in the verdict table")
            if hit:
                check(VERDICT.search(hit[0]) is not None, f"claim '{name}' has a verdict: {hit[0][-120:]}")
                cols = [c.strip() for c in hit[0].split(" | ")]
                check(len(cols) >= 5 and cols[3] != "", f"claim '{name}' carries a range: {hit[0][:160]}")
        check(text.count("**Verdict:**") == len(CLAIMS), "every claim section ends in a verdict")
        check("nan" not in text.lower().split(), "no NaN in the report")
        check("./build/stacksim run scenarios/article/37b-claim.yaml" in text, "the commands are listed")
        with open(os.path.join(out, "index.md")) as f:
            page = f.read()
        for plan in ("deployments", "models", "max-load"):
            check(os.path.exists(os.path.join(out, "data", "plans", plan + ".yaml")), f"the plan {plan} is kept")
        check("sglang.launch_server" in text, "the SGLang arguments are shown")
        for png in ("frontier.png", "cost-by-platform.png", "ranges.png", "pareto.png"):
            path = os.path.join(out, png)
            check(os.path.exists(path) and os.path.getsize(path) > 10000, f"{png} drawn")
            check(f"]({png})" in page, f"{png} embedded in index.md")
        # index.html: one self-contained page, the plots inline, loading in Chromium without errors.
        with open(os.path.join(out, "index.html")) as f:
            html = f.read()
        check(html.count("<svg") == 4, f"the four plots inline in index.html ({html.count('<svg')})")
        check(html.count("<h2") >= len(CLAIMS) + 4, "a section per claim in index.html")
        check(not re.search(r'src="', html), "nothing loaded from outside index.html")
        errors = check_html.check(os.path.join(out, "index.html"), os.path.join(artifacts, "claims-report.png"))
        check(not errors, f"index.html loads without console errors: {errors}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    arithmetic()
    os.makedirs(sys.argv[2], exist_ok=True)
    regenerate(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]))
    conclude("report checks passed")


if __name__ == "__main__":
    main()
