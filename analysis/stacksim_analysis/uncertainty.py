"""The calibration's band on a cost: each stack's leave-one-out spread.

`stacksim validate --kind steady_state --leave-one-out` predicts every validation case
from its stack fitted to the other cases of that stack. A left-out error e on a
throughput (predicted / measured - 1) means the simulator's throughput may be (1 + e)
times the truth, so a cost per token may be (1 + e) times too low; on a TPOT it is the
inverse. The band of a stack is the range of those factors over its cases, and a cost
priced on a platform is multiplied by its stack's band (claims.yaml, search.calibration
names which stack each platform's efficiencies come from)."""

import subprocess

from .paths import ROOT


def _rows(text):
    """The rows of the two tables of validate's output: (cases, left-out rows)."""
    cases, loo, part = [], [], 0
    for line in text.splitlines():
        if line.startswith("Leave-one-out"):
            part = 1
            continue
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 6 or cells[0] in ("case", "") or set(cells[0]) == {"-"}:
            continue
        (cases if part == 0 else loo).append(cells)
    return cases, loo


def cost_factor(metric, error):
    """What a left-out error on `metric` does to a cost per token."""
    return 1 / (1 + error) if metric.endswith("_ms") else 1 + error


class Calibration:
    """Per stack family: (lowest, highest) factor on a cost, and the cases behind it."""

    def __init__(self, runner, cfg):
        self.cfg = cfg["search"]["calibration"]
        cmd = [runner.stacksim, "validate", "--kind", "steady_state", "--leave-one-out"]
        # validate exits 1 when a left-out case misses its tolerance: the table is what counts.
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode not in (0, 1) or "Leave-one-out" not in proc.stdout:
            raise SystemExit(f"report: {' '.join(cmd)} failed: {proc.stderr.strip()}")
        runner.commands.append("./build/stacksim validate --kind steady_state --leave-one-out")
        cases, loo = _rows(proc.stdout)
        platform_of = {c[0]: c[1] for c in cases}
        family_of = {p: fam for fam, plats in self.cfg["stacks"].items() for p in plats}
        self.factors = {}
        for case, metric, _, _, _, err, *_ in loo:
            fam = family_of.get(platform_of.get(case, ""))
            if fam:
                self.factors.setdefault(fam, []).append(cost_factor(metric, float(err.rstrip("%")) / 100))

    def band(self, platform):
        """(low, high) factor on a cost priced on `platform` (1, 1 when its stack has no cases)."""
        f = self.factors.get(self.cfg["platforms"].get(platform, ""), [])
        return (min(f), max(f)) if f else (1.0, 1.0)

    def family(self, platform):
        return self.cfg["platforms"].get(platform, "none")

    def describe(self):
        return "; ".join(f"{fam}: x{min(f):.2f} to x{max(f):.2f} ({len(f)} left-out predictions)"
                         for fam, f in sorted(self.factors.items()))
