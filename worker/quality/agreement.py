"""One pass over a project's annotations: agreement per task, per annotator pair and per control,
consensus per task, and every annotation's outcome against gold and against the consensus.

Scores between two annotations are the mean over the controls either of them answered of the
per-control score (``pairs.score``); a control one of them left empty counts as disagreement.
"""
from .consensus import consensus_units
from .metrics import cohen_kappa, count_matrix, fleiss_kappa, krippendorff_alpha, modal_rows
from .pairs import score

# An answer counts as correct when its agreement with the reference (gold or the others'
# consensus) reaches this: exact for choices; for regions most shapes must match at IoU 0.5.
CORRECT_AT = 0.8
# Cohen's kappa for a pair is reported once the pair shares this many tasks; below it the
# figure swings too much to guide anyone.
MIN_PAIR_TASKS = 5


def ann_score(ua, ub):
    """Agreement of two annotations' units (1.0 when both are empty)."""
    names = ua.keys() | ub.keys()
    if not names:
        return 1.0
    total = 0.0
    for name in names:
        a, b = ua.get(name), ub.get(name)
        if a is not None and b is not None and a.kind == b.kind:
            total += score(a.kind, a.items, b.items)
    return total / len(names)


def _ref_score(units, ref, skip):
    """Agreement with a reference, leaving out controls the reference has no answer for."""
    names = [n for n in (units.keys() | ref.keys()) if n not in skip]
    if not names:
        return None
    total = 0.0
    for name in names:
        a, b = units.get(name), ref.get(name)
        if a is not None and b is not None and a.kind == b.kind:
            total += score(a.kind, a.items, b.items)
    return total / len(names)


def gold_outcomes(data):
    """[(user, task_id, score)] for every worker annotation of a gold task with an answer."""
    out = []
    for tid, truth in data.truth.items():
        for ann in data.anns.get(tid, ()):
            out.append((ann.user, tid, ann_score(ann.units, truth.units)))
    return out


