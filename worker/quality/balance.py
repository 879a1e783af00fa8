"""Balance and bias: how the data spreads over task metadata groups, and whose answers are wrong
more often in which group (the Gender Shades table: per group and per intersection of two fields).

A group is *under-represented* when it holds fewer tasks than ``min_share`` of an even share
(0.5: less than half of what it would have if every group were the same size); the report says
how many more tasks would lift it to that line. A group has a *high error rate* when the lower end
of its 95% Wilson interval lies above the error rate of all other groups pooled (a gap chance
alone would rarely produce) and its rate is at least 1.5 times theirs (a gap that matters).
"""
import itertools
import math
from collections import Counter

from .agreement import CORRECT_AT
from .metrics import rate

DEFAULT_MIN_SHARE = 0.5
# Meta fields with more distinct values than this are identifiers or free text, not groups.
MAX_GROUPS = 30
# A field is offered as a grouping field when at least this share of tasks carry it.
MIN_COVERAGE = 0.5
# Error rates of groups with fewer answers than this are shown but never flagged or ranked.
MIN_GROUP_N = 5
# ... and only when its error rate is at least this multiple of the others': on a large project
# tiny differences are "significant" without mattering to anyone.
HIGH_ERROR_RATIO = 1.5
# A label × group cell is only judged when its expected count reaches this.
MIN_EXPECTED = 5


_SCALARS = (str, int, float, bool)


def group_value(meta, field):
    """The group a task falls in for ``field``: scalars as text; lists, dicts and gaps are None."""
    v = meta.get(field)
    if v is None or isinstance(v, (list, dict)):
        return None
    return str(v).lower() if isinstance(v, bool) else str(v)


def candidate_fields(data, fields=None):
    """The meta fields to group by: those asked for, else the project's balance field and every
    field with few distinct values that most tasks carry."""
    if fields:
        return list(dict.fromkeys(fields))
    values, seen, too_many = {}, Counter(), set()
    for meta, _ in data.tasks.values():
        for key, v in meta.items():
            if type(v) not in _SCALARS:
                continue
            seen[key] += 1
            if key in too_many:
                continue
            vals = values.setdefault(key, set())
            vals.add(v)
            if len(vals) > MAX_GROUPS:
                too_many.add(key)
    n = len(data.tasks) or 1
    out = [k for k in sorted(values) if 2 <= len(values[k]) <= MAX_GROUPS and seen[k] / n >= MIN_COVERAGE]
    bf = data.project.get("balance_field")
    if bf and bf not in out:
        out.insert(0, bf)
    elif bf:
        out.remove(bf)
        out.insert(0, bf)
    return out


def label_control(p):
    """The first categorical control: the one label distributions are shown for."""
    names = sorted(n for n, c in p.controls.items() if c["kind"] == "class")
    if names:
        return names[0]
    for units in p.consensus.values():
        for name, u in sorted(units.items()):
            if u.kind == "class":
                return name
    return None


def more_needed(count, total, groups, min_share):
    """Tasks to add to a group of ``count`` (of ``total`` in ``groups`` groups) to reach
    ``min_share`` of an even share: smallest x with count + x >= min_share·(total + x)/groups."""
    t = min_share / groups
    if count >= t * total or t >= 1:
        return 0
    return max(0, math.ceil((t * total - count) / (1 - t) - 1e-9))


def balance_report(data, p, fields, min_share=DEFAULT_MIN_SHARE, groups=None):
    """{"fields": {field: {...groups...}}, "label_control": name, "min_share": x}.

    ``groups`` ({field: {task_id: group}}) may be passed in when already computed."""
    control = label_control(p)
    out = {"min_share": min_share, "label_control": control, "fields": {}}
    for field in fields:
        group_of = groups[field] if groups and field in groups else groups_of(data, field)
        out["fields"][field] = _field_balance(data, p, group_of, control, min_share)
    return out


def _field_balance(data, p, group_of, control, min_share):
    tasks = Counter(group_of.values())
    missing = len(data.tasks) - len(group_of)
    labeled, labels, overall = Counter(), {}, Counter()
    consensus = p.consensus
    for tid, g in group_of.items():
        cons = consensus.get(tid)
        if cons is None:
            continue
        labeled[g] += 1
        unit = cons.get(control) if control else None
        if unit is not None:
            lab = str(unit.items)
            row = labels.setdefault(g, Counter())
            row[lab] += 1
            overall[lab] += 1
    groups = {g: {"tasks": n, "labeled": labeled.get(g, 0), "labels": dict(labels.get(g, {}))}
              for g, n in tasks.items()}
    overall = dict(overall)
    total, k = sum(r["tasks"] for r in groups.values()), len(groups)
    rows = []
    for value, r in sorted(groups.items(), key=lambda kv: (-kv[1]["tasks"], kv[0])):
        need = more_needed(r["tasks"], total, k, min_share) if k >= 2 else 0
        rows.append({"value": value, "tasks": r["tasks"], "share": round(r["tasks"] / total, 4) if total else 0,
                     "labeled": r["labeled"], "labels": r["labels"], "under_represented": need > 0,
                     "more_tasks_needed": need})
    return {"groups": rows, "missing": missing, "total": total, "even_share": round(1 / k, 4) if k else None,
            "cells": _label_cells(rows, overall, min_share), "overall_labels": overall}


