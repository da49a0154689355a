"""Where the repository and the article's scenarios are."""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTICLE = os.path.join(ROOT, "scenarios", "article")


def rel(path):
    return os.path.relpath(path, ROOT)


def article(name):
    """The path of scenarios/article/<name>."""
    return os.path.join(ARTICLE, name)
