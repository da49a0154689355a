"""The assertions of the Python checks run by CTest (check_*.py): each failed check is
printed and counted, and conclude() exits 1 when any failed, so that one run reports them all."""

import sys

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAILED: {what}", file=sys.stderr)


def conclude(passed):
    """Exits 1 naming the count when a check failed; prints `passed` otherwise."""
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")
    print(passed)
