"""The dashboard page, its charts and `labelart report` (Markdown and HTML)."""
import re

from click.testing import CliRunner

from worker.cli import cli

from .factories import add_member, make_project, make_user
from .test_quality_api import _synthetic_rows


def _project_with_data(app, client):
    owner = make_user(app, client, "owner")
    pid = make_project(owner, overlap=3, title="Faces <b>v2</b>")["id"]
    people = [make_user(app, client, n) for n in ("ann_a", "ann_b", "ann_c")]
    for p in people:
        add_member(app, pid, p)
    rows = _synthetic_rows(*(p.user_id for p in people), owner.user_id)
    for i, row in enumerate(rows):  # a hostile group name from task data (same split as gender)
        row["meta"]["camera"] = "<script>alert(1)</script>" if i % 2 else "phone"
    resp = owner.post(f"/api/projects/{pid}/import", json=rows)
    assert resp.status_code == 201, resp.get_json()
    return owner, pid, people


def test_dashboard_page_charts_and_access(app, client):
    owner, pid, people = _project_with_data(app, client)
    assert people[0].get(f"/projects/{pid}/dashboard").status_code == 403
    assert make_user(app, client, "stranger").get(f"/projects/{pid}/dashboard").status_code == 404
    resp = owner.get(f"/projects/{pid}/dashboard")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    charts = re.findall(r'data-chart="(\w+)"', page)
    assert charts == ["progress", "throughput", "agreement", "confusion", "balance", "disaggregated"]
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'data-nav="dashboard"' in page
    for name in charts:
        svg = owner.get(f"/projects/{pid}/dashboard/{name}.svg")
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml", name
        assert svg.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in svg.headers["Content-Security-Policy"]
        body = svg.get_data(as_text=True)
        assert body.lstrip().startswith("<?xml") and "<script>" not in body
    assert owner.get(f"/projects/{pid}/dashboard/nope.svg").status_code == 404
    assert people[0].get(f"/projects/{pid}/dashboard/balance.svg").status_code == 403
    report = owner.get(f"/projects/{pid}/dashboard/report.html")
    assert report.status_code == 200 and "attachment" in report.headers["Content-Disposition"]
    assert report.get_data(as_text=True).count("data:image/svg+xml;base64,") == 6


def test_labelart_report_markdown_and_html(app, client, tmp_path, monkeypatch):
    _, pid, _ = _project_with_data(app, client)
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("LABELART_DATA_DIR", app.config["DATA_DIR"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    runner = CliRunner()
    out = tmp_path / "q" / "report.md"
    result = runner.invoke(cli, ["report", str(pid), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "skin = dark: under-represented" in result.output
    text = out.read_text()
    assert text.startswith("# Quality report: Faces &lt;b&gt;v2&lt;/b&gt;") and "<script>" not in text
    assert "## Balance: skin" in text and "| dark | 8 |" in text and "yes: 4 more" in text
    assert "![Confusion between annotators](report-confusion.svg)" in text
    assert (tmp_path / "q" / "report-confusion.svg").read_bytes().startswith(b"<?xml")
    html_out = tmp_path / "report.html"
    result = runner.invoke(cli, ["report", "Faces <b>v2</b>", "-o", str(html_out), "--refresh"])
    assert result.exit_code == 0, result.output
    assert "stored agreement of 68 tasks" in result.output
    page = html_out.read_text()
    assert "Faces &lt;b&gt;v2&lt;/b&gt;" in page and "<b>v2</b>" not in page
    assert "<h3>skin</h3>" in page and page.count("<img src=\"data:image/svg+xml;base64,") == 6
    result = runner.invoke(cli, ["report", "no such project", "-o", str(html_out)])
    assert result.exit_code == 2 and "0 projects are titled" in result.output
