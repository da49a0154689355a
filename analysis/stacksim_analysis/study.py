"""The study behind the claims: V4 on Ascend 950PR and on Vera Rubin NVL72 priced at the
highest load that meets the SLO, the efficiency gap, and the alternatives of claims.yaml
(scenarios/article/claims.yaml) one at a time."""

import os

import yaml

from . import summary as S
from .paths import ROOT, article


def stack_overrides_for_gap(stack_file, gap):
    """--set overrides giving a stack the efficiencies of `stack_file` x (1 - gap) and its
    overheads / (1 - gap)."""
    with open(stack_file) as f:
        st = yaml.safe_load(f)
    sets = {}
    for key in ("gemm_efficiency", "attention_efficiency", "memory_efficiency", "scale_up_efficiency",
                "scale_out_efficiency"):
        sets[f"platform.stack.{key}"] = f"{st[key] * (1 - gap):.6g}"
    for key in ("layer_overhead", "step_overhead"):
        value, unit = str(st[key]).split()
        sets[f"platform.stack.{key}"] = f"{float(value) / (1 - gap):.6g} {unit}"
    return sets


def keeps_up(s, rate, load):
    """Whether a run at `load` x the offered `rate` (requests/s at load 1) served >= 90% of it."""
    return S.requests_per_s(s) >= 0.9 * rate * load


def fixed_load(sets):
    """Whether an alternative acts at a given load: it sets the load, or only prices."""
    return "workload.time_scale" in sets or all(
        k.startswith(("platform.cost.", "platform.facility.")) for k in sets)


class Study:
    def __init__(self, runner, cfg):
        self.r = runner
        self.cfg = cfg
        self.slo = cfg["slo"]
        self.ascend = article("v4-ascend.yaml")
        self.rubin = article("v4-rubin.yaml")
        self.gap_stack = os.path.normpath(article(cfg["efficiency_gap"]["reference_stack"]))
        self.gap_at_base_load = {}  # gap level -> the Ascend summary at the default's load
        self.tornado = {}           # alternative's name -> [summary at low, at high] (None: the default)

    def variant(self, scenario, *keys):
        """The name claims.yaml gives (under variants:) a variant of scenarios/article/<scenario>."""
        node = self.cfg["variants"][scenario]
        for k in keys:
            node = node[k]
        return node

    def pick(self, docs, scenario, *keys):
        """The entry, among a run of `scenario`, of the variant claims.yaml names by `keys`."""
        return S.by_name(docs, self.variant(scenario, *keys), scenario)

    def at_best_load(self, scenario, sets):
        """Runs every load; returns (the highest load within the SLO or the lowest, all runs)."""
        loads = self.cfg["loads"]
        runs = self.r.run_many([(scenario, {**sets, "workload.time_scale": l}) for l in loads])
        # The offered rate scales with the load; the lowest load is assumed to keep up.
        rate = S.requests_per_s(runs[0]) / loads[0]
        ok = [(l, s) for l, s in zip(loads, runs)
              if S.meets(s, self.slo) and keeps_up(s, rate, l)]
        best = ok[-1] if ok else (loads[0], runs[0])
        S.set_priced_load(best[1], best[0], bool(ok))
        return best[1], list(zip(loads, runs))

    def alt_sets(self, spec):
        """The --set overrides of an alternative's end: a mapping, or "gap:<g>"."""
        if isinstance(spec, str) and spec.startswith("gap:"):
            # A stack path in an override resolves against the platform file (platforms/).
            # ASSUMPTION: the platform's own fabrics (UB, RoCE) deliver what the reference
            # stack's (NVLink, InfiniBand) do: the gap is the software's alone.
            return {"platform.stack": os.path.relpath(self.gap_stack, os.path.join(ROOT, "platforms")),
                    "platform.scale_up.efficiency": "1", "platform.scale_out.efficiency": "1",
                    **stack_overrides_for_gap(self.gap_stack, float(spec[4:]))}
        return dict(spec)

    def run_defaults(self):
        """Each configuration at its highest load within the SLO: (Ascend, Rubin)."""
        base, _ = self.at_best_load(self.ascend, {})
        rubin_best, _ = self.at_best_load(self.rubin, {})
        return base, rubin_best

    def run_gaps(self, base):
        """[(gap level, Ascend at its best load)]; fills gap_at_base_load too."""
        gap_runs = []
        self.gap_at_base_load = {}
        for g in self.cfg["efficiency_gap"]["levels"]:
            s, runs = self.at_best_load(self.ascend, self.alt_sets(f"gap:{g}"))
            gap_runs.append((g, s))
            self.gap_at_base_load[g] = dict(runs)[S.load(base)]
        return gap_runs

    def run_alternatives(self, base):
        """Fills tornado: the alternatives one at a time. Prices act at the default load; an
        alternative that changes performance is priced at its own highest load within the
        SLO (a pool billed by the hour costs the same per token at the same load); one that
        sets the load is run at that load."""
        slots, items = [], []
        self.tornado = {a["name"]: [None, None] for a in self.cfg["alternatives"]}
        for alt in self.cfg["alternatives"]:
            for end in ("low", "high"):
                sets = self.alt_sets(alt[end])
                slot = (alt["name"], 0 if end == "low" else 1)
                if not sets:
                    continue
                if fixed_load(sets):
                    sets.setdefault("workload.time_scale", S.load(base))
                    slots.append(slot)
                    items.append((self.ascend, sets))
                else:
                    best, _ = self.at_best_load(self.ascend, sets)
                    self.tornado[slot[0]][slot[1]] = best
        rate = S.requests_per_s(base) / S.load(base)
        for (name, i), (_, sets), s in zip(slots, items, self.r.run_many(items)):
            at = float(sets["workload.time_scale"])
            S.set_priced_load(s, at, S.meets(s, self.slo) and keeps_up(s, rate, at))
            self.tornado[name][i] = s
