"""Each stack at its searched deployment: the plans behind claims 1, 4, 5 and 7 and the fleet
claim. claims.yaml's `search:` names a plan file (its base scenario, load, SLO, pricing and
search space) and alternatives; the report writes one plan whose candidates are the plan's
own and, for each alternative, a copy of its platform's candidate with the alternative's
overrides, runs `stacksim plan` on it, and reads each candidate's cheapest deployment that
meets the SLO. The plan files it writes go into the report's data/plans/, so that every
figure can be rerun with the command listed at the end of claims.md."""

import copy
import os
from dataclasses import dataclass, field

import yaml

from .paths import article, rel


@dataclass
class Winner:
    """A candidate's cheapest deployment meeting the SLO, as the plan confirmed it."""
    name: str
    layout: str
    summary: dict                                   # the confirming simulation's run summary
    sglang: dict = field(default_factory=dict)      # role -> SGLang's launch arguments
    frontier: list = field(default_factory=list)    # the screen's throughput-interactivity frontier
    load_scale: float = 1.0                         # objective max_load: the highest scale within the SLO

    @property
    def chips(self):
        return self.summary["layout"]["chips"]

    @property
    def usd_per_hour(self):
        return self.summary["cost"]["usd_per_hour"]

    @property
    def window(self):
        return self.summary["steady_state"]

    @property
    def usd_in_miss(self):
        return self.window["usd_per_m_input_cache_miss"]

    @property
    def usd_in(self):
        return self.window["usd_per_m_input"]

    @property
    def usd_out(self):
        return self.window["usd_per_m_output"]

    @property
    def tokens_per_s(self):
        """Input + output tokens per second over the steady-state window."""
        return self.window["input_tokens_per_s"] + self.window["output_tokens_per_s"]

    @property
    def tokens_per_s_per_chip(self):
        return self.tokens_per_s / self.chips

    @property
    def usd_per_m_tokens(self):
        """The whole bill per million tokens, input and output alike."""
        return self.usd_per_hour / 3600 / self.tokens_per_s * 1e6


def _absolute(value, base_dir):
    """A path-valued override made absolute against the plan's directory."""
    if isinstance(value, str) and value.endswith(".yaml"):
        return os.path.normpath(os.path.join(base_dir, value))
    return value


# The keys whose path a plan resolves against its own directory (a stack path inside a
# platform resolves against the platform file, and stays as it is).
PATH_KEYS = ("base", "platform", "model", "workload")


def _relative_to(doc, plans_dir, out_dir):
    """The plan document with its paths, relative to plans_dir, rewritten relative to out_dir."""
    def fix(v):
        if isinstance(v, dict):
            return {k: os.path.relpath(_absolute(x, plans_dir), out_dir)
                    if k in PATH_KEYS and isinstance(x, str) else fix(x) for k, x in v.items()}
        if isinstance(v, list):
            return [fix(x) for x in v]
        return v
    return fix(doc)


