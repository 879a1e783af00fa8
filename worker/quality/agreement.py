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
    for tid, anns in data.anns.items():
        ws = [weights.get(a.user, default) for a in anns]
        p.consensus[tid] = consensus_units([a.units for a in anns], ws)[0]
        if len(anns) < 2:
            continue
        _pairs_of_task(p, tid, anns)
        _class_values(p, anns)
        if len(anns) >= 3:
            _leave_one_out(p, tid, anns, ws)
    return p


def _pairs_of_task(p, tid, anns):
    total, n = 0.0, 0
    for i in range(len(anns)):
        a = anns[i]
        for j in range(i + 1, len(anns)):
            b = anns[j]
            s = ann_score(a.units, b.units)
            total += s
            n += 1
            key = (a.user, b.user) if (a.user or 0) <= (b.user or 0) else (b.user, a.user)
            acc = p.pairs.setdefault(key, [0.0, 0])
            acc[0] += s
            acc[1] += 1
            for u in (a.user, b.user):
                acc = p.user_pairwise.setdefault(u, [0.0, 0])
                acc[0] += s
                acc[1] += 1
            _control_scores(p, a, b, key)
    p.task_agreement[tid] = total / n


def _control_scores(p, a, b, key):
    first, second = (a, b) if key[0] == a.user else (b, a)
    for name in a.units.keys() | b.units.keys():
        ua, ub = a.units.get(name), b.units.get(name)
        kind = (ua or ub).kind
        s = score(kind, ua.items, ub.items) if ua is not None and ub is not None and ua.kind == ub.kind else 0.0
        c = p.controls.setdefault(name, {"kind": kind, "sum": 0.0, "n": 0})
        c["sum"] += s
        c["n"] += 1
        if kind == "class" and ua is not None and ub is not None:
            va, vb = p.pair_values.setdefault(key, {}).setdefault(name, ([], []))
            va.append(first.units[name].items)
            vb.append(second.units[name].items)


def _class_values(p, anns):
    names = {n for a in anns for n, u in a.units.items() if u.kind == "class"}
    for name in names:
        vals = [a.units[name].items for a in anns if name in a.units and a.units[name].kind == "class"]
        if len(vals) >= 2:
            p.class_items.setdefault(name, []).append(vals)


def _leave_one_out(p, tid, anns, ws):
    for i, ann in enumerate(anns):
        others = [a.units for j, a in enumerate(anns) if j != i]
        ref, tied = consensus_units(others, [w for j, w in enumerate(ws) if j != i])
        s = _ref_score(ann.units, ref, set(tied))
        if s is not None:
            p.consensus_outcomes.append((ann.user, tid, s))


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