def _label_cells(rows, overall, min_share):
    """Label × group cells holding fewer than ``min_share`` of the count expected from the
    group's size and the label's overall share."""
    n = sum(overall.values())
    cells = []
    for r in rows:
        for lab, share in ((lab, c / n) for lab, c in sorted(overall.items())) if n else ():
            expected = r["labeled"] * share
            if expected >= MIN_EXPECTED and r["labels"].get(lab, 0) < min_share * expected:
                cells.append({"value": r["value"], "label": lab, "count": r["labels"].get(lab, 0),
                              "expected": round(expected, 1)})
    return cells


def disaggregated(data, measures, fields, groups=None):
    """Error rates per group and per intersection of two fields, for each measure.

    ``measures`` maps a name ("annotators_vs_gold", "model", ...) to [(user, task_id, score)];
    an outcome is an error when its score is below CORRECT_AT.
    """
    groups = groups or {f: groups_of(data, f) for f in fields}
    out = {"fields": {}, "intersections": []}
    for field in fields:
        out["fields"][field] = _table(measures, groups[field])
    for f1, f2 in itertools.combinations(fields[:4], 2):
        g1, g2 = groups[f1], groups[f2]
        both = {tid: f"{g} × {g2[tid]}" for tid, g in g1.items() if tid in g2}
        out["intersections"].append({"fields": [f1, f2], **_table(measures, both)})
    return out


def groups_of(data, field):
    """{task_id: group} for the tasks that have a group under ``field``."""
    out = {}
    for tid, (meta, _) in data.tasks.items():
        g = group_value(meta, field)
        if g is not None:
            out[tid] = g
    return out


def _table(measures, group_of):
    result = {}
    for name, outcomes in measures.items():
        # Counter over generators: the counting runs in C, which matters at 300,000 outcomes.
        n = Counter(group_of.get(tid) for _, tid, _ in outcomes)
        err = Counter(group_of.get(tid) for _, tid, s in outcomes if s < CORRECT_AT)
        n.pop(None, None)
        result[name] = _rates({g: [err.get(g, 0), k] for g, k in n.items()})
    return result


def _rates(tally):
    all_err, all_n = sum(t[0] for t in tally.values()), sum(t[1] for t in tally.values())
    groups = []
    for g, (err, n) in sorted(tally.items()):
        row = {"group": g, **rate(err, n)}
        rest_n = all_n - n
        rest_rate = (all_err - err) / rest_n if rest_n else None
        row["high_error"] = bool(n >= MIN_GROUP_N and rest_rate is not None and row["low"] is not None
                                 and row["low"] > rest_rate and row["rate"] >= HIGH_ERROR_RATIO * rest_rate)
        groups.append(row)
    ranked = [g for g in groups if g["n"] >= MIN_GROUP_N]
    best = min(ranked, key=lambda g: g["rate"], default=None)
    worst = max(ranked, key=lambda g: g["rate"], default=None)
    return {"groups": groups, "overall": rate(all_err, all_n),
            "best": best and best["group"], "worst": worst and worst["group"],
            "gap": round(worst["rate"] - best["rate"], 4) if best and worst else None}


def flags(balance, disagg):
    """[{"field", "value", "reasons": [...]}]: every group the report wants someone to look at."""
    found = {}
    for field, table in balance["fields"].items():
        for g in table["groups"]:
            if g["under_represented"]:
                found.setdefault((field, g["value"]), []).append(
                    f"under-represented: {g['tasks']} tasks, {g['more_tasks_needed']} more needed")
    for field, measures in disagg["fields"].items():
        for name, table in measures.items():
            for g in table["groups"]:
                if g["high_error"]:
                    found.setdefault((field, g["group"]), []).append(
                        f"high error ({name}): {g['rate']:.1%} [{g['low']:.1%}–{g['high']:.1%}]")
    return [{"field": f, "value": v, "reasons": r} for (f, v), r in sorted(found.items())]