class Search:
    """Writes and runs the report's plans; keeps each candidate's winner by name."""

    def __init__(self, runner, cfg, gap_sets):
        self.r = runner
        self.cfg = cfg["search"]
        self.gap_sets = gap_sets      # gap -> the --set overrides of an efficiency gap (study.py)
        self.plans = {}               # plan name -> (document, its JSON result)
        self.winners = {}             # candidate name -> Winner (None: nothing met the SLO)
        self.max_load = {}            # the same, at the highest load a fixed cluster serves
        self.excluded = {}            # candidate name -> {"role: reason": layouts the screen ruled out}

    def _plan_doc(self, source, extra_candidates, drop_base=False):
        plans_dir = os.path.dirname(source)
        with open(source) as f:
            doc = yaml.safe_load(f)
        doc.pop("references", None)
        base = {c["name"]: c for c in doc["candidates"]}
        cands = [] if drop_base else list(doc["candidates"])
        for parent, name, sets, *space in extra_candidates:
            c = copy.deepcopy(base[parent])
            c["name"] = name
            c["set"] = {**c.get("set", {}), **sets}
            c.update(space[0] if space else {})
            cands.append(c)
        doc["candidates"] = cands
        if "confirm" in self.cfg:
            doc["confirm"] = self.cfg["confirm"]
        return doc, plans_dir

    def _max_load_doc(self, source):
        """objective max_load on fixed clusters: each platform claims.yaml names, with its chips,
        and its efficiency-gap alternatives (claim 5 at each stack's own highest SLO load)."""
        chips = self.cfg["max_load"]
        extra = [(p, p, {}) for p in chips] + [x for x in self._alternatives() if x[0] in chips and "gap" in x[1]]
        doc, plans_dir = self._plan_doc(source, extra, drop_base=True)
        doc["objective"] = "max_load"
        for c in doc["candidates"]:
            c["chips"] = chips[c["name"].split(" | ")[0]]
            c.pop("max_instances", None)
        return doc, plans_dir

    def _alternatives(self):
        """(platform candidate, name, sets) of every alternative in claims.yaml."""
        out = []
        for parent, alts in self.cfg["alternatives"].items():
            for a in alts:
                sets = dict(self.gap_sets(a["gap"])) if "gap" in a else {}
                sets.update(a.get("set", {}))
                out.append((parent, f"{parent} | {a['name']}", sets))
        return out

    def _models(self):
        """(platform candidate, name, sets) of claim 1's models on each platform."""
        out = []
        space = self.cfg["models"].get("space", {})
        for parent in self.cfg["models"]["platforms"]:
            for m in self.cfg["models"]["files"]:
                model = os.path.basename(m)[:-5]
                out.append((parent, f"{parent} | {model}", {"model": m}, space.get(model, {})))
        return out

    def run(self, data_dir, shown_dir):
        """Runs the plans; plan files go to data_dir/plans/ (shown_dir/plans/ once in place)."""
        out_dir = os.path.join(data_dir, "plans")
        os.makedirs(out_dir, exist_ok=True)
        source = os.path.normpath(article(self.cfg["plan"]))
        jobs = [("deployments", self._plan_doc(source, self._alternatives())),
                ("models", self._plan_doc(source, self._models(), drop_base=True)),
                ("max-load", self._max_load_doc(source))]
        for name, (doc, plans_dir) in jobs:
            # Model paths in claims.yaml are relative to scenarios/article/: make them the plan's.
            for c in doc["candidates"]:
                if "model" in c.get("set", {}) and name == "models":
                    c["set"]["model"] = os.path.relpath(article(c["set"]["model"]), plans_dir)
            path = os.path.join(out_dir, name + ".yaml")
            with open(path, "w") as f:
                f.write(f"# Written by analysis/report.py from {rel(source)} and scenarios/article/claims.yaml "
                        f"(search:).\n")
                yaml.safe_dump(_relative_to(doc, plans_dir, out_dir), f, sort_keys=False, width=110)
            result = self.r.plan(path, name, shown=os.path.join(shown_dir, "plans", name + ".yaml"))
            self.plans[name] = (doc, result)
            for c in result["candidates"]:
                (self.max_load if name == "max-load" else self.winners)[c["name"]] = _winner(c)
                if name != "max-load":
                    self.excluded[c["name"]] = c.get("layouts_excluded", {})

    def why_none(self, name, top=3):
        """Why no layout of a candidate met the SLO: its most common exclusions."""
        ex = sorted(self.excluded.get(name, {}).items(), key=lambda kv: -kv[1])[:top]
        return ", ".join(f"{reason} {n:,}" for reason, n in ex)

    def winner(self, name):
        w = self.winners.get(name)
        if name not in self.winners:
            raise SystemExit(f"report: the search has no candidate {name!r} (scenarios/article/claims.yaml)")
        return w

    def platforms(self):
        """The plan's own platform candidates, in its order."""
        doc, _ = self.plans["deployments"]
        return [c["name"] for c in doc["candidates"] if " | " not in c["name"]]

    def alternatives_of(self, platform):
        """[(alternative's name, Winner or None)] of one platform candidate."""
        return [(n.split(" | ", 1)[1], w) for n, w in self.winners.items() if n.startswith(platform + " | ")
                and n.split(" | ", 1)[1] in {a["name"] for a in self.cfg["alternatives"].get(platform, [])}]


def _winner(c):
    b = c.get("best_finalist", -1)
    if b is None or b < 0:
        return None
    f = c["finalists"][b]
    p = f["probes"][f["best_probe"]]
    if not p["meets_slo"]:
        return None
    return Winner(c["name"], f["layout"], p["summary"], f.get("sglang", {}), c.get("frontier", []),
                  p.get("load_scale") or 1.0)

