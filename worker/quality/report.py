"""The project quality report: one dict (JSON-ready) that the API, the dashboard and
``labelart report`` all show.

``build(data)`` is pure (a ProjectData in, a dict out); ``project_report`` reads the project
first. Nothing here writes to the database: caching agreement on tasks and the review rule live
in ``worker.quality.review``.
"""
import contextlib
import gc
import statistics
from collections import Counter

from . import agreement as A
from .balance import (DEFAULT_MIN_SHARE, balance_report, candidate_fields, disaggregated, flags, groups_of,
                      label_control)
from .data import load
from .metrics import rate

# Bins of the per-task agreement histogram.
HIST_BINS = 10


def project_report(engine, project, fields=None, min_share=DEFAULT_MIN_SHARE):
    """Read ``project`` and build its report."""
    with no_gc():
        return build(load(engine, project), fields=fields, min_share=min_share)


@contextlib.contextmanager
def no_gc():
    """Pause the cyclic garbage collector: the report allocates millions of small containers
    that live until it is done, and collections over that growing heap cost more than the work
    itself on large projects (no cycles are made here; reference counting frees everything)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def build(data, fields=None, min_share=DEFAULT_MIN_SHARE):
    """The report for ``data`` (a ProjectData)."""
    return build_with_pass(data, fields, min_share)[0]


def build_with_pass(data, fields=None, min_share=DEFAULT_MIN_SHARE):
    """(report, agreement.Pass): the pass carries per-task agreement for callers that cache it."""
    p = A.run(data)
    fields = candidate_fields(data, fields)
    models, model_outcomes = model_agreement(data, p)
    measures = {"annotators_vs_gold": p.gold_outcomes, "annotators_vs_consensus": p.consensus_outcomes}
    if model_outcomes:
        measures["model"] = model_outcomes
    groups = {f: groups_of(data, f) for f in fields}
    balance = balance_report(data, p, fields, min_share, groups)
    disagg = disaggregated(data, measures, fields, groups)
    found = flags(balance, disagg)
    return {
        "project": {k: data.project[k] for k in ("id", "title", "overlap", "gold_rate", "balance_field",
                                                 "review_threshold")},
        "summary": summary(data, p),
        "controls": A.control_summary(p),
        "annotators": annotators(data, p),
        "pairs": A.pair_summary(p, data.users),
        "models": models,
        "confusion": confusion(p),
        "progress": progress(data),
        "balance": balance,
        "disaggregated": disagg,
        "flags": found,
        "suggestions": suggestions(data, balance, found),
    }, p


def summary(data, p):
    values = list(p.task_agreement.values())
    threshold = data.project["review_threshold"] or 0
    hist = [0] * HIST_BINS
    for v in values:
        hist[min(int(v * HIST_BINS), HIST_BINS - 1)] += 1
    n_ann = sum(len(a) for a in data.anns.values())
    return {"tasks": len(data.tasks), "annotated_tasks": len(data.anns), "annotations": n_ann,
            "gold_tasks": sum(1 for _, g in data.tasks.values() if g), "gold_answers": len(data.truth),
            "tasks_with_agreement": len(values),
            "mean_agreement": round(statistics.fmean(values), 4) if values else None,
            "median_agreement": round(statistics.median(values), 4) if values else None,
            "below_review_threshold": sum(1 for v in values if v < threshold) if threshold else None,
            "agreement_histogram": {"bins": [round(i / HIST_BINS, 2) for i in range(HIST_BINS + 1)],
                                    "counts": hist},
            "gold_error": _rate_of(p.gold_outcomes), "consensus_error": _rate_of(p.consensus_outcomes),
            "correct_at": A.CORRECT_AT}


def _rate_of(outcomes):
    return rate(sum(1 for _, _, s in outcomes if s < A.CORRECT_AT), len(outcomes))


def annotators(data, p):
    """Per annotator: volume, agreement with co-annotators, error rates with 95% intervals,
    review outcomes (human and automatic) and working pace."""
    counts, reviews, days, leads = Counter(), Counter(), Counter(), {}
    for anns in data.anns.values():
        for a in anns:
            counts[a.user] += 1
            if a.review:
                reviews[(a.user, a.review if a.reviewed_by is not None else f"auto_{a.review}")] += 1
            if a.lead_time is not None:
                leads.setdefault(a.user, []).append(a.lead_time)
            days[(a.user, a.day)] += 1
    stats = {u: {"annotations": n, "review": {}, "lead": leads.get(u, []), "days": {}} for u, n in counts.items()}
    for (u, key), n in reviews.items():
        stats[u]["review"][key] = n
    for (u, day), n in days.items():
        if day:
            stats[u]["days"][day] = n
    gold, cons = _per_user(p.gold_outcomes), _per_user(p.consensus_outcomes)
    out = []
    for user, r in sorted(stats.items(), key=lambda kv: (-kv[1]["annotations"], str(kv[0]))):
        info = data.users.get(user, {})
        pw = p.user_pairwise.get(user)
        out.append({"user": user, "username": info.get("username"), "display_name": info.get("display_name"),
                    "role": info.get("role"), "annotations": r["annotations"], "skips": data.skips.get(user, 0),
                    "agreement": round(pw[0] / pw[1], 4) if pw else None, "pairs": pw[1] if pw else 0,
                    "gold_error": rate(*gold.get(user, (0, 0))), "consensus_error": rate(*cons.get(user, (0, 0))),
                    "weight": round(p.weights[user], 4) if user in p.weights else None,
                    "review": r["review"],
                    "median_lead_time": round(statistics.median(r["lead"]), 2) if r["lead"] else None,
                    "per_day": dict(sorted(r["days"].items()))})
    return out


def _per_user(outcomes):
    """{user: (errors, n)}."""
    n = Counter(u for u, _, _ in outcomes)
    errors = Counter(u for u, _, s in outcomes if s < A.CORRECT_AT)
    return {u: (errors.get(u, 0), k) for u, k in n.items()}


def model_agreement(data, p):
    """Per model version: agreement with reviewed human labels (gold answers, accepted or fixed
    annotations) and with the annotators' consensus. Also returns the newest version's outcomes
    against the best reference available, for the disaggregated table."""
    versions = {}
    for tid, preds in data.preds.items():
        ref = _reviewed_reference(data, tid)
        cons = p.consensus.get(tid)
        for version, units in preds:
            v = versions.setdefault(version, {"reviewed": [], "consensus": []})
            if ref is not None:
                v["reviewed"].append((None, tid, A.ann_score(units, ref)))
            if cons is not None:
                v["consensus"].append((None, tid, A.ann_score(units, cons)))
    latest = _latest_version(data)
    out = []
    for version, v in sorted(versions.items()):
        out.append({"model_version": version, "current": version == latest,
                    "vs_reviewed": _agree(v["reviewed"]), "vs_consensus": _agree(v["consensus"])})
    cur = versions.get(latest, {"reviewed": [], "consensus": []})
    # Reviewed labels are the better yardstick; the consensus stands in where nobody reviewed.
    reviewed_tasks = {tid for _, tid, _ in cur["reviewed"]}
    outcomes = cur["reviewed"] + [o for o in cur["consensus"] if o[1] not in reviewed_tasks]
    return out, outcomes


def _latest_version(data):
    # Predictions are read in id order, so the last one seen is the newest.
    latest = None
    for preds in data.preds.values():
        for version, _ in preds:
            latest = version
    return latest


def _reviewed_reference(data, tid):
    if tid in data.truth:
        return data.truth[tid].units
    for ann in reversed(data.anns.get(tid, ())):
        if ann.review in ("accepted", "fixed"):
            return ann.units
    return None


def _agree(outcomes):
    if not outcomes:
        return {"n": 0, "agreement": None, "error": rate(0, 0)}
    return {"n": len(outcomes), "agreement": round(statistics.fmean(s for _, _, s in outcomes), 4),
            "error": _rate_of(outcomes)}


def confusion(p):
    """Label × label counts over every pair of annotators on the same task, for the first
    categorical control (symmetric: each pair is counted both ways)."""
    from sklearn.metrics import confusion_matrix

    name = label_control(p)
    if name is None:
        return None
    left, right = [], []
    for per_control in p.pair_values.values():
        va, vb = per_control.get(name, ((), ()))
        left.extend(va)
        right.extend(vb)
    if not left:
        return {"control": name, "labels": [], "matrix": []}
    labels = sorted({str(x) for x in left} | {str(x) for x in right})
    a = [str(x) for x in left] + [str(x) for x in right]
    b = [str(x) for x in right] + [str(x) for x in left]
    m = confusion_matrix(a, b, labels=labels)
    return {"control": name, "labels": labels, "matrix": m.tolist()}


def progress(data):
    """Per day: annotations made and tasks that reached the project's overlap."""
    overlap = max(1, data.project["overlap"] or 1)
    made, done = {}, {}
    for tid, anns in data.anns.items():
        days = sorted(a.day for a in anns if a.day)
        if tid in data.truth and data.truth[tid].day:
            days = sorted(days + [data.truth[tid].day])
        for d in days:
            made[d] = made.get(d, 0) + 1
        if len(days) >= overlap:
            done[days[overlap - 1]] = done.get(days[overlap - 1], 0) + 1
    out, cumulative = [], 0
    for day in sorted(made.keys() | done.keys()):
        cumulative += done.get(day, 0)
        out.append({"day": day, "annotations": made.get(day, 0), "labeled": done.get(day, 0),
                    "labeled_total": cumulative})
    return out


def suggestions(data, balance, found):
    """Plain sentences saying what to do about the flags."""
    out = []
    for field, table in balance["fields"].items():
        for g in table["groups"]:
            if g["under_represented"]:
                out.append(f"Add about {g['more_tasks_needed']} tasks with {field} = {g['value']} "
                           f"(has {g['tasks']}) to reach {balance['min_share']:.0%} of an even share.")
        if any(g["under_represented"] for g in table["groups"]) and data.project.get("balance_field") != field:
            out.append(f"Set the project's balance field to {field!r} so the labeling stream evens out "
                       f"labeled tasks across its groups.")
    for f in found:
        if any(r.startswith("high error") for r in f["reasons"]):
            out.append(f"Review answers for {f['field']} = {f['value']}: its error rate is above the other groups'; "
                       f"add gold tasks from it and check the guidelines cover it.")
    return out
