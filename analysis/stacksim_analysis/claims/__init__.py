"""The seed article's claims, one module per claim; each `claim(...)` returns a Claim.

    like_37b    1  V4 "runs more like a 37B model at inference time"
    context_1m  2  a 1M-token context window
    exaflops    3  Vera Rubin NVL72's "3.6 exaflops of inference"
    break_even  4  "~$0.28 per M input tokens" on Ascend 950PR
    gap         5  "Ascend 950PR efficiency lags NVIDIA by 30-50%"
    ratios      6  the stated price ratios
"""

from dataclasses import dataclass, field

VERDICTS = ("holds", "does not hold", "holds only if")


@dataclass
class Claim:
    id: int           # its number in the report
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
