"""The report as a self-contained HTML page or as Markdown with SVG charts beside it.

HTML goes through Jinja with autoescaping (the same tables as the dashboard); charts are
embedded as data: URIs in <img> tags, so the file can be mailed or archived on its own.
Markdown escapes table cells (pipes, newlines) and links chart files written next to it.
"""
import base64
from pathlib import Path

from flask import render_template

from .charts import CHARTS, TITLES


def disagg_views(report):
    """Rows for the error-by-group tables: one per field and per intersection of two fields."""
    views = []
    sources = [(field, measures) for field, measures in report["disaggregated"]["fields"].items()]
    sources += [(" × ".join(x["fields"]), {k: v for k, v in x.items() if k != "fields"})
                for x in report["disaggregated"]["intersections"]]
    for title, measures in sources:
        names = sorted(measures)
        groups = sorted({g["group"] for m in measures.values() for g in m["groups"]})
        rows = []
        for group in groups:
            cells = []
            for name in names:
                m = measures[name]
                row = next((g for g in m["groups"] if g["group"] == group), None)
                if row is not None:
                    css = " ".join(c for c, on in (("flagged", row["high_error"]), ("worst", m["worst"] == group),
                                                   ("best", m["best"] == group)) if on)
                    row = {**row, "css": css}
                cells.append(row)
            rows.append({"group": group, "cells": cells})
        views.append({"title": title, "measures": names, "rows": rows, "tables": [measures[n] for n in names]})
    return views


def charts_svg(report):
    """{name: svg bytes} for every chart the report can draw."""
    out = {}
    for name, draw in CHARTS.items():
        svg = draw(report)
        if svg is not None:
            out[name] = svg
    return out


def html(report):
    """A standalone HTML page (needs an app context for the templates)."""
    charts = [{"name": n, "title": TITLES[n], "src": "data:image/svg+xml;base64," + base64.b64encode(svg).decode()}
              for n, svg in charts_svg(report).items()]
    return render_template("quality_report.html", report=report, charts=charts, disagg=disagg_views(report))


def _cell(x):
    # Markdown viewers render inline HTML: names from task data must not become markup.
    return (str(x).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("\n", " "))


def _pct(x):
    return "—" if x is None else f"{100 * x:.1f}%"


def _rate(r):
    return f"{_pct(r['rate'])} [{_pct(r['low'])}–{_pct(r['high'])}] n={r['n']}" if r and r["n"] else "—"


def _num(x):
    return "—" if x is None else f"{x:.3f}"


def _table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(report, out_path):
    """Write ``out_path`` (Markdown) and its charts as ``<stem>-<chart>.svg`` beside it."""
    out_path = Path(out_path)
    s, p = report["summary"], report["project"]
    parts = [f"# Quality report: {_cell(p['title'] or 'project ' + str(p['id']))}", "",
             f"{s['tasks']} tasks, {s['annotated_tasks']} annotated, {s['annotations']} annotations; "
             f"{s['gold_tasks']} gold tasks. Mean agreement {_num(s['mean_agreement'])}. "
             f"Error vs gold {_rate(s['gold_error'])}; vs consensus {_rate(s['consensus_error'])}.", ""]
    if report["flags"]:
        parts += ["## Needs attention", ""] + [f"- **{_cell(f['field'])} = {_cell(f['value'])}**: "
                                                f"{_cell('; '.join(f['reasons']))}" for f in report["flags"]]
        parts += [""] + [f"- {_cell(t)}" for t in report["suggestions"]] + [""]
    for name, svg in charts_svg(report).items():
        chart = out_path.with_name(f"{out_path.stem}-{name}.svg")
        chart.write_bytes(svg)
        parts += [f"![{TITLES[name]}]({chart.name})", ""]
    parts += ["## Agreement per control", "", _table(
        ["control", "kind", "pairwise", "Krippendorff's α", "Fleiss' κ"],
        [[n, c["kind"], _num(c["pairwise_agreement"]), _num(c.get("krippendorff_alpha")), _num(c.get("fleiss_kappa"))]
         for n, c in sorted(report["controls"].items())]), ""]
    parts += ["## Annotators", "", _table(
        ["annotator", "annotations", "agreement", "error vs gold", "error vs consensus", "review"],
        [[a["display_name"] or a["username"], a["annotations"], _num(a["agreement"]), _rate(a["gold_error"]),
          _rate(a["consensus_error"]), ", ".join(f"{k} {v}" for k, v in sorted(a["review"].items())) or "—"]
         for a in report["annotators"]]), ""]
    parts += ["## Model versions", "", _table(
        ["model version", "agreement vs reviewed", "error vs reviewed", "agreement vs consensus"],
        [[m["model_version"] or "(unnamed)", _num(m["vs_reviewed"]["agreement"]), _rate(m["vs_reviewed"]["error"]),
          _num(m["vs_consensus"]["agreement"])] for m in report["models"]]), ""]
    for field, t in report["balance"]["fields"].items():
        parts += [f"## Balance: {_cell(field)}", "", _table(
            ["group", "tasks", "share", "labeled", "under-represented"],
            [[g["value"], g["tasks"], _pct(g["share"]), g["labeled"],
              f"yes: {g['more_tasks_needed']} more" if g["under_represented"] else "no"] for g in t["groups"]]), ""]
    for view in disagg_views(report):
        parts += [f"## Error by {_cell(view['title'])}", "", _table(
            ["group"] + [n.replace("_", " ") for n in view["measures"]],
            [[r["group"]] + [(_rate(c) + (" **high**" if c["high_error"] else "")) if c else "—" for c in r["cells"]]
             for r in view["rows"]] +
            [["best → worst gap"] + [f"{_pct(m['gap'])} ({m['best']} → {m['worst']})" if m["gap"] is not None else "—"
                                     for m in view["tables"]]]), ""]
    out_path.write_text("\n".join(parts), encoding="utf-8")
    return out_path
