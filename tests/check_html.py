#!/usr/bin/env python3
"""Opens an HTML page in headless Chromium (Debian's `chromium`), reports every console
error, uncaught exception and failed load, and saves a full-page screenshot.

    python3 tests/check_html.py PAGE.html SCREENSHOT.png [--expect-errors N]

Drives Chromium through the DevTools protocol over a pipe (--remote-debugging-pipe: JSON
messages separated by NUL bytes on fds 3 and 4), stdlib only. Exit 0 when the page loaded
with no error (or with exactly N, for the checker's own test), 1 otherwise.
"""

import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe", "--hide-scrollbars"]


class Browser:
    def __init__(self, exe, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # Chromium reads commands from fd 3 and writes replies and events to fd 4.
        def child_fds():
            r, w = os.dup(to_chrome_r), os.dup(from_chrome_w)  # above 4 (0-4 are taken), so no clobbering
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                     preexec_fn=child_fds, close_fds=False,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self.receive(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})

    def receive(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_chrome], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium exited")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        m = json.loads(raw)
        if "method" in m:
            self.events.append(m)
        return m

    def wait_for(self, method, timeout):
        deadline = time.monotonic() + timeout
        while not any(e["method"] == method for e in self.events):
            self.receive(deadline)

    def drain(self, seconds):
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.receive(deadline)
        except TimeoutError:
            pass

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def errors_of(events):
    out = []
    for e in events:
        m, p = e["method"], e.get("params", {})
        if m == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            out.append("exception: " + (d.get("exception", {}).get("description") or d.get("text", "")))
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append("console.error: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"]))
        elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
            out.append(f"{p['entry'].get('source')}: {p['entry'].get('text')} {p['entry'].get('url', '')}".strip())
    return out


def check(page, shot, width=1280):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        sys.exit("check_html: chromium is not installed (bash .ci/setup --test installs Debian's chromium)")
    with tempfile.TemporaryDirectory(prefix="stacksim-chromium-") as profile:
        b = Browser(exe, profile)
        try:
            target = b.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = b.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Runtime", "Log", "Page"):
                b.send(f"{domain}.enable", session=session)
            b.send("Emulation.setDeviceMetricsOverride",
                   {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
            b.send("Page.navigate", {"url": "file://" + os.path.abspath(page)}, session=session)
            b.wait_for("Page.loadEventFired", 60)
            b.drain(0.5)  # late errors (timers, deferred loads)
            shot_data = b.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                               session=session, timeout=60)["data"]
            with open(shot, "wb") as f:
                f.write(base64.b64decode(shot_data))
            return errors_of(b.events)
        finally:
            b.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("page")
    ap.add_argument("screenshot")
    ap.add_argument("--expect-errors", type=int, default=0)
    args = ap.parse_args()
    errors = check(args.page, args.screenshot)
    for e in errors:
        print(f"check_html: {args.page}: {e}", file=sys.stderr)
    if len(errors) != args.expect_errors:
        sys.exit(f"check_html: {len(errors)} error(s), expected {args.expect_errors}")
    print(f"check_html: {args.page} loaded with {len(errors)} error(s); screenshot {args.screenshot}")


if __name__ == "__main__":
    main()
