"""Labeling in the browser: a box on an image, an audio region, a text span, skip, pre-labels."""
import pytest

from worker.labeling.templates import TEMPLATES

from .conftest import wait_until
from .helpers import annotations, drag, editor_ready, make_project, task_ids, wait_annotations


def _images(tmp_path, n):
    from worker.synth import images

    (tmp_path / "images").mkdir()
    for i in range(n):
        images.make_task(3, i, tmp_path, size=200)
    return sorted((tmp_path / "images").glob("*.png"))


def test_bbox_project_from_template_import_draw_submit(session_factory, live, tmp_path):
    s = session_factory("manager")
    page = s.go("/projects/new")
    page.get_by_label("Title").fill("Shapes in the browser")
    page.get_by_label("Object detection (bounding boxes)").check()
    page.wait_for_function("() => document.getElementById('label-config').value.includes('RectangleLabels')")
    page.wait_for_selector("#preview canvas")
    s.shot("create-bbox-preview")
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url("**/import")
    pid = int(page.url.rstrip("/").split("/")[-2])

    page.set_input_files("#import-files", [str(p) for p in _images(tmp_path, 2)])
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_selector("#import-status.ok")
    assert "Imported 2 tasks" in page.inner_text("#import-status")
    page.wait_for_timeout(400)  # let the progress bar finish its transition for the screenshot
    s.shot("import-done")
    assert len(task_ids(live, pid)) == 2

    page.get_by_role("link", name="Start labeling").click()
    task_id = editor_ready(page)
    canvas = page.locator("#editor canvas").first
    canvas.wait_for()
    page.get_by_text("circle", exact=True).first.click()
    box = canvas.bounding_box()
    drag(page, box, [(0.3, 0.3), (0.5, 0.5), (0.6, 0.7)])
    s.shot("label-bbox-drawn")
    page.get_by_role("button", name="Submit").click()
    rows = wait_annotations(live, pid, 1)
    ann = rows[0]
    assert ann["task"] == task_id and ann["user"] == live.users["manager"]["id"]
    region = ann["result"][0]
    assert region["type"] == "rectanglelabels" and region["value"]["rectanglelabels"] == ["circle"]
    value = region["value"]
    assert value["x"] == pytest.approx(30, abs=3) and value["y"] == pytest.approx(30, abs=3)
    assert value["width"] == pytest.approx(30, abs=3) and value["height"] == pytest.approx(40, abs=3)
    assert region["original_width"] == 200 and region["original_height"] == 200
    assert ann["lead_time"] and 0 < ann["lead_time"] < 120
    assert ann["key"] and len(ann["key"]) == 32
    # The workspace moves on to the other task.
    editor_ready(page, task_ids(live, pid)[1])
    assert not s.errors and not s.dialogs


AUDIO_TASKS = [{"audio": "/static/samples/tones.wav"}]


def test_audio_region(session_factory, live):
    s = session_factory("manager")
    pid = make_project(s, TEMPLATES["audio-segmentation"], title="Tones", tasks=AUDIO_TASKS)
    page = s.go(f"/projects/{pid}/label")
    editor_ready(page)
    wave = page.locator("#editor wave").first
    wave.wait_for()
    page.wait_for_function("() => document.querySelectorAll('#editor wave canvas').length > 0")
    page.wait_for_timeout(500)  # the waveform is drawn after decoding
    page.get_by_text("major", exact=True).first.click()
    drag(page, wave.bounding_box(), [(0.2, 0.5), (0.3, 0.5), (0.45, 0.5)])
    s.shot("label-audio-region")
    page.get_by_role("button", name="Submit").click()
    region = wait_annotations(live, pid, 1)[0]["result"][0]
    assert region["type"] == "labels" and region["value"]["labels"] == ["major"]
    start, end = region["value"]["start"], region["value"]["end"]
    assert 0 <= start < end and end - start > 0.2, region
    assert not s.errors


def test_text_span_with_shortcut_submit(session_factory, live):
    s = session_factory("annotator")
    mgr = session_factory("manager")
    text = "Ada Lovelace worked with Charles Babbage in London."
    pid = make_project(mgr, TEMPLATES["ner"], title="Entities", tasks=[{"text": text}])
    page = s.go(f"/projects/{pid}/label")
    editor_ready(page)
    page.get_by_text("LOC", exact=True).first.click()
    # Select "London" with the mouse, as a person would.
    rect = page.evaluate("""() => {
      const root = document.querySelector('#editor .htx-text') || document.querySelector('#editor');
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      let node;
      while ((node = walker.nextNode())) {
        const i = node.textContent.indexOf('London');
        if (i >= 0) { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 6);
          const b = r.getBoundingClientRect(); return {x: b.x, y: b.y, w: b.width, h: b.height}; }
      }
      return null; }""")
    assert rect, "the task text is not on the page"
    page.mouse.move(rect["x"] + 1, rect["y"] + rect["h"] / 2)
    page.mouse.down()
    page.mouse.move(rect["x"] + rect["w"] - 1, rect["y"] + rect["h"] / 2, steps=5)
    page.mouse.up()
    page.wait_for_timeout(300)
    s.shot("label-text-span")
    page.keyboard.press("Control+Enter")
    region = wait_annotations(live, pid, 1)[0]["result"][0]
    assert region["type"] == "labels" and region["value"]["labels"] == ["LOC"]
    assert region["value"]["text"] == "London"
    assert text[region["value"]["start"]:region["value"]["end"]] == "London"
    page.wait_for_selector("#done:not([hidden])")
    s.shot("label-all-done")
    assert not s.errors


