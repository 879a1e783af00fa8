"""The report's charts, drawn server-side with matplotlib (Agg backend) as SVG.

Each chart function takes the report dict and returns SVG bytes, or None when the report has
nothing to draw (no annotations yet, no categorical control). Text stays text in the SVG
(``svg.fonttype = none``): smaller files, and matplotlib escapes it, so names from task data
cannot inject markup. Pages show them with <img>, where an SVG cannot run scripts anyway.
"""
import io

import matplotlib

matplotlib.use("Agg")  # no display on servers; set before pyplot is imported

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

# Colours: one accent, one for flags, greys for the rest (readable when printed in grey).
ACCENT, FLAG, MUTED, GRID = "#3b6ea8", "#c0392b", "#9aa5b1", "#e5e8ec"
STYLE = {"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
         "axes.edgecolor": "#555", "axes.grid": True, "grid.color": GRID, "axes.axisbelow": True}
# Longest label drawn in full; longer names are cut with an ellipsis so the plot stays legible.
MAX_LABEL = 24


def _short(text):
    text = str(text)
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def _figure(width=6.4, height=3.2):
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width, height), layout="constrained")
        return fig, fig.add_subplot()


def _svg(fig, title):
    with matplotlib.rc_context(STYLE):
        fig.suptitle(title, fontsize=10, x=0.01, ha="left")
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def progress(report):
    """Annotations per day (bars) and tasks labeled so far (line)."""
    days = report["progress"]
    if not days:
        return None
    fig, ax = _figure()
    with matplotlib.rc_context(STYLE):
        x = range(len(days))
        ax.bar(x, [d["annotations"] for d in days], color=MUTED, label="annotations that day")
        ax.set_ylabel("annotations")
        ax2 = ax.twinx()
        ax2.plot(x, [d["labeled_total"] for d in days], color=ACCENT, marker="o", ms=3, label="tasks labeled (total)")
        ax2.set_ylabel("tasks labeled")
        ax2.set_ylim(bottom=0)
        ax2.grid(False)
        step = max(1, len(days) // 8)
        ax.set_xticks(list(x)[::step], [d["day"][5:] for d in days][::step])
        fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return _svg(fig, "Progress over time")


def throughput(report):
    """Annotations per annotator, with their median time per annotation."""
    rows = [a for a in report["annotators"] if a["annotations"]][:20]
    if not rows:
        return None
    fig, ax = _figure(height=max(2.0, 0.32 * len(rows) + 1))
    with matplotlib.rc_context(STYLE):
        names = [_short(a["display_name"] or a["username"] or a["user"]) for a in rows][::-1]
        values = [a["annotations"] for a in rows][::-1]
        bars = ax.barh(names, values, color=ACCENT)
        for bar, a in zip(bars, rows[::-1]):
            lead = a["median_lead_time"]
            note = f" {lead:.0f} s each" if lead is not None else ""
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, note, va="center", fontsize=8, color="#333")
        ax.set_xlabel("annotations (median seconds per annotation)")
    return _svg(fig, "Throughput per annotator")


def agreement(report):
    """Histogram of per-task agreement."""
    hist = report["summary"]["agreement_histogram"]
    if not sum(hist["counts"]):
        return None
    fig, ax = _figure()
    with matplotlib.rc_context(STYLE):
        bins, counts = hist["bins"], hist["counts"]
        threshold = report["project"]["review_threshold"] or 0
        colours = [FLAG if threshold and bins[i + 1] <= threshold else ACCENT for i in range(len(counts))]
        ax.bar([b + 0.05 for b in bins[:-1]], counts, width=0.09, color=colours)
        if threshold:
            ax.axvline(threshold, color=FLAG, ls="--", lw=1)
            ax.text(threshold, max(counts), " review threshold", color=FLAG, fontsize=8, va="top")
        ax.set_xlim(0, 1)
        ax.set_xlabel("agreement between annotators on a task")
        ax.set_ylabel("tasks")
    return _svg(fig, "Agreement distribution")


