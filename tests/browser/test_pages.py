"""Pages around the editor: sign in/out, projects with progress, inline config errors,
import errors and drag-and-drop, members, settings, and keeping script out (XSS)."""
from worker.labeling.templates import TEMPLATES

from .conftest import wait_until
from .helpers import annotations, editor_ready, is_member, make_project, task_ids

XSS = '<img src=x onerror="window.__xss=1;alert(1)">'


def test_sign_in_out_and_project_progress(session_factory, live):
    s = session_factory()
    page = s.go("/")
    page.wait_for_url("**/user/login**")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    assert "Wrong username or password" in page.inner_text("[role=alert]")
    s.login("manager")
    pid = make_project(s, TEMPLATES["text-classification"], title="Progress",
                       tasks=[{"text": f"t{i}"} for i in range(4)])
    ids = task_ids(live, pid)
    s.api("POST", f"/api/tasks/{ids[0]}/annotations", token_user="annotator", json={"result": [
        {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["neutral"]}}]})
    s.api("POST", f"/api/tasks/{ids[1]}/annotations", token_user="annotator", json={"result": [], "was_cancelled": True})
    page = s.go("/")
    card = page.locator(f"[data-project-id='{pid}']")
    assert card.locator(".stat-done").inner_text() == "1 / 4"
    assert card.locator(".stat-annotations").inner_text() == "1"
    assert card.locator(".stat-skipped").inner_text() == "1"
    s.shot("projects-list")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/user/login**")
    assert "signed out" in page.inner_text("main")
    s.go(f"/projects/{pid}/data")
    s.page.wait_for_url("**/user/login?next=**")


def test_create_shows_server_validation_inline(session_factory, live):
    s = session_factory("manager")
    page = s.go("/projects/new")
    page.get_by_label("Named entities with relations").check()
    page.wait_for_selector("#preview .htx-text, #preview [class*=text]")
    s.shot("create-ner-preview")
    editor = page.get_by_label("Labeling config (Label Studio XML)")
    editor.fill('<View><Text name="text" value="$text"/><Choices name="c" toName="nope"><Choice value="a"/></Choices></View>')
    page.wait_for_selector("#config-error:not([hidden])")
    assert "names no object" in page.inner_text("#config-error")
    assert editor.get_attribute("aria-invalid") == "true"
    s.shot("create-invalid-config")
    editor.fill('<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>')
    page.wait_for_selector("#config-error", state="hidden")
    page.get_by_label("Title").fill("From a custom config")
    page.get_by_label("Add the sample task").check()
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url("**/import")
    pid = int(page.url.rstrip("/").split("/")[-2])
    assert len(task_ids(live, pid)) == 1


def test_timeseries_and_video_templates_preview(session_factory, live):
    s = session_factory("manager")
    page = s.go("/projects/new")
    # The 1.8 editor draws video frames on a canvas; its <video> is off the page.
    video_ready = "() => { const v = document.querySelector('video'); return v && v.readyState >= 2 && isFinite(v.duration); }"
    for label, selector, name in [("Time series segmentation", "#preview svg", "create-timeseries-preview"),
                                  ("Video timeline segmentation", "#preview canvas", "create-video-timeline-preview"),
                                  ("Video object tracking", "#preview .konvajs-content", "create-video-tracking-preview"),
                                  ("Speaker segmentation", "#preview wave", "create-speaker-preview")]:
        page.get_by_label(label).check()
        page.wait_for_selector(selector)
        if "video" in name:
            page.wait_for_function(video_ready)
        page.wait_for_timeout(500)
        s.shot(name)
    assert not s.errors


def test_import_errors_and_drop(session_factory, live, tmp_path):
    s = session_factory("manager")
    pid = make_project(s, TEMPLATES["text-classification"], title="Imports")
    page = s.go(f"/projects/{pid}/import")
    bad = tmp_path / "bad.json"
    bad.write_text('[{"text": "fine"}, {"text": "also fine"}, 42]')
    page.set_input_files("#import-files", str(bad))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_selector("#import-status.error")
    message = page.inner_text("#import-status")
    assert "Import failed" in message and "task 2" in message, message
    s.shot("import-error")
    assert task_ids(live, pid) == []
    # Drop a CSV onto the zone: it runs as a background job with a progress bar.
    page.evaluate("""() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['text\\nfirst row\\nsecond row\\n'], 'rows.csv', {type: 'text/csv'}));
      const zone = document.getElementById('drop-zone');
      zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
      zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""")
    assert "rows.csv" in page.inner_text("#file-list")
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_selector("#import-status.ok", timeout=30000)
    assert "Imported 2 tasks" in page.inner_text("#import-status")
    assert len(task_ids(live, pid)) == 2


