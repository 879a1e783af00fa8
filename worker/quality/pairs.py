"""Agreement between two answers to one control, in [0, 1], for every kind of Unit.

  class    1 when the values are equal, else 0
  region   IoU-matched F1: regions are paired one-to-one (Hungarian, scipy) on IoU, a pair counts
           when IoU >= IOU_MATCH and the labels agree; score = 2·matches / (n_a + n_b)
  span     the same on 1-D overlap (text offsets, seconds)
  notes    mir_eval.transcription F-measure: onset within 50 ms and pitch within 50 cents
  chords   mir_eval.chord: share of the time both name the same chord (``exact``, tetrads with
           inversion) or the same root (``root``)
  beats    mir_eval.beat F-measure (70 ms window)
Two empty answers agree (1.0); one empty and one not disagree (0.0).
"""
import warnings

import numpy as np

# Regions match when their IoU reaches this: the PASCAL VOC / COCO AP50 convention.
IOU_MATCH = 0.5
# mir_eval's standard tolerances (MIREX): onset 50 ms, pitch 50 cents, beats 70 ms.
ONSET_TOLERANCE = 0.05
PITCH_TOLERANCE = 50.0
BEAT_WINDOW = 0.07


def score(kind, a, b):
    """Agreement of Unit items ``a`` and ``b`` of the same ``kind``."""
    if kind == "class":
        return 1.0 if a == b else 0.0
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    if kind == "region":
        return matched_f1(a, b, region_iou)
    if kind == "span":
        return matched_f1(a, b, span_iou)
    if kind == "notes":
        return notes_f1(a, b)
    if kind == "chords":
        return chord_scores(a, b)[0]
    if kind == "beats":
        return beats_f1(a, b)
    return 0.0


def unit_score(ua, ub):
    """Agreement of two Units (None when either is missing or kinds differ)."""
    if ua is None or ub is None or ua.kind != ub.kind:
        return None
    return score(ua.kind, ua.items, ub.items)


def matched_pairs(a, b, iou):
    """[(i, j, iou)] one-to-one pairs with the same label and IoU >= IOU_MATCH."""
    from scipy.optimize import linear_sum_assignment

    m = np.zeros((len(a), len(b)))
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            if x[0] == y[0]:
                m[i, j] = iou(x, y)
    if len(a) == 1 and len(b) == 1:
        pairs = [(0, 0)]
    else:
        rows, cols = linear_sum_assignment(-m)
        pairs = zip(rows, cols)
    return [(i, j, m[i, j]) for i, j in pairs if m[i, j] >= IOU_MATCH]


def matched_f1(a, b, iou):
    return 2 * len(matched_pairs(a, b, iou)) / (len(a) + len(b))


def span_iou(x, y):
    """IoU of two labelled 1-D spans (label, start, end)."""
    inter = min(x[2], y[2]) - max(x[1], y[1])
    if inter <= 0:
        return 0.0
    union = max(x[2], y[2]) - min(x[1], y[1])
    return inter / union if union > 0 else 1.0


def _axis_box(poly):
    """(x0, y0, x1, y1) when ``poly`` is an axis-aligned rectangle, else None."""
    if len(poly) != 4:
        return None
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = poly
    if y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0:
        return min(x0, x1), min(y0, y2), max(x0, x1), max(y0, y2)
    return None


def region_iou(x, y):
    """IoU of two labelled polygons (label, [(x, y), ...]); rectangles without rotation take
    a closed-form fast path, everything else goes through shapely."""
    bx, by = _axis_box(x[1]), _axis_box(y[1])
    if bx and by:
        iw = min(bx[2], by[2]) - max(bx[0], by[0])
        ih = min(bx[3], by[3]) - max(bx[1], by[1])
        if iw <= 0 or ih <= 0:
            return 0.0
        inter = iw * ih
        union = (bx[2] - bx[0]) * (bx[3] - bx[1]) + (by[2] - by[0]) * (by[3] - by[1]) - inter
        return inter / union if union > 0 else 0.0
    from shapely.geometry import Polygon

    # buffer(0) repairs self-intersecting polygons a hand-drawn outline may have.
    px, py = Polygon(x[1]).buffer(0), Polygon(y[1]).buffer(0)
    union = px.union(py).area
    return px.intersection(py).area / union if union > 0 else 0.0


def notes_f1(a, b):
    """Onset + pitch F-measure of two note lists [(start, end, midi pitch)] (mir_eval)."""
    import mir_eval

    def arrays(notes):
        notes = sorted(notes)
        iv = np.array([[s, max(e, s + 1e-3)] for s, e, _ in notes])
        return iv, mir_eval.util.midi_to_hz(np.array([p for _, _, p in notes]))

    (ia, pa), (ib, pb) = arrays(a), arrays(b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, _, f, _ = mir_eval.transcription.precision_recall_f1_overlap(
            ia, pa, ib, pb, onset_tolerance=ONSET_TOLERANCE, pitch_tolerance=PITCH_TOLERANCE, offset_ratio=None)
    return float(f)


def _chord_track(items, lo, hi):
    """Contiguous (intervals, labels) over [lo, hi]: gaps become "N" (no chord), overlaps are cut."""
    out_iv, out_lab, t = [], [], lo
    for s, e, lab in sorted(items):
        s = max(s, t)
        if e <= s:
            continue
        if s > t:
            out_iv.append([t, s])
            out_lab.append("N")
        out_iv.append([s, e])
        out_lab.append(lab)
        t = e
    if t < hi:
        out_iv.append([t, hi])
        out_lab.append("N")
    return np.array(out_iv), out_lab


def chord_scores(a, b):
    """(exact, root): duration-weighted chord agreement of two segment lists (mir_eval.chord).

    Labels mir_eval cannot parse fall back to plain string equality, so one odd label does not
    sink the comparison.
    """
    import mir_eval

    lo = min(min(s for s, _, _ in a), min(s for s, _, _ in b))
    hi = max(max(e for _, e, _ in a), max(e for _, e, _ in b))
    if hi <= lo:
        return (1.0, 1.0) if a[0][2] == b[0][2] else (0.0, 0.0)
    (ia, la), (ib, lb) = _chord_track(a, lo, hi), _chord_track(b, lo, hi)
    iv, ra, rb = mir_eval.util.merge_labeled_intervals(ia, la, ib, lb)
    durations = mir_eval.util.intervals_to_durations(iv)
    try:
        exact = mir_eval.chord.tetrads_inv(ra, rb)
        root = mir_eval.chord.root(ra, rb)
    except mir_eval.chord.InvalidChordException:
        exact = root = np.array([1.0 if x == y else 0.0 for x, y in zip(ra, rb)])
    # mir_eval marks no-chord-vs-chord comparisons -1 (excluded); here they are disagreement.
    exact, root = np.maximum(exact, 0), np.maximum(root, 0)
    total = durations.sum()
    return float((exact * durations).sum() / total), float((root * durations).sum() / total)


def beats_f1(a, b):
    """Beat-tracking F-measure of two lists of beat times (mir_eval.beat)."""
    import mir_eval

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(mir_eval.beat.f_measure(np.array(sorted(a)), np.array(sorted(b)),
                                             f_measure_threshold=BEAT_WINDOW))
