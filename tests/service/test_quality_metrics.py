"""Agreement measures on constructed answers whose values are known by hand or from the textbooks."""
import pytest

from worker.quality import metrics as M
from worker.quality import pairs as P
from worker.quality.agreement import ann_score
from worker.quality.consensus import consensus_result, consensus_units, vote
from worker.quality.extract import extract


def _box(x, y, w, h, label="a", rotation=0, name="box"):
    return {"from_name": name, "to_name": "image", "type": "rectanglelabels",
            "value": {"x": x, "y": y, "width": w, "height": h, "rotation": rotation, "rectanglelabels": [label]}}


def _choice(*labels, name="c"):
    return {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": list(labels)}}


def test_cohen_kappa_textbook_example():
    # Wikipedia's worked example: 50 proposals, yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> 0.4.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert M.cohen_kappa(a, b) == pytest.approx(0.4)
    assert M.cohen_kappa(["x", "x"], ["x", "x"]) is None  # one category: undefined, not 1


def test_fleiss_kappa_fleiss_1971_example():
    # 10 subjects, 14 raters, 5 categories (Fleiss 1971, as worked on Wikipedia): 0.210.
    counts = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
              [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    assert M.fleiss_kappa(counts) == pytest.approx(0.20993, abs=1e-5)
    assert M.fleiss_kappa([[2, 0], [1, 1]]) is not None
    assert M.fleiss_kappa([[2, 0], [1, 2]]) is None  # unequal rater counts: not Fleiss' definition


def test_krippendorff_alpha_krippendorff_2011_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers, 12 units,
    # missing values; nominal alpha = 0.743 (unit 12 has one value and is left out).
    n = None
    rows = [[1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n], [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
            [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n], [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]]
    items = [[r[u] for r in rows if r[u] is not None] for u in range(12)]
    matrix, cats = M.count_matrix(items)
    assert cats == [1, 2, 3, 4, 5]
    assert M.krippendorff_alpha(matrix) == pytest.approx(0.743, abs=5e-4)


def test_wilson_interval_known_values():
    assert M.wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    low, high = M.wilson(0, 20)
    assert low == 0 and high == pytest.approx(0.1611, abs=1e-4)
    assert M.wilson(0, 0) == (None, None)
    assert M.rate(1, 4)["rate"] == 0.25


def test_box_iou_matching_by_hand():
    a = extract([_box(0, 0, 10, 10)])["box"].items
    b = extract([_box(5, 0, 10, 10)])["box"].items
    assert P.region_iou(a[0], b[0]) == pytest.approx(1 / 3)   # 50 / 150
    # Rotated squares go through shapely: the same square rotated about its corner by 90° and
    # shifted back overlaps fully.
    r = extract([_box(10, 0, 10, 10, rotation=90)])["box"].items
    assert P.region_iou(a[0], r[0]) == pytest.approx(1.0, abs=1e-9)
    # Two boxes vs. one: one match of 3 regions -> F1 = 2·1 / 3; a different label never matches.
    two = extract([_box(0, 0, 10, 10), _box(50, 50, 10, 10)])["box"].items
    one = extract([_box(1, 0, 10, 10)])["box"].items
    assert P.score("region", two, one) == pytest.approx(2 / 3)
    assert P.score("region", one, extract([_box(1, 0, 10, 10, label="b")])["box"].items) == 0.0
    assert P.score("region", [], []) == 1.0


def test_polygons_ellipses_and_spans():
    square = {"from_name": "p", "to_name": "image", "type": "polygonlabels",
              "value": {"points": [[0, 0], [10, 0], [10, 10], [0, 10]], "polygonlabels": ["a"]}}
    half = {"from_name": "p", "to_name": "image", "type": "polygonlabels",
            "value": {"points": [[0, 0], [10, 0], [10, 5], [0, 5]], "polygonlabels": ["a"]}}
    assert P.region_iou(extract([square])["p"].items[0], extract([half])["p"].items[0]) == pytest.approx(0.5)
    ell = {"from_name": "e", "to_name": "image", "type": "ellipselabels",
           "value": {"x": 50, "y": 50, "radiusX": 10, "radiusY": 5, "ellipselabels": ["a"]}}
    e = extract([ell])["e"].items[0]
    assert P.region_iou(e, e) == pytest.approx(1.0)
    span = lambda s, e, lab="PER": {"from_name": "ner", "to_name": "text", "type": "labels",  # noqa: E731
                                    "value": {"start": s, "end": e, "labels": [lab]}}
    x, y = extract([span(0, 10)])["ner"].items[0], extract([span(5, 15)])["ner"].items[0]
    assert P.span_iou(x, y) == pytest.approx(5 / 15)
    audio = lambda s, e: {"from_name": "seg", "to_name": "audio", "type": "labels",  # noqa: E731
                          "value": {"start": s, "end": e, "labels": ["speech"]}}
    assert P.score("span", extract([audio(0.0, 2.0)])["seg"].items, extract([audio(0.5, 2.0)])["seg"].items) == 1.0
    assert P.score("span", extract([audio(0.0, 2.0)])["seg"].items, extract([audio(1.5, 4.0)])["seg"].items) == 0.0


def test_notes_chords_and_beats_with_mir_eval():
    def notes(*ns):
        return [{"from_name": "n", "to_name": "roll", "type": "notelabels",
                 "value": {"start": s, "end": e, "pitch": p, "notelabels": ["note"]}} for s, e, p in ns]
    ref = extract(notes((0, 1, 60), (1, 2, 62)))["n"].items
    assert P.score("notes", ref, extract(notes((0.03, 1, 60), (1.04, 2, 62)))["n"].items) == 1.0  # within 50 ms
    assert P.score("notes", ref, extract(notes((0.0, 1, 60), (1.0, 2, 63)))["n"].items) == 0.5   # a semitone off
    assert P.score("notes", ref, extract(notes((0.1, 1, 60), (1.0, 2, 62)))["n"].items) == 0.5   # 100 ms late

    def chords(*cs):
        return [{"from_name": "ch", "to_name": "audio", "type": "chordlabels",
                 "value": {"start": s, "end": e, "chordlabels": [c]}} for s, e, c in cs]
    a = extract(chords((0, 2, "C:maj"), (2, 4, "A:min")))["ch"].items
    b = extract(chords((0, 2, "C:maj7"), (2, 4, "A:min")))["ch"].items
    assert P.chord_scores(a, b) == pytest.approx((0.5, 1.0))  # same roots, one quality differs
    assert P.score("chords", a, a) == 1.0
    def beats(*ts):
        return [{"from_name": "b", "to_name": "audio", "type": "beats", "value": {"time": t}} for t in ts]
    assert P.score("beats", extract(beats(1, 2, 3, 4))["b"].items,
                   extract(beats(1.01, 2.02, 3.2, 4))["b"].items) == pytest.approx(0.75)


def test_annotation_score_averages_controls_and_counts_missing_as_disagreement():
    a = extract([_choice("pos"), _choice("x", name="topic")])
    b = extract([_choice("pos")])
    assert ann_score(a, b) == 0.5
    assert ann_score({}, {}) == 1.0


def test_majority_and_weighted_vote():
    assert vote(["a", "a", "b"]) == ("a", pytest.approx(2 / 3), False)
    assert vote(["a", "b"])[2] is True
    # One reliable annotator (weight 0.9) outvotes two unreliable ones (0.3 each).
    assert vote(["a", "b", "b"], [0.9, 0.3, 0.3])[0] == "a"


def test_box_fusion_and_consensus_result():
    results = [[_box(0, 0, 10, 10), _box(50, 50, 5, 5)], [_box(2, 0, 10, 10)], [_box(1, 0, 10, 10), _choice("x")]]
    merged = consensus_result(results)
    boxes = [r for r in merged if r["type"] == "rectanglelabels"]
    assert len(boxes) == 1  # the lone box at (50, 50) is backed by 1 of 3 annotators only
    assert boxes[0]["value"]["x"] == pytest.approx(1.0) and boxes[0]["value"]["width"] == pytest.approx(10.0)
    assert [r["value"]["choices"] for r in merged if r["type"] == "choices"] == [["x"]]
    units, tied = consensus_units([extract(r) for r in results])
    assert len(units["box"].items) == 1 and tied == []
