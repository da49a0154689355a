"""The report's command line (analysis/report.py): runs the study, the claims and the plots
into a staging directory beside --out, then swaps it into place, so an interrupted run
leaves the previous report whole."""

import argparse
import json
import os
import shutil
import sys
import tempfile

import yaml

from . import markdown, plots
from .claims import break_even, context_1m, exaflops, gap, like_37b, ratios
from .paths import ROOT, article, rel
from .runner import Runner
from .study import Study


def parse_args(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--stacksim", default=os.path.join(ROOT, "build", "stacksim"))
    ap.add_argument("--out", default=os.path.join(ROOT, "analysis", "report"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    return ap.parse_args()


def build(stage, runner, cfg):
    """Runs everything and writes the report into `stage`. The order of the runs is the
    order of the commands listed at the end of claims.md."""
    study = Study(runner, cfg)
    base, rubin_best = study.run_defaults()
    gap_runs = study.run_gaps(base)
    study.run_alternatives(base)
    c37 = like_37b.claim(study)
    claims = [c37, context_1m.claim(study), exaflops.claim(study, c37),
              break_even.claim(study, base), gap.claim(study, base, rubin_best, gap_runs),
              ratios.claim(study)]
    stack_runs = runner.run(article("stack-cost.yaml"))
    pareto_csv = runner.sweep(article("pareto.yaml"), "pareto")
    figs = plots.draw_all(study, stage, pareto_csv, stack_runs, base)
    markdown.write_claims(stage, claims, runner.commands)
    markdown.write_index(stage, figs)
    os.makedirs(os.path.join(stage, "data"))
    shutil.copy(pareto_csv, os.path.join(stage, "data", "pareto.csv"))
    with open(os.path.join(stage, "data", "summaries.json"), "w") as f:
        json.dump({"ascend_default": base, "rubin_default": rubin_best,
                   "efficiency_gap": {str(g): s for g, s in gap_runs},
                   "alternatives": study.tornado, "stack_cost": stack_runs}, f, indent=1)


def swap_into_place(stage, out):
    old = None
    if os.path.exists(out):
        old = out + ".old"
        shutil.rmtree(old, ignore_errors=True)
        os.rename(out, old)
    os.rename(stage, out)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def main(description):
    args = parse_args(description)
    stacksim = os.path.abspath(args.stacksim)
    if not os.access(stacksim, os.X_OK):
        sys.exit(f"report: {stacksim}: not found; build first (bash .ci/setup)")
    out = os.path.abspath(args.out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    with open(article("claims.yaml")) as f:
        cfg = yaml.safe_load(f)

    with tempfile.TemporaryDirectory(prefix="stacksim-report-") as work:
        stage = tempfile.mkdtemp(prefix=".report-", dir=parent)
        os.chmod(stage, 0o755)
        try:
            runner = Runner(stacksim, work, max(1, args.jobs))
            build(stage, runner, cfg)
            swap_into_place(stage, out)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
    print(f"report: {runner.count} stacksim runs; wrote {rel(out)}/claims.md and {rel(out)}/index.md")
