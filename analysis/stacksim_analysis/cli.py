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

from . import html, markdown, plots
from .claims import context_1m, exaflops, like_37b, ratios, searched
from .paths import ROOT, article, rel
from .runner import Runner
from .search import Search
from .study import Study
from .uncertainty import Calibration


def parse_args(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--stacksim", default=os.path.join(ROOT, "build", "stacksim"))
    ap.add_argument("--out", default=os.path.join(ROOT, "analysis", "report"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    return ap.parse_args()


def build(stage, runner, cfg, shown):
    """Runs everything and writes the report into `stage` (`shown`: where it will be, as the
    commands list says). The order of the runs is the order of the commands listed at the
    end of claims.md."""
    study = Study(runner, cfg)
    search = Search(runner, cfg, lambda g: study.alt_sets(f"gap:{g}"))
    search.run(os.path.join(stage, "data"), os.path.join(shown, "data"))
    cal = Calibration(runner, cfg)
    c37 = like_37b.claim(study, search)
    claims = [c37, context_1m.claim(study), searched.runs_on_ascend(search, cal),
              searched.break_even(search, cal, cfg), ratios.claim(study), searched.gap(search, cal, cfg),
              exaflops.claim(study, c37, search), searched.price_ratio(search, cal, cfg),
              searched.fleet(search, cal, cfg)]
    pareto_csv = runner.sweep(article("pareto.yaml"), "pareto")
    figs = plots.draw_all(stage, pareto_csv, search, cal, cfg["prices"]["v4_input"])
    markdown.write_claims(stage, claims, runner.commands)
    markdown.write_index(stage, figs)
    html.write(stage, figs, {n: (w.summary if w else None) for n, w in search.winners.items()})
    shutil.copy(pareto_csv, os.path.join(stage, "data", "pareto.csv"))
    with open(os.path.join(stage, "data", "summaries.json"), "w") as f:
        json.dump({"winners": {n: (w.summary if w else None) for n, w in search.winners.items()},
                   "calibration_bands": {fam: [min(v), max(v)] for fam, v in cal.factors.items()}}, f, indent=1)


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
            build(stage, runner, cfg, rel(out))
            swap_into_place(stage, out)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
    print(f"report: {runner.count} stacksim runs; wrote {rel(out)}/claims.md, {rel(out)}/index.md and "
          f"{rel(out)}/index.html")