def confusion(report):
    """Label × label counts over all pairs of annotators on the same task."""
    conf = report.get("confusion")
    if not conf or not conf["labels"]:
        return None
    labels, m = conf["labels"][:15], [row[:15] for row in conf["matrix"][:15]]
    # The same width as the other charts, so all of them show their text at one size.
    fig, ax = _figure(height=max(3.2, 0.3 * len(labels) + 1.8))
    with matplotlib.rc_context(STYLE):
        ax.grid(False)
        im = ax.imshow(m, cmap="Blues")
        ax.set_xticks(range(len(labels)), [_short(x) for x in labels], rotation=45, ha="right")
        ax.set_yticks(range(len(labels)), [_short(x) for x in labels])
        top = max(max(r) for r in m) or 1
        for i, row in enumerate(m):
            for j, v in enumerate(row):
                ax.text(j, i, str(v), ha="center", va="center", fontsize=8, color="white" if v > top / 2 else "#222")
        ax.set_xlabel("another annotator said")
        ax.set_ylabel("one annotator said")
        fig.colorbar(im, ax=ax, shrink=0.8)
    return _svg(fig, f"Confusion between annotators ({_short(conf['control'])})")


def balance(report):
    """Tasks per group of each balance field; under-represented groups in red."""
    fields = report["balance"]["fields"]
    if not fields:
        return None
    names = list(fields)[:4]
    fig = Figure(figsize=(6.4, 1.6 + 1.2 * len(names)), layout="constrained")
    with matplotlib.rc_context(STYLE):
        axes = fig.subplots(len(names), 1, squeeze=False)[:, 0]
        for ax, field in zip(axes, names):
            groups = fields[field]["groups"][:12]
            ax.barh([_short(g["value"]) for g in groups][::-1], [g["tasks"] for g in groups][::-1],
                    color=[FLAG if g["under_represented"] else ACCENT for g in groups][::-1])
            total, k = fields[field]["total"], len(fields[field]["groups"])
            if k:
                ax.axvline(report["balance"]["min_share"] * total / k, color=FLAG, ls="--", lw=1)
            ax.set_title(_short(field), fontsize=9, loc="left")
        axes[-1].set_xlabel("tasks (dashed: the under-representation line)")
    return _svg(fig, "Balance by metadata group")


def disaggregated(report):
    """Error rate per group with 95% intervals, for each measure, on the most telling field."""
    fields = report["disaggregated"]["fields"]
    if not fields:
        return None
    flagged = [f["field"] for f in report["flags"]]
    field = flagged[0] if flagged else next(iter(fields))
    measures = {k: v for k, v in fields[field].items() if v["groups"]}
    if not measures:
        return None
    groups = sorted({g["group"] for m in measures.values() for g in m["groups"]})[:12]
    fig, ax = _figure(height=3.4)
    with matplotlib.rc_context(STYLE):
        width = 0.8 / len(measures)
        for k, (name, table) in enumerate(sorted(measures.items())):
            rows = {g["group"]: g for g in table["groups"]}
            xs, ys, lo, hi, flagged = [], [], [], [], []
            for i, g in enumerate(groups):
                r = rows.get(g)
                if r is None or r["rate"] is None:
                    continue
                xs.append(i + (k - (len(measures) - 1) / 2) * width)
                ys.append(r["rate"])
                lo.append(r["rate"] - r["low"])
                hi.append(r["high"] - r["rate"])
                flagged.append(r["high_error"])
            # Each measure keeps its colour (so the legend reads right); flagged bars get a red outline.
            bars = ax.bar(xs, ys, width=width, color=(ACCENT, MUTED, "#6c8f5a")[k % 3], yerr=[lo, hi], capsize=2,
                          label=name.replace("_", " "), ecolor="#444")
            for bar, flag in zip(bars, flagged):
                if flag:
                    bar.set_edgecolor(FLAG)
                    bar.set_linewidth(2)
                    bar.set_hatch("//")
        ax.set_xticks(range(len(groups)), [_short(g) for g in groups])
        ax.set_ylabel("error rate")
        # Legend from plain patches: the first bar of a measure may carry a flag's outline.
        ax.legend(handles=[Patch(color=(ACCENT, MUTED, "#6c8f5a")[k % 3], label=n.replace("_", " "))
                           for k, n in enumerate(sorted(measures))], frameon=False, fontsize=8)
    return _svg(fig, f"Error rate by {_short(field)} (red outline: well above the other groups)")


CHARTS = {"progress": progress, "throughput": throughput, "agreement": agreement, "confusion": confusion,
          "balance": balance, "disaggregated": disaggregated}
TITLES = {"progress": "Progress over time", "throughput": "Throughput per annotator",
          "agreement": "Agreement distribution", "confusion": "Confusion between annotators",
          "balance": "Balance by metadata group", "disaggregated": "Error rate by group"}
