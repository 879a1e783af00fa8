"""Click-to-segment in the workspace: with an interactive backend attached, a click with the smart
key point tool inside a shape comes back from the click segmenter as a polygon around it."""
import io

import pytest

from .helpers import annotations, editor_ready, make_project, wait_annotations

#: Side of the synthetic image (shown at its natural size in the editor).
SIZE = 360
#: A smart-only key point tool (every click is a prompt) and polygons as the answer.
CONFIG = """<View>
  <Image name="image" value="$image"/>
  <KeyPointLabels name="click" toName="image" smart="true" smartOnly="true">
    <Label value="circle" background="#e6194b"/><Label value="square" background="#3cb44b"/>
    <Label value="triangle" background="#4363d8"/>
  </KeyPointLabels>
  <PolygonLabels name="outline" toName="image">
    <Label value="circle" background="#e6194b"/><Label value="square" background="#3cb44b"/>
    <Label value="triangle" background="#4363d8"/>
  </PolygonLabels>
</View>
"""


def _image(tmp_path):
    """A synth image whose first shape is fully visible, and that shape."""
    from worker.synth import images

    (tmp_path / "images").mkdir()
    for i in range(50):
        task = images.make_task(11, i, tmp_path, size=SIZE, max_shapes=2)
        shape = task["meta"]["shapes"][0]
        x0, y0, x1, y1 = shape["bbox"]
        if shape["visible"] == 1.0 and min(x1 - x0, y1 - y0) > SIZE / 4:
            return tmp_path / task["data"]["image"], shape
    raise AssertionError("no synth image with a big, fully visible shape")


def test_click_inside_a_shape_gives_a_polygon(session_factory, live, tmp_path):
    path, shape = _image(tmp_path)
    mgr = session_factory("manager")
    pid = make_project(mgr, CONFIG, title="Click to segment")
    resp = mgr.api("POST", f"/api/projects/{pid}/import",
                   files={"file": (path.name, io.BytesIO(path.read_bytes()), "image/png")})
    assert resp.status_code == 201, resp.text
    resp = mgr.api("POST", "/api/ml", json={"project": pid, "model_name": "click_segmenter", "is_interactive": True})
    assert resp.status_code == 201, resp.text

    s = session_factory("annotator")
    page = s.go(f"/projects/{pid}/label")
    task_id = editor_ready(page)
    canvas = page.locator("#editor canvas").first
    canvas.wait_for()
    page.get_by_text("Auto-Annotation").click()
    page.get_by_text(shape["label"], exact=True).first.click()
    page.locator("#editor .lsf-tool_smart").click()  # the smart key point tool: clicks are prompts
    box = canvas.bounding_box()
    x0, y0, x1, y1 = shape["bbox"]
    cx, cy = (x0 + x1) / 2 / SIZE, (y0 + y1) / 2 / SIZE
    if shape["label"] == "triangle":  # its box centre may lie outside it: use its centroid
        cy = y0 / SIZE + 0.6 * (y1 - y0) / SIZE
    page.mouse.click(box["x"] + cx * box["width"], box["y"] + cy * box["height"])
    page.wait_for_function("() => document.getElementById('editor').dataset.suggesting === 'done'")
    page.wait_for_timeout(500)
    s.shot("click-segment-suggestion")
    # Accept the suggestion (the editor's check mark), then submit.
    page.locator(".lsf-dynamic-preannotations__action_type_accept").click()
    page.wait_for_timeout(300)
    s.shot("click-segment-accepted")
    page.get_by_role("button", name="Submit").click()
    [ann] = wait_annotations(live, pid, 1)
    assert ann["task"] == task_id
    [polygon] = [r for r in ann["result"] if r["type"] == "polygonlabels"]
    assert polygon["value"]["polygonlabels"] == [shape["label"]]
    xs = [p[0] for p in polygon["value"]["points"]]
    ys = [p[1] for p in polygon["value"]["points"]]
    assert min(xs) == pytest.approx(x0 / SIZE * 100, abs=3) and max(xs) == pytest.approx(x1 / SIZE * 100, abs=3)
    assert min(ys) == pytest.approx(y0 / SIZE * 100, abs=3) and max(ys) == pytest.approx(y1 / SIZE * 100, abs=3)
    assert annotations(live, pid)[0]["user"] == live.users["annotator"]["id"]
    assert not s.errors