def test_skip_button_and_shortcut(session_factory, live):
    mgr = session_factory("manager")
    pid = make_project(mgr, TEMPLATES["text-classification"], title="Skips",
                       tasks=[{"text": f"sentence {i}"} for i in range(3)])
    ids = task_ids(live, pid)
    s = session_factory("annotator")
    page = s.go(f"/projects/{pid}/label")
    assert editor_ready(page) == ids[0]
    page.get_by_role("button", name="Skip").click()
    assert editor_ready(page, ids[1]) == ids[1]
    page.keyboard.press("Control+Space")
    editor_ready(page, ids[2])
    rows = annotations(live, pid)
    assert [(r["task"], r["was_cancelled"], r["result"]) for r in rows] == [(ids[0], True, []), (ids[1], True, [])]
    # Choose with the editor's own hotkey ("1" = first choice) and submit with Ctrl+Enter.
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    rows = wait_annotations(live, pid, 3)
    assert rows[2]["task"] == ids[2] and rows[2]["result"][0]["value"]["choices"] == ["positive"]
    page.wait_for_selector("#done:not([hidden])")
    # Alt+P opens the last task again; changing it sends an update, not a new annotation.
    page.keyboard.press("Alt+p")
    editor_ready(page, ids[2])
    page.get_by_text("negative").first.click()
    s.shot("label-update-previous")
    page.locator("#editor button", has_text="Update").click()
    wait_until(lambda: annotations(live, pid)[2]["result"][0]["value"]["choices"] == ["negative"])
    assert len(annotations(live, pid)) == 3
    assert not s.errors


def test_predictions_are_prelabels(session_factory, live):
    mgr = session_factory("manager")
    region = {"from_name": "label", "to_name": "image", "type": "rectanglelabels", "original_width": 320,
              "original_height": 320, "value": {"x": 10, "y": 20, "width": 30, "height": 25, "rotation": 0,
                                               "rectanglelabels": ["square"]}}
    pid = make_project(mgr, TEMPLATES["image-bbox"], title="Pre-labels", tasks=[
        {"data": {"image": "/static/samples/shapes.png"},
         "predictions": [{"model_version": "m1", "score": 0.42, "result": [region]}]}])
    s = session_factory("annotator")
    page = s.go(f"/projects/{pid}/label")
    editor_ready(page)
    page.wait_for_selector("#editor canvas")
    assert "1 prediction" in page.inner_text("#task-info")
    s.shot("label-prelabels")
    page.get_by_role("button", name="Submit").click()
    ann = wait_annotations(live, pid, 1)[0]
    value = ann["result"][0]["value"]
    assert value["rectanglelabels"] == ["square"]
    assert (value["x"], value["y"], value["width"], value["height"]) == pytest.approx((10, 20, 30, 25), abs=0.01)
    assert ann["parent_prediction"] is not None


VIDEO_TASKS = [{"video": "/static/samples/ball.webm"}]


def test_video_object_tracking_keyframes(session_factory, live):
    """A box on frame 1, moved on a later frame: two keyframes of one tracked region."""
    s = session_factory("manager")
    pid = make_project(s, TEMPLATES["video-tracking"], title="Ball tracking", tasks=VIDEO_TASKS)
    page = s.go(f"/projects/{pid}/label")
    editor_ready(page)
    page.wait_for_function("() => { const v = document.querySelector('video');"
                           " return v && v.readyState >= 2 && isFinite(v.duration); }")
    stage = page.locator("#editor .konvajs-content").first
    stage.wait_for()
    page.wait_for_timeout(500)
    # The editor draws the video at its natural size (320 x 240), centred on its stage.
    natural = page.evaluate("() => { const v = document.querySelector('video'); return [v.videoWidth, v.videoHeight]; }")
    st = stage.bounding_box()
    video = {"x": st["x"] + (st["width"] - natural[0]) / 2, "y": st["y"] + (st["height"] - natural[1]) / 2,
             "width": natural[0], "height": natural[1]}
    page.get_by_text("ball", exact=True).first.click()
    drag(page, video, [(0.05, 0.40), (0.12, 0.50), (0.20, 0.60)])  # around the ball at t = 0
    s.shot("label-video-box-frame1")
    for _ in range(10):  # ten frames on (Alt+Right steps one frame)
        page.keyboard.press("Alt+ArrowRight")
    page.wait_for_timeout(300)
    drag(page, video, [(0.125, 0.50), (0.16, 0.62), (0.20, 0.733)])  # follow the ball: a second keyframe
    s.shot("label-video-box-keyframe2")
    page.get_by_role("button", name="Submit").click()
    region = wait_annotations(live, pid, 1)[0]["result"][0]
    assert region["type"] == "videorectangle" and region["value"]["labels"] == ["ball"], region
    frames = region["value"]["sequence"]
    first, last = frames[0], frames[-1]
    assert first["frame"] == 1 and first["x"] == pytest.approx(5, abs=2) and first["y"] == pytest.approx(40, abs=2), frames
    assert first["width"] == pytest.approx(15, abs=2) and first["height"] == pytest.approx(20, abs=2), frames
    assert len(frames) >= 2 and last["frame"] > 1 and last["x"] == pytest.approx(12.5, abs=3), frames
    assert last["y"] == pytest.approx(63.3, abs=3), frames
    assert not s.errors
