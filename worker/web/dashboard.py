"""The project dashboard: charts and tables of the quality report (reviewers and managers).

  /projects/<id>/dashboard               the page (?refresh=1 recomputes, ?fields=a,b groups by these)
  /projects/<id>/dashboard/<chart>.svg   one chart, drawn from the cached report
  /projects/<id>/dashboard/report.html   the standalone HTML report (as `labelart report`)
"""
from flask import Response, abort, request, url_for

from ..api.quality import _options
from ..quality import cache
from ..quality.charts import CHARTS, TITLES
from ..quality.render import disagg_views, html
from . import web_bp
from .common import login_required, page_project, render_page

# Our own SVG, shown through <img>; the policy keeps it inert even if opened directly.
SVG_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
               "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=60"}


def _report(project_id):
    project, role = page_project(project_id, "reviewer")
    fields, min_share, refresh = _options()
    return project, role, cache.get_report(project, fields, min_share, refresh)


@web_bp.route("/projects/<int:project_id>/dashboard")
@login_required
def dashboard(project_id):
    project, role, report = _report(project_id)
    query = {k: v for k, v in request.args.items() if k in ("fields", "min_share")}
    charts = [{"name": name, "title": TITLES[name],
               "src": url_for("web.dashboard_chart", project_id=project.id, name=name, **query)}
              for name, draw in CHARTS.items() if _has(name, report)]
    return render_page("dashboard.html", project=project, role=role, active="dashboard", report=report,
                       charts=charts, disagg=disagg_views(report))


def _has(name, report):
    """Whether ``name`` has anything to draw, without drawing it (the <img> requests draw)."""
    if name == "progress":
        return bool(report["progress"])
    if name == "throughput":
        return any(a["annotations"] for a in report["annotators"])
    if name == "agreement":
        return bool(sum(report["summary"]["agreement_histogram"]["counts"]))
    if name == "confusion":
        return bool(report.get("confusion") and report["confusion"]["labels"])
    if name == "balance":
        return bool(report["balance"]["fields"])
    return any(m["groups"] for f in report["disaggregated"]["fields"].values() for m in f.values())


@web_bp.route("/projects/<int:project_id>/dashboard/<name>.svg")
@login_required
def dashboard_chart(project_id, name):
    if name not in CHARTS:
        abort(404)
    _, _, report = _report(project_id)
    svg = CHARTS[name](report)
    if svg is None:
        abort(404)
    return Response(svg, mimetype="image/svg+xml", headers=SVG_HEADERS)


@web_bp.route("/projects/<int:project_id>/dashboard/report.html")
@login_required
def dashboard_report(project_id):
    _, _, report = _report(project_id)
    return Response(html_report(report), mimetype="text/html",
                    headers={"Content-Disposition": f'attachment; filename="quality-{project_id}.html"'})


def html_report(report):
    return html(report)
