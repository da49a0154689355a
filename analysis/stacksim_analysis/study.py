"""What the claims share: the variants claims.yaml names in the article's scenarios, and the
overrides of an efficiency gap (claims 5 and 7: search.py makes them plan candidates)."""

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


class Study:
    def __init__(self, runner, cfg):
        self.r = runner
        self.cfg = cfg
        self.rubin = article("v4-rubin.yaml")
        self.gap_stack = os.path.normpath(article(cfg["efficiency_gap"]["reference_stack"]))

    def variant(self, scenario, *keys):
        """The name claims.yaml gives (under variants:) a variant of scenarios/article/<scenario>."""
        node = self.cfg["variants"][scenario]
        for k in keys:
            node = node[k]
        return node

    def pick(self, docs, scenario, *keys):
        """The entry, among a run of `scenario`, of the variant claims.yaml names by `keys`."""
        return S.by_name(docs, self.variant(scenario, *keys), scenario)

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