def test_members_and_settings(session_factory, live):
    s = session_factory("manager")
    pid = make_project(s, TEMPLATES["text-classification"], title="Team", members=(), tasks=[{"text": "hello"}])
    page = s.go(f"/projects/{pid}/members")
    page.get_by_label("Username or email").fill("annotator@example.org")
    page.get_by_label("Role", exact=True).select_option("reviewer")
    page.get_by_role("button", name="Add").click()
    wait_until(lambda: is_member(live, pid, live.users["annotator"]["id"]) == "reviewer")
    page.wait_for_selector(f"tr[data-user-id='{live.users['annotator']['id']}']")
    page.get_by_label("Role of annotator").select_option("annotator")
    wait_until(lambda: is_member(live, pid, live.users["annotator"]["id"]) == "annotator")
    page.get_by_label("Username or email").fill("nobody-here")
    page.get_by_role("button", name="Add").click()
    page.wait_for_selector("#members-status.error")
    assert "nobody-here" in page.inner_text("#members-status")
    s.shot("members")

    page = s.go(f"/projects/{pid}/settings")
    page.get_by_label("Annotations per task (overlap)").fill("2")
    page.get_by_label("Order in which tasks are handed out").select_option("Uniform sampling")
    page.get_by_label("Instructions shown to labelers").fill("Pick the mood.\n" + XSS)
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#settings-status.ok")
    s.shot("settings")
    project = s.api("GET", f"/api/projects/{pid}").json()
    assert project["overlap"] == 2 and project["sampling"] == "Uniform sampling"
    # A bad config is refused and the reason shown next to it.
    page.locator("details summary", has_text="Labeling config").click()
    page.get_by_label("Label Studio XML").fill("<View><Nope/></View>")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#s-config-error:not([hidden])")
    assert "unknown tag <Nope>" in page.inner_text("#s-config-error")

    a = session_factory("annotator")
    page = a.go(f"/projects/{pid}/label")
    editor_ready(page)
    assert XSS in page.inner_text(".instructions-text")
    assert page.evaluate("window.__xss") is None and not a.dialogs
    assert a.go(f"/projects/{pid}/settings").locator("main").inner_text().startswith("Not allowed")


def test_task_data_and_choices_cannot_run_script(session_factory, live):
    s = session_factory("manager")
    config = ('<View><Text name="text" value="$text"/><Choices name="c" toName="text">'
              '<Choice value="&lt;img src=x onerror=&quot;window.__xss=1;alert(1)&quot;&gt;"/>'
              '<Choice value="plain"/></Choices></View>')
    pid = make_project(s, config, title=XSS, tasks=[{"text": "before " + XSS + " after", "note": XSS}])
    s.api("PATCH", f"/api/projects/{pid}", json={"description": XSS})
    for path in ("/", f"/projects/{pid}/data", f"/projects/{pid}/settings", f"/projects/{pid}/members"):
        page = s.go(path)
        page.wait_for_load_state("networkidle")
    assert XSS in s.go("/").locator(f"[data-project-id='{pid}']").inner_text()
    page = s.go(f"/projects/{pid}/data")
    page.wait_for_selector("#dm-body tr")
    assert XSS in page.locator("#dm-body").inner_text()
    page = s.go(f"/projects/{pid}/label")
    editor_ready(page)
    page.wait_for_timeout(500)
    assert XSS in page.locator("#editor").inner_text()
    s.shot("xss-workspace")
    page.locator("#editor input[type=checkbox]").first.check()
    s.shot("xss-choice-picked")
    page.get_by_role("button", name="Submit").click()
    ann = wait_until(lambda: annotations(live, pid))[0]
    assert ann["result"][0]["value"]["choices"] == [XSS]
    # The reviewer sees it too, still as text.
    r = session_factory("reviewer")
    page = r.go(f"/projects/{pid}/review")
    page.wait_for_function("() => document.getElementById('editor').dataset.ready")
    page.wait_for_timeout(500)
    for who in (s, r):
        assert who.page.evaluate("window.__xss") is None
        assert not who.dialogs, who.dialogs
    assert s.page.locator("#editor img[src=x]").count() == 0