def weights_from_gold(outcomes):
    """{user: weight} for the consensus vote: accuracy against gold with add-one smoothing,
    so one lucky answer does not make a dictator. Users without gold get the median weight."""
    tally = {}
    for user, _, s in outcomes:
        t = tally.setdefault(user, [0, 0])
        t[0] += s >= CORRECT_AT
        t[1] += 1
    weights = {u: (c + 1) / (n + 2) for u, (c, n) in tally.items()}
    values = sorted(weights.values())
    default = values[len(values) // 2] if values else 1.0
    return weights, default


class Pass:
    """The results of ``run``; plain dicts the report turns into JSON."""

    def __init__(self):
        self.task_agreement = {}      # task_id -> mean pairwise agreement (tasks with >= 2 workers)
        self.pairs = {}               # (user_a, user_b) -> [sum, n]
        self.pair_values = {}         # (user_a, user_b) -> {control: ([a values], [b values])}
        self.user_pairwise = {}       # user -> [sum, n] agreement with co-annotators
        self.controls = {}            # control -> {"kind", "sum", "n"}
        self.class_items = {}         # class control -> [[values of one task]]
        self.consensus = {}           # task_id -> {control: Unit}
        self.consensus_outcomes = []  # (user, task_id, score vs the others' consensus)
        self.gold_outcomes = []       # (user, task_id, score vs gold)
        self.weights = {}


def run(data):
    """Compute a Pass over ``data`` (a ProjectData)."""
    p = Pass()
    p.gold_outcomes = gold_outcomes(data)
    weights, default = weights_from_gold(p.gold_outcomes)
    p.weights = weights
    memo, tally, votes = {}, {}, {}
    for tid, anns in data.anns.items():
        ws = [weights.get(a.user, default) for a in anns]
        units = [a.units for a in anns]
        if len(anns) < 2:
            p.consensus[tid] = units[0]
            continue
        _pairs_of_task(p, tid, anns, memo, tally)
        # Identical answers share Units objects, so categorical tasks repeat a few vote patterns:
        # consensus, leave-one-out scores and the values for alpha are worked out once per pattern.
        key = tuple((id(u), w) for u, w in zip(units, ws))
        hit = votes.get(key)
        if hit is None and all(u.kind == "class" for x in units for u in x.values()):
            hit = votes[key] = (consensus_units(units, ws)[0], _leave_one_out_class(anns, ws), _class_values(anns))
        if hit is not None:
            p.consensus[tid] = hit[0]
            if len(anns) >= 3:
                p.consensus_outcomes.extend((a.user, tid, s) for a, s in zip(anns, hit[1]) if s is not None)
            for name, vals in hit[2]:
                p.class_items.setdefault(name, []).append(vals)
        else:
            p.consensus[tid] = consensus_units(units, ws)[0]
            for name, vals in _class_values(anns):
                p.class_items.setdefault(name, []).append(vals)
            if len(anns) >= 3:
                _leave_one_out(p, tid, anns, ws)
    _finish_pairs(p, memo, tally)
    return p


def _control_pair(ua, ub, memo):
    """(mean score, {control: (kind, score)}) of two annotations' units, memoised by identity:
    identical answers share one Units object (``data._UnitsCache``)."""
    key = (id(ua), id(ub))
    hit = memo.get(key)
    if hit is not None:
        return hit
    per = {}
    for name in ua.keys() | ub.keys():
        a, b = ua.get(name), ub.get(name)
        kind = (a or b).kind
        per[name] = (kind, score(kind, a.items, b.items) if a is not None and b is not None and a.kind == b.kind
                     else 0.0)
    total = sum(s for _, s in per.values()) / len(per) if per else 1.0
    hit = memo[key] = (total, per, ua, ub)
    return hit


def _pairs_of_task(p, tid, anns, memo, tally):
    """Score every pair of the task's annotations; per-pair figures are only counted here
    (``tally``) and summed up once in ``_finish_pairs``."""
    total, n = 0.0, 0
    for i in range(len(anns)):
        for j in range(i + 1, len(anns)):
            a, b = anns[i], anns[j]
            if (a.user or 0) > (b.user or 0):
                a, b = b, a
            hit = _control_pair(a.units, b.units, memo)
            total += hit[0]
            n += 1
            key = (a.user, b.user, id(a.units), id(b.units))
            tally[key] = tally.get(key, 0) + 1
    p.task_agreement[tid] = total / n


def _finish_pairs(p, memo, tally):
    for (ua, ub, ia, ib), count in tally.items():
        s, per, units_a, units_b = memo[(ia, ib)]
        acc = p.pairs.setdefault((ua, ub), [0.0, 0])
        acc[0] += s * count
        acc[1] += count
        for u in (ua, ub):
            acc = p.user_pairwise.setdefault(u, [0.0, 0])
            acc[0] += s * count
            acc[1] += count
        for name, (kind, cs) in per.items():
            c = p.controls.setdefault(name, {"kind": kind, "sum": 0.0, "n": 0})
            c["sum"] += cs * count
            c["n"] += count
            if kind == "class" and name in units_a and name in units_b:
                va, vb = p.pair_values.setdefault((ua, ub), {}).setdefault(name, ([], []))
                va.extend([units_a[name].items] * count)
                vb.extend([units_b[name].items] * count)


def _class_values(anns):
    """[(control, [values])] of the task's categorical controls answered at least twice."""
    names = {n for a in anns for n, u in a.units.items() if u.kind == "class"}
    out = []
    for name in sorted(names):
        vals = [a.units[name].items for a in anns if name in a.units and a.units[name].kind == "class"]
        if len(vals) >= 2:
            out.append((name, vals))
    return out


def _leave_one_out(p, tid, anns, ws):
    for i, ann in enumerate(anns):
        others = [a.units for j, a in enumerate(anns) if j != i]
        ref, tied = consensus_units(others, [w for j, w in enumerate(ws) if j != i])
        s = _ref_score(ann.units, ref, set(tied))
        if s is not None:
            p.consensus_outcomes.append((ann.user, tid, s))


def _leave_one_out_class(anns, ws):
    """Scores against the others' consensus for tasks with only categorical answers (None where
    the others tie), from vote totals: each annotator's vote is taken out instead of re-voting."""
    totals = {}
    for a, w in zip(anns, ws):
        for name, u in a.units.items():
            t = totals.setdefault(name, {})
            t[u.items] = t.get(u.items, 0.0) + w
    out = []
    for ann, w in zip(anns, ws):
        right, counted = 0, 0
        for name, t in totals.items():
            mine = ann.units.get(name)
            best, best_w, tied = None, -1.0, False
            for value, tw in t.items():
                if mine is not None and value == mine.items:
                    tw -= w
                if tw <= 1e-12:
                    continue
                if tw > best_w + 1e-12:
                    best, best_w, tied = value, tw, False
                elif abs(tw - best_w) <= 1e-12:
                    tied = True
            if best is None:
                counted += mine is not None  # the others left this control empty
                continue
            if tied:
                continue
            counted += 1
            right += mine is not None and mine.items == best
        out.append(right / counted if counted else None)
    return out


def control_summary(p):
    """Per control: kind, mean pairwise agreement, and for categorical controls Krippendorff's
    alpha and Fleiss' kappa over the whole project."""
    out = {}
    for name, c in sorted(p.controls.items()):
        row = {"kind": c["kind"], "pairwise_agreement": round(c["sum"] / c["n"], 4) if c["n"] else None,
               "pairs": c["n"]}
        if c["kind"] == "class" and p.class_items.get(name):
            matrix, cats = count_matrix(p.class_items[name])
            modal = modal_rows(matrix)
            row.update(krippendorff_alpha=_r(krippendorff_alpha(matrix)), fleiss_kappa=_r(fleiss_kappa(modal)),
                       fleiss_items=int(modal.shape[0]), items=int(matrix.shape[0]), categories=[str(x) for x in cats])
        out[name] = row
    return out


def pair_summary(p, users):
    """Per annotator pair: tasks shared, mean agreement, Cohen's kappa per categorical control."""
    out = []
    for (a, b), (total, n) in sorted(p.pairs.items(), key=lambda kv: (-kv[1][1], str(kv[0]))):
        kappas = {}
        for name, (va, vb) in p.pair_values.get((a, b), {}).items():
            if len(va) >= MIN_PAIR_TASKS:
                kappas[name] = _r(cohen_kappa(va, vb))
        out.append({"a": a, "b": b, "a_username": users.get(a, {}).get("username"),
                    "b_username": users.get(b, {}).get("username"), "tasks": n,
                    "agreement": round(total / n, 4), "cohen_kappa": kappas})
    return out


def _r(x):
    return None if x is None else round(x, 4)
