#!/usr/bin/env python3
"""Test of `stacksim report` (run by CTest): a four-variant run with every output and a
small sweep made into one HTML page, which must be self-contained (nothing fetched: no
external URL, no file beside it), carry each section and its plots as inline SVG, and
load in headless Chromium without a console error (tests/check_html.py, whose own
detection is checked first on a page with three errors). The screenshot is kept in
ARTIFACTS/report.png. Bad inputs: one error line, exit 2, nothing written.

    python3 tests/check_html_report.py STACKSIM ARTIFACTS
"""

import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "tests"))
import check_html  # noqa: E402
from checks import check, conclude  # noqa: E402



def main():
    stacksim, artifacts = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    os.makedirs(artifacts, exist_ok=True)
    data = os.path.join(ROOT, "tests", "data")
    with tempfile.TemporaryDirectory(prefix="stacksim-html-") as tmp:
        # The checker sees what it must: a console error, an exception, a missing file.
        bad = os.path.join(tmp, "bad.html")
        with open(bad, "w") as f:
            f.write('<html><body><script>console.error("x"); nothing();</script><img src="gone.png"></body></html>')
        check(len(check_html.check(bad, os.path.join(tmp, "bad.png"))) == 3, "the checker finds 3 errors")

        run = [stacksim, "run", os.path.join(data, "variants.yaml"), "-q", "-o", f"{tmp}/s.json", "--jobs", "2",
               "--requests", f"{tmp}/r.csv", "--timeline", f"{tmp}/t.csv", "--trace", f"{tmp}/tr.json",
               "--bench-json", f"{tmp}/b.json"]
        subprocess.run(run, check=True)
        subprocess.run([stacksim, "sweep", os.path.join(ROOT, "tests", "golden", "sweep20.yaml"), "--jobs", "2",
                        "--db", f"{tmp}/w.db"], check=True, capture_output=True)
        inputs = [f"{tmp}/{n}" for n in ("s.json", "r.csv", "t.csv", "tr.json", "b.json", "w.db")]
        page = f"{tmp}/report.html"
        subprocess.run([stacksim, "report", *inputs, "-o", page], check=True)
        with open(page) as f:
            html = f.read()
        for section in ("Summary", "Latency distributions", "Timelines", "Throughput and interactivity", "Cost",
                        "Inputs and assumptions"):
            check(f">{section}</h2>" in html, f"section {section}")
        # A timeline per variant, the latency CDFs, the frontier, the costs.
        check(html.count("<svg") == 4 + 3, f"inline SVG plots ({html.count('<svg')})")
        check(not re.search(r'(src|href)="(?!#)', html), "nothing referenced outside the page")
        names = re.sub(r'xmlns(:\w+)?="[^"]*"', "", html)  # XML namespaces name, they fetch nothing
        check("http://" not in names and "https://" not in names, "no URL")
        for name in ("least-loaded", "round-robin", "disaggregated", "other-seed"):
            check(html.count(f">{name}<") >= 2, f"scenario {name} in the tables")
        errors = check_html.check(page, os.path.join(artifacts, "report.png"))
        check(not errors, f"loads without console errors: {errors}")
        check(os.path.getsize(os.path.join(artifacts, "report.png")) > 10000, "a screenshot")

        # Bad inputs: exit 2, one line naming the file, nothing written.
        for args, what in (([f"{tmp}/nothing.json"], "nothing.json: no such file"),
                           ([os.path.join(data, "busy.yaml")], "busy.yaml: neither"),
                           ([f"{tmp}/s.json", "-o", f"{tmp}/s.json"], "the output is also an input")):
            out = args if "-o" in args else [*args, "-o", f"{tmp}/bad-report.html"]
            p = subprocess.run([stacksim, "report", *out], capture_output=True, text=True)
            check(p.returncode == 2 and what in p.stderr and p.stderr.count("\n") == 1,
                  f"bad input {args}: exit {p.returncode}, {p.stderr!r}")
        check(not os.path.exists(f"{tmp}/bad-report.html"), "nothing written on bad input")
        check(not [f for f in os.listdir(tmp) if f.startswith(".report-")], "no temporary file left")
    conclude("html report checks passed")


if __name__ == "__main__":
    main()
