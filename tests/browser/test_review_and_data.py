"""Review in the browser, the data manager's filters and bulk actions, export and download."""
import json

from worker.labeling.templates import TEMPLATES

from .conftest import wait_until
from .helpers import annotations, make_project, task_ids

POS = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}]
NEG = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["negative"]}}]


def _annotated_project(s, n=3, title="Reviews"):
    pid = make_project(s, TEMPLATES["text-classification"], title=title,
                       tasks=[{"text": f"review me {i}"} for i in range(n)])
    ids = task_ids(s.live, pid)
    for tid, result in zip(ids, [POS, NEG, POS][:n]):
        r = s.api("POST", f"/api/tasks/{tid}/annotations", token_user="annotator", json={"result": result})
        assert r.status_code == 201, r.text
    return pid, ids


def test_review_reject_accept_fix(session_factory, live):
    mgr = session_factory("manager")
    pid, ids = _annotated_project(mgr)
    s = session_factory("reviewer")
    page = s.go(f"/projects/{pid}/review")
    page.wait_for_function("() => document.getElementById('editor').dataset.ready")
    assert "by annotator" in page.inner_text("#review-info") and "3 waiting" in page.inner_text("#review-info")
    s.shot("review-queue")
    first = annotations(live, pid)[0]["id"]
    # Rejecting without a comment is refused in the page; with one it is recorded.
    page.get_by_role("button", name="Reject").click()
    assert "comment" in page.inner_text("#review-status")
    page.get_by_label("Comment for the annotator").fill("This one reads negative to me.")
    page.get_by_role("button", name="Reject").click()
    wait_until(lambda: annotations(live, pid)[0]["review_status"] == "rejected")
    row = annotations(live, pid)[0]
    assert row["id"] == first and row["review_comment"] == "This one reads negative to me."
    assert row["reviewed_by"] == live.users["reviewer"]["id"]
    page.wait_for_function(f"() => document.getElementById('editor').dataset.ready !== '{first}'")
    page.get_by_role("button", name="Accept").click()
    wait_until(lambda: annotations(live, pid)[1]["review_status"] == "accepted")
    # Fix: change the choice in the editor, then save.
    page.wait_for_function("() => document.getElementById('editor').dataset.ready === String(%d)"
                           % annotations(live, pid)[2]["id"])
    page.get_by_text("neutral").first.click()
    page.get_by_role("button", name="Save fix").click()
    wait_until(lambda: annotations(live, pid)[2]["review_status"] == "fixed")
    assert annotations(live, pid)[2]["result"][0]["value"]["choices"] == ["neutral"]
    page.wait_for_selector("#done:not([hidden])")
    s.shot("review-done")
    # Annotators are not let in.
    a = session_factory("annotator")
    a.go(f"/projects/{pid}/review")
    assert "needs the reviewer role" in a.page.inner_text("main")
    assert not s.errors


def test_data_manager_filters_and_bulk_actions(session_factory, live, tmp_path):
    s = session_factory("manager")
    pid, ids = _annotated_project(s, title="Data")
    s.api("POST", f"/api/projects/{pid}/import", json=[{"text": "a cat on a mat"}, {"text": "100% _literal_"}])
    ids = task_ids(live, pid)
    page = s.go(f"/projects/{pid}/data")
    page.wait_for_selector("#dm-body tr")
    assert page.locator("#dm-body tr").count() == 5
    assert "5 tasks" in page.inner_text("#dm-count")
    s.shot("data-manager")

    def rows():
        return [int(x) for x in page.locator("#dm-body tr").evaluate_all("rs => rs.map(r => r.dataset.taskId)")]

    def apply():
        before = page.evaluate("document.body.dataset.dmLoaded")
        page.get_by_role("button", name="Apply").click()
        page.wait_for_function(f"() => document.body.dataset.dmLoaded !== '{before}'")

    page.get_by_label("Search in data").fill("100%")
    apply()
    assert rows() == [ids[4]]
    assert "q=100%25" in page.url
    page.get_by_label("Search in data").fill("")
    page.get_by_label("Label", exact=True).select_option("negative")
    apply()
    assert rows() == [ids[1]]
    page.get_by_label("Label", exact=True).select_option("")
    page.get_by_label("Status").select_option("unlabeled")
    page.get_by_label("Order").select_option("-id")
    apply()
    assert rows() == [ids[4], ids[3]]
    s.shot("data-manager-filtered")
    page.get_by_label("Annotator").select_option("annotator")
    page.get_by_label("Status").select_option("")
    apply()
    assert rows() == ids[:3][::-1]

    # Export the selection and download it.
    page.get_by_label(f"Select task {ids[0]}").check()
    page.get_by_label(f"Select task {ids[2]}").check()
    assert page.inner_text("#dm-selected") == "2 selected"
    with page.expect_download() as dl:
        page.get_by_role("button", name="Export selection").click()
    path = tmp_path / "sel.json"
    dl.value.save_as(path)
    exported = json.loads(path.read_text())
    assert sorted(t["id"] for t in exported) == [ids[0], ids[2]]
    assert exported[0]["annotations"][0]["result"][0]["value"]["choices"] == ["positive"]

    # Assign, then delete (two clicks, no modal dialog).
    page.get_by_label("Assign to").select_option(str(live.users["annotator"]["id"]))
    page.get_by_role("button", name="Assign", exact=True).click()
    page.wait_for_selector("#dm-status.ok:has-text('Assigned')")
    assert "annotator" in page.locator(f"tr[data-task-id='{ids[0]}']").inner_text()
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("button", name="Confirm delete of 2").click()
    page.wait_for_selector("#dm-status.ok:has-text('Deleted')")
    assert task_ids(live, pid) == [ids[1], ids[3], ids[4]]
    # "Run predictions" stays hidden: the project has no model.
    assert page.locator("#act-predict").is_hidden()
    assert not s.errors and not s.dialogs


def test_export_page_progress_and_download(session_factory, live, tmp_path):
    s = session_factory("manager")
    pid, ids = _annotated_project(s, title="Export me")
    page = s.go(f"/projects/{pid}/export")
    page.wait_for_selector("input[name=format]")
    assert page.locator("#fmt-CONLL2003").is_disabled()
    page.get_by_label("CSV").check()
    page.get_by_role("button", name="Create export").click()
    link = page.locator("#export-download")
    link.wait_for(state="visible", timeout=30000)
    s.shot("export-ready")
    with page.expect_download() as dl:
        link.click()
    path = tmp_path / "export.csv"
    dl.value.save_as(path)
    text = path.read_text()
    assert "review me 0" in text and "review me 2" in text and "positive" in text
    assert not s.errors
