"""Runs stacksim: `run`, `info` and `sweep` (+ `export`), each in its own process."""

import concurrent.futures
import json
import os
import shlex
import subprocess

from . import summary
from .paths import ROOT, rel


class Runner:
    """Runs stacksim, at most `jobs` processes at once, and remembers every command."""

    def __init__(self, stacksim, work, jobs):
        self.stacksim = stacksim
        self.work = work
        self.jobs = jobs
        self.count = 0
        self.commands = []

    def _cmd(self, verb, scenario, sets, extra):
        cmd = [self.stacksim, verb, scenario]
        for k, v in sets.items():
            cmd += ["--set", f"{k}={v if not isinstance(v, dict) else json.dumps(v)}"]
        return cmd + extra

    def _exec(self, verb, scenario, sets, extra=()):
        self.count += 1
        out = os.path.join(self.work, f"r{self.count:04d}.json")
        cmd = self._cmd(verb, scenario, sets, ["-q", "-o", out, *extra])
        shown = " ".join(shlex.quote(c) for c in self._cmd(verb, rel(scenario), sets, [])[1:])
        shown = "./build/stacksim " + shown
        self.commands.append(shown)
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"report: `{shown}` failed ({proc.returncode}): {proc.stderr.strip()}")
        with open(out) as f:
            doc = json.load(f)
        for s in summary.scenarios(doc):
            summary.set_command(s, shown)
        return summary.scenarios(doc)

    def run(self, scenario, sets=None):
        """The summaries of every variant of `scenario`, in the file's order."""
        return self._exec("run", scenario, sets or {}, ["-j", str(self.jobs)])

    def info(self, scenario, sets=None):
        """The info documents of every variant of `scenario`, in the file's order."""
        return self._exec("info", scenario, sets or {})

    def run_many(self, items):
        """items: list of (scenario, sets); returns the first summary of each, in order."""
        with concurrent.futures.ThreadPoolExecutor(self.jobs) as pool:
            futs = [pool.submit(self._exec, "run", sc, sets, ["-j", "1"]) for sc, sets in items]
            return [f.result()[0] for f in futs]

    def sweep(self, sweep_file, name):
        """Runs a sweep file into <name>.db, exports it; returns the path of <name>.csv."""
        db = os.path.join(self.work, name + ".db")
        csv = os.path.join(self.work, name + ".csv")
        for cmd in ([self.stacksim, "sweep", sweep_file, "--jobs", str(self.jobs), "--db", db],
                    [self.stacksim, "export", db, "--csv", csv]):
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            if proc.returncode != 0:
                raise SystemExit(f"report: {' '.join(cmd)} failed: {proc.stderr.strip()}")
        self.commands.append(f"./build/stacksim sweep {rel(sweep_file)} --jobs {self.jobs} --db {name}.db"
                             f" && ./build/stacksim export {name}.db --csv {name}.csv")
        return csv

    def plan(self, plan_file, name, shown):
        """Runs `stacksim plan` on plan_file (its probes in <name>.db); returns its --output JSON.
        `shown`: the plan file's path as the commands list shows it."""
        db = os.path.join(self.work, name + ".db")
        out = os.path.join(self.work, name + ".json")
        cmd = [self.stacksim, "plan", plan_file, "--jobs", str(self.jobs), "--db", db, "-o", out]
        self.count += 1
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"report: {' '.join(cmd)} failed: {proc.stderr.strip()}")
        self.commands.append(f"./build/stacksim plan {shown} --jobs {self.jobs} -o {name}.json")
        with open(out) as f:
            return json.load(f)
