"""The seed article's claims (numbered as in the team's reference notes,
hardware-and-prices.md), one module each, or several in searched.py; each returns a Claim.

    like_37b    1  V4 "runs more like a 37B model at inference time"
    context_1m  2  a 1M-token context window
    searched    3  V4 runs entirely on Ascend 950PR
    searched    4  "~$0.28 per M input tokens" on Ascend 950PR: below cost?
    ratios      4b the stated price ratios
    searched    5  "Ascend 950PR efficiency lags NVIDIA by 30-50%"
    exaflops    6  Vera Rubin NVL72's "3.6 exaflops of inference"
    searched    7  "performance gaps matter less when ... costs 27x more"
    searched    8  the fleet: "hundreds of thousands of Ascend chips ordered"
"""

from dataclasses import dataclass, field

VERDICTS = ("holds", "does not hold", "holds only if")


@dataclass
class Claim:
    id: object        # its number in the report (4b: a second row of claim 4)
    title: str        # the claim as the article states it
    default: str      # what stacksim gives under the default assumptions
    range: str        # the range under the alternatives
    label: str        # the verdict, one of VERDICTS
    verdict: str      # the verdict in prose
    body: list        # the claim's section: Markdown lines
    cond: str = ""    # what "holds only if" is conditional on
    data: dict = field(default_factory=dict)  # figures another claim quotes

    def __post_init__(self):
        assert self.label in VERDICTS, self.label
