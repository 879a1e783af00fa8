"""The quality dashboard in Chromium: the nav link, the six charts drawn, the flagged group."""
from worker.api.users import create_local_user
from worker.extensions import db
from worker.labeling.templates import TEMPLATES

from tests.service.test_quality_api import _synthetic_rows

from .helpers import make_project

CHARTS = ["progress", "throughput", "agreement", "confusion", "balance", "disaggregated"]


def _team(live):
    """Three annotators of our own (the session's users are shared with other tests)."""
    ids = []
    with live.db():
        for name in ("dash_a", "dash_b", "dash_c"):
            ids.append(create_local_user(db.session, name, "password-123", email=f"{name}@example.org").id)
        db.session.commit()
    return ids


def test_dashboard_charts_and_flags(session_factory, live):
    mgr = session_factory("manager")
    pid = make_project(mgr, TEMPLATES["text-classification"], title="Fairness check")
    team = _team(live)
    for name in ("dash_a", "dash_b", "dash_c"):
        assert mgr.api("POST", f"/api/projects/{pid}/members", json={"user": name}).status_code == 201
    r = mgr.api("POST", f"/api/projects/{pid}/import", json=_synthetic_rows(*team, live.users["manager"]["id"]))
    assert r.status_code == 201, r.text
    # Annotators do not see the dashboard: no tab, and the page says why.
    ann = session_factory("annotator")
    page = ann.go(f"/projects/{pid}/label")
    assert page.locator('[data-nav="dashboard"]').count() == 0
    s = session_factory("reviewer")
    page = s.go(f"/projects/{pid}/data")
    page.locator('[data-nav="dashboard"]').click()
    page.wait_for_url(f"{live.url}/projects/{pid}/dashboard")
    assert page.locator('[data-nav="dashboard"]').get_attribute("aria-current") == "page"
    figures = page.locator("figure[data-chart]")
    assert [figures.nth(i).get_attribute("data-chart") for i in range(figures.count())] == CHARTS
    # Every chart image really loaded (an SVG that failed would have naturalWidth 0).
    page.wait_for_function("() => [...document.querySelectorAll('figure[data-chart] img')]"
                           ".every(img => img.complete && img.naturalWidth > 0)")
    attention = page.locator("#flags").inner_text()
    assert "skin = dark" in attention and "under-represented" in attention
    assert "gender" not in attention
    flagged = page.locator("#balance tr.flagged").all_inner_texts()
    assert len(flagged) == 1 and flagged[0].startswith("dark")
    assert page.locator("#disaggregated td.flagged").count() >= 1
    assert not s.errors, s.errors
    s.shot("dashboard")
