#!/usr/bin/env python3
"""Regenerates the claims report and the plots from scratch.

    python3 analysis/report.py [--stacksim build/stacksim] [--out analysis/report] [--jobs 2]

Runs the scenarios in scenarios/article/ with stacksim (each simulation in its own
process), checks the seed article's claims against the results under the assumptions in
scenarios/article/claims.yaml, and writes into --out:

    claims.md        the claims, what stacksim gives, the range, a verdict, the commands
    index.md         the plots page
    index.html       one self-contained page: claims.md's text, the plots inline, the searched
                     deployments and the inputs behind them (open it offline in a browser)
    *.png            Pareto frontier, latency CDFs, $/M tokens by stack and workload, tornado
    data/*.json      every stacksim summary the report quotes

The output directory is built beside the target and renamed into place, so an
interrupted run leaves the previous report whole. The code is the package beside this
file, analysis/stacksim_analysis/ (see its __init__.py).
"""

import os
import sys

sys.dont_write_bytecode = True  # importing the package leaves no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stacksim_analysis.cli import main  # noqa: E402 (after the two lines above)

if __name__ == "__main__":
    main(__doc__.split("\n\n")[0])
