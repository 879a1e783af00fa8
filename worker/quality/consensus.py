"""Consensus: one merged answer per task from its annotations.

  class              weighted majority vote; weights are annotators' accuracy against gold
                     (all 1 without gold, which is a plain majority vote)
  region / span      fusion: regions of different annotators with the same label and IoU >= 0.5
                     form a cluster; clusters backed by at least half of the total weight are
                     kept; rectangles and spans get the weighted mean of their coordinates,
                     other shapes the cluster member closest to the others (the medoid)
  notes/chords/beats the answer of the annotator who agrees best with the others (medoid):
                     averaging note lists or chord timelines has no meaningful definition

``consensus_result`` writes the merged answer as a Label Studio result list, so exports can
carry it in place of raw annotations.
"""
import copy

from .extract import Unit, region_item
from .pairs import IOU_MATCH, region_iou, score, span_iou


def vote(values, weights=None):
    """(winner, share, tied) of a weighted vote over hashable ``values``.

    ``tied`` is True when two values share the top weight; the winner is then the smallest by
    its text, so the answer is stable from run to run.
    """
    if not values:
        return None, 0.0, False
    weights = weights or [1.0] * len(values)
    totals = {}
    for v, w in zip(values, weights):
        totals[v] = totals.get(v, 0.0) + w
    best = max(totals.values())
    top = sorted((v for v, t in totals.items() if t == best), key=str)
    total = sum(weights)
    return top[0], (best / total if total else 0.0), len(top) > 1


def fuse(kind, answers, weights):
    """Fuse region/span item lists of several annotators; returns [(fused_item, [(a, i)...])].

    ``answers`` is a list of item lists (one per annotator); members are (annotator index,
    item index) pairs so callers can find the original region.
    """
    iou = region_iou if kind == "region" else span_iou
    clusters = []  # [label, representative item, [(a, i)], weight]
    for a, items in enumerate(answers):
        for i, item in enumerate(items):
            best, best_iou = None, IOU_MATCH
            for c in clusters:
                if c[0] != item[0] or any(m[0] == a for m in c[2]):
                    continue
                v = iou(c[1], item)
                if v >= best_iou:
                    best, best_iou = c, v
            if best is None:
                clusters.append([item[0], item, [(a, i)], weights[a]])
            else:
                best[2].append((a, i))
                best[3] += weights[a]
    total = sum(weights)
    out = []
    for label, _, members, weight in clusters:
        if weight * 2 < total:
            continue
        out.append((_merge(kind, [answers[a][i] for a, i in members], [weights[a] for a, _ in members], iou),
                    members))
    return out


