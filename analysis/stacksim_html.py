"""Self-contained HTML pages (stdlib + matplotlib): the run report (`stacksim report`) and
the claims report's index.html are built with it.

A page is one file that opens offline: its style sheet and script are inline, every plot
is inline SVG drawn by matplotlib (text kept as text), and nothing is fetched. Tables whose
header is clicked sort by that column (the only script).

    page = Page("title", "what this page is")
    page.section("Summary", "text")            # plain text; `code` in backticks
    page.table(rows, columns, caption)      # rows: dicts; columns: [(key, header, format)]
    page.figure(fig, caption)               # a matplotlib figure, closed after
    page.details("scenario.yaml", text)     # a folded <pre>
    page.write("report.html")               # atomically
"""

import html
import io
import os
import re
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)

plt.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, searchable, selectable

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0 auto;
       max-width: 1180px; padding: 1.2em 2em 4em; color: #1d2433; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.1em; }
h2 { font-size: 1.3em; margin-top: 2.2em; border-bottom: 2px solid #d8dee9; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin-top: 1.6em; }
p.sub { color: #4c566a; margin-top: 0; }
nav { background: #f4f6fa; border-radius: 6px; padding: 0.5em 1em; margin: 1em 0; }
nav a { margin-right: 1.2em; color: #2e5aac; text-decoration: none; }
table { border-collapse: collapse; margin: 0.6em 0 0.3em; font-size: 0.86em; }
th, td { border: 1px solid #d8dee9; padding: 0.25em 0.55em; text-align: right; white-space: nowrap; }
th { background: #eef1f6; cursor: pointer; user-select: none; }
th.sorted-asc::after { content: " \\25B2"; font-size: 0.7em; }
th.sorted-desc::after { content: " \\25BC"; font-size: 0.7em; }
td.text, th.text { text-align: left; }
tr:nth-child(even) td { background: #fafbfc; }
.caption { color: #4c566a; font-size: 0.88em; margin: 0.2em 0 1.2em; max-width: 60em; }
figure { margin: 1em 0 0.4em; }
figure svg { max-width: 100%; height: auto; }
details { margin: 0.4em 0; }
summary { cursor: pointer; color: #2e5aac; }
pre { background: #f4f6fa; padding: 0.8em; overflow-x: auto; font-size: 0.82em; }
.scroll { overflow-x: auto; }
code { background: #f4f6fa; padding: 0 0.2em; }
.md td, .md th { text-align: left; white-space: normal; min-width: 4em; }
"""

SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.querySelectorAll("th");
  heads.forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var desc = th.classList.contains("sorted-asc");
      heads.forEach(function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
      th.classList.add(desc ? "sorted-desc" : "sorted-asc");
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
        return desc ? -c : c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def text(s):
    """Plain text as HTML: escaped, `code` spans set as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(s, quote=False))


def fmt(value, spec):
    """`value` by a format spec ("{:.2f}"), or a callable; "" for None and NaN."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if callable(spec):
        return spec(value)
    try:
        return spec.format(value)
    except (ValueError, TypeError):
        return str(value)


def svg(fig):
    """A matplotlib figure as an inline <svg> element (the figure is closed)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    s = buf.getvalue()
    s = s[s.index("<svg"):]  # drop the XML prolog and doctype
    return re.sub(r"<metadata>.*?</metadata>", "", s, flags=re.S)  # matplotlib's RDF block


def markdown_html(md):
    """Markdown (tables included) as HTML, by Debian's python3-markdown."""
    import markdown
    out = markdown.markdown(md, extensions=["tables"])
    return out.replace("<table>", '<div class="scroll"><table>').replace("</table>", "</table></div>")


class Page:
    def __init__(self, title, subtitle=""):
        self.title = title
        self.parts = [f"<h1>{html.escape(title)}</h1>"]
        if subtitle:
            self.parts.append(f'<p class="sub">{text(subtitle)}</p>')
        self.nav_at = len(self.parts)
        self.sections = []

    def section(self, title, intro="", nav=None):
        """A section; `nav`: its shorter name in the page's navigation bar."""
        anchor = "s%d" % (len(self.sections) + 1)
        self.sections.append((anchor, nav or title))
        self.parts.append(f'<h2 id="{anchor}">{html.escape(title)}</h2>')
        if intro:
            self.paragraph(intro)

    def subsection(self, title):
        self.parts.append(f"<h3>{html.escape(title)}</h3>")

    def paragraph(self, s):
        """A paragraph of plain text (`code` in backticks)."""
        self.parts.append(f"<p>{text(s)}</p>")

    def table(self, rows, columns, caption=""):
        """rows: dicts; columns: [(key, header, format spec or callable)]; a format of None
        shows the value as text (left-aligned)."""
        out = ['<div class="scroll"><table class="sortable"><thead><tr>']
        for _, head, spec in columns:
            cls = ' class="text"' if spec is None else ""
            out.append(f"<th{cls}>{html.escape(head)}</th>")
        out.append("</tr></thead><tbody>")
        for r in rows:
            out.append("<tr>")
            for key, _, spec in columns:
                v = r.get(key)
                shown = html.escape(str(v) if spec is None and v is not None else fmt(v, spec or "{}"))
                sort = html.escape(str(v) if v is not None else "", quote=True)
                cls = ' class="text"' if spec is None else ""
                out.append(f'<td{cls} data-v="{sort}">{shown}</td>')
            out.append("</tr>")
        out.append("</tbody></table></div>")
        self.parts.append("".join(out))
        if caption:
            self.parts.append(f'<p class="caption">{text(caption)}</p>')

    def figure(self, fig, caption=""):
        """A matplotlib figure (closed after), or its svg() string."""
        self.parts.append(f"<figure>{fig if isinstance(fig, str) else svg(fig)}</figure>")
        if caption:
            self.parts.append(f'<p class="caption">{text(caption)}</p>')

    def markdown(self, md):
        """A block of Markdown (the claims report's own text)."""
        self.parts.append(f'<div class="md">{markdown_html(md)}</div>')

    def details(self, summary, text):
        self.parts.append(f"<details><summary>{html.escape(summary)}</summary><pre>{html.escape(text)}</pre></details>")

    def html(self):
        nav = ""
        if len(self.sections) > 1:
            nav = "<nav>" + "".join(f'<a href="#{a}">{html.escape(t)}</a>' for a, t in self.sections) + "</nav>"
        body = self.parts[:self.nav_at] + [nav] + self.parts[self.nav_at:]
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"<title>{html.escape(self.title)}</title><style>{STYLE}</style></head><body>\n"
                + "\n".join(body) + f"\n<script>{SCRIPT}</script>\n</body></html>\n")

    def write(self, path):
        """Writes the page to `path` through a temporary file renamed into place."""
        d = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=d)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self.html())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
