"""Claim 6: the stated price ratios (27x GPT-5.4, 50x Claude Opus, $10,000 vs $270,000),
checked against the stated prices; arithmetic on claims.yaml, no simulation."""

from . import Claim


def claim(study):
    p = study.cfg["prices"]
    r = study.cfg["stated_ratios"]
    ratio = p["gpt_5_4_input"] / p["v4_input"]
    spend = r["spend"]
    implied_gpt = spend["v4"] * ratio
    md = ["| stated | check against the stated prices |", "|---|---|",
          f"| 27x cheaper than GPT-5.4 | ${p['gpt_5_4_input']:.2f} / ${p['v4_input']:.2f} = **{ratio:.1f}x**; "
          f"27x would need GPT-5.4 at ${27*p['v4_input']:.2f} per M input or V4 at "
          f"${p['gpt_5_4_input']/27:.3f} |",
          f"| $10,000 vs $270,000 | consistent with 27x, not with the stated prices: ${spend['v4']:,} of V4 "
          f"calls is ${implied_gpt:,.0f} at GPT-5.4's ${p['gpt_5_4_input']:.2f} ({ratio:.1f}x) |",
          f"| 50x cheaper than Claude Opus on input | the article gives no Opus price; 50x implies "
          f"${50*p['v4_input']:.2f} per M input |",
          "", "DeepSeek's own published prices ($/M input hit / miss / output) for context: " +
          "; ".join(f"{k} {v[0]} / {v[1]} / {v[2]}" for k, v in study.cfg["deepseek_api"].items()) + "."]
    return Claim(id="4b", title="Price ratios: \"roughly 27x cheaper than GPT-5.4\" (at ~$2.50/M), "
                             "\"50x cheaper than Claude Opus\", \"$10,000 ... would cost $270,000 on GPT-5.4\"",
                 default=f"$2.50 / $0.28 = {ratio:.1f}x",
                 range=f"27x needs GPT-5.4 at ${27*p['v4_input']:.2f}/M; 50x (Opus) needs ${50*p['v4_input']:.0f}/M",
                 verdict=f"Does not hold: at the stated prices the ratio is {ratio:.1f}x, not 27x, and $10,000 of "
                         f"V4 input would cost ${implied_gpt:,.0f} on GPT-5.4, not $270,000. The 50x Opus ratio "
                         f"cannot be checked: no Opus price is stated.",
                 label="does not hold", body=md)