def _merge(kind, items, weights, iou):
    total = sum(weights) or 1.0
    if kind == "span":
        return (items[0][0], sum(w * it[1] for it, w in zip(items, weights)) / total,
                sum(w * it[2] for it, w in zip(items, weights)) / total)
    if all(len(it[1]) == 4 and _is_axis(it[1]) for it in items):
        coords = [sum(w * it[1][k][d] for it, w in zip(items, weights)) / total for k in (0, 2) for d in (0, 1)]
        x0, y0, x1, y1 = coords
        return items[0][0], [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    return medoid(items, lambda x, y: iou(x, y))


def _is_axis(poly):
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = poly
    return y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0


def medoid(answers, sim):
    """The answer with the highest total similarity to the others."""
    if len(answers) <= 2:
        return answers[0]
    sums = [sum(sim(x, y) for j, y in enumerate(answers) if j != i) for i, x in enumerate(answers)]
    return answers[max(range(len(answers)), key=lambda i: (sums[i], -i))]


def consensus_units(units_list, weights=None):
    """({from_name: Unit}, tied names) merging several annotations' extracted units.

    A class control whose vote is tied has no consensus; it is named in ``tied`` (its Unit
    still carries the stable tie-break winner, which is what an export uses).
    """
    weights = weights or [1.0] * len(units_list)
    if len(units_list) == 1:
        return units_list[0], ()
    if all(u.kind == "class" for units in units_list for u in units.values()):
        return _class_consensus(units_list, weights)
    names = {n for units in units_list for n in units}
    out, tied = {}, []
    for name in names:
        present = [(u[name], w) for u, w in zip(units_list, weights) if name in u]
        kind = present[0][0].kind
        if kind == "class":
            winner, _, is_tied = vote([u.items for u, _ in present], [w for _, w in present])
            out[name] = Unit(kind, winner)
            if is_tied:
                tied.append(name)
        elif kind in ("region", "span"):
            # Annotators who drew nothing for this control still count against weak clusters.
            answers = [u[name].items if name in u and u[name].kind == kind else [] for u in units_list]
            out[name] = Unit(kind, [item for item, _ in fuse(kind, answers, weights)])
        else:
            present = [u.items for u, _ in present if u.kind == kind]
            out[name] = Unit(kind, medoid(present, lambda x, y: score(kind, x, y)))
    return out, tied


def _class_consensus(units_list, weights):
    """consensus_units for answers that are all categorical: one pass of vote totals."""
    totals = {}
    for units, w in zip(units_list, weights):
        for name, u in units.items():
            t = totals.setdefault(name, {})
            t[u.items] = t.get(u.items, 0.0) + w
    out, tied = {}, []
    for name, t in totals.items():
        best = max(t.values())
        top = [v for v, tw in t.items() if tw == best]
        if len(top) > 1:
            top.sort(key=str)
            tied.append(name)
        out[name] = Unit("class", top[0])
    return out, tied


def consensus_result(results, weights=None):
    """A Label Studio result list merging ``results`` (one result list per annotation).

    Regions keep the first member's dict (ids, to_name, original size) with merged coordinates;
    whole-task answers copy a region of an annotator who gave the winning value.
    """
    weights = weights or [1.0] * len(results)
    per_ann = [_indexed(r) for r in results]
    names = sorted({n for p in per_ann for n in p})
    out = []
    for name in names:
        kinds = [p[name][0] for p in per_ann if name in p]
        kind = kinds[0]
        if kind == "class":
            out.extend(_class_regions(per_ann, name, weights))
        elif kind in ("region", "span"):
            out.extend(_fused_regions(per_ann, name, kind, weights))
        else:
            out.extend(_medoid_regions(per_ann, name, kind))
    return out


def _indexed(result):
    """{from_name: (kind, [item], [region dict])} for one result list."""
    out = {}
    for region in result if isinstance(result, list) else []:
        if not isinstance(region, dict) or not isinstance(region.get("value"), dict):
            continue
        got = region_item(region.get("type"), region["value"])
        if got is None or not isinstance(region.get("from_name"), str):
            continue
        if got[0] == "class" and any(k in region["value"] for k in ("x", "start", "points")):
            continue  # a per-region choice, not a whole-task answer (as in extract)
        entry = out.setdefault(region["from_name"], (got[0], [], []))
        if entry[0] == got[0]:
            entry[1].append(got[1])
            entry[2].append(region)
    return out


def _class_regions(per_ann, name, weights):
    values, ws, regions = [], [], []
    for p, w in zip(per_ann, weights):
        if name in p and p[name][0] == "class":
            values.append(p[name][1][0])
            ws.append(w)
            regions.append(p[name][2][0])
    winner, _, _ = vote(values, ws)
    return [copy.deepcopy(regions[values.index(winner)])] if values else []


def _fused_regions(per_ann, name, kind, weights):
    answers = [p[name][1] if name in p and p[name][0] == kind else [] for p in per_ann]
    out = []
    for item, members in fuse(kind, answers, weights):
        a, i = members[0]
        region = copy.deepcopy(per_ann[a][name][2][i])
        value = region["value"]
        if kind == "span" and isinstance(value.get("start"), (int, float)) and "startOffset" not in value:
            as_int = isinstance(value["start"], int)
            value["start"], value["end"] = (round(item[1]), round(item[2])) if as_int else (item[1], item[2])
            if as_int and isinstance(value.get("text"), str):
                value.pop("text")  # the merged offsets may cover different characters
        elif kind == "region" and "width" in value and not value.get("rotation"):
            (x0, y0), _, (x1, y1), _ = item[1]
            value.update(x=x0, y=y0, width=x1 - x0, height=y1 - y0)
        out.append(region)
    return out


def _medoid_regions(per_ann, name, kind):
    present = [p[name] for p in per_ann if name in p and p[name][0] == kind]
    best = medoid(present, lambda x, y: score(kind, x[1], y[1]))
    return copy.deepcopy(best[2])
