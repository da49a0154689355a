"""The claims report's code (analysis/report.py is its entry point).

    paths     where the repository and scenarios/article/ are
    runner    Runner: runs `stacksim run/info/sweep` and remembers every command
    summary   accessors of stacksim's JSON summaries, info documents and sweep CSV
    study     Study: the SLO-limited load search, the alternatives, the efficiency gap
    claims/   one module per claim of the seed article, each returning a Claim
    plots     one function per plot
    markdown  claims.md and index.md
    cli       the command line: runs everything into a staging directory, swaps it in
"""
