"""Balance and bias: how the data spreads over task metadata groups, and whose answers are wrong
more often in which group (the Gender Shades table: per group and per intersection of two fields).

A group is *under-represented* when it holds fewer tasks than ``min_share`` of an even share
(0.5: less than half of what it would have if every group were the same size); the report says
how many more tasks would lift it to that line. A group has a *high error rate* when the lower end
of its 95% Wilson interval lies above the error rate of all other groups pooled: a gap chance
alone would rarely produce.
"""
import itertools
import math

from .agreement import CORRECT_AT
from .metrics import rate

DEFAULT_MIN_SHARE = 0.5
# Meta fields with more distinct values than this are identifiers or free text, not groups.
MAX_GROUPS = 30
# A field is offered as a grouping field when at least this share of tasks carry it.
MIN_COVERAGE = 0.5
# Error rates of groups with fewer answers than this are shown but never flagged or ranked.
MIN_GROUP_N = 5
# A label × group cell is only judged when its expected count reaches this.
MIN_EXPECTED = 5


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
    values, seen = {}, {}
    for meta, _ in data.tasks.values():
        for key, v in meta.items():
            g = group_value(meta, key)
            if g is None:
                continue
            seen[key] = seen.get(key, 0) + 1
            vals = values.setdefault(key, set())
            if len(vals) <= MAX_GROUPS:
                vals.add(g)
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


def balance_report(data, p, fields, min_share=DEFAULT_MIN_SHARE):
    """{"fields": {field: {...groups...}}, "label_control": name, "min_share": x}."""
    control = label_control(p)
    out = {"min_share": min_share, "label_control": control, "fields": {}}
    for field in fields:
        out["fields"][field] = _field_balance(data, p, field, control, min_share)
    return out


def _field_balance(data, p, field, control, min_share):
    groups, missing = {}, 0
    overall = {}
    for tid, (meta, _) in data.tasks.items():
        g = group_value(meta, field)
        if g is None:
            missing += 1
            continue
        row = groups.setdefault(g, {"tasks": 0, "labeled": 0, "labels": {}})
        row["tasks"] += 1
        cons = p.consensus.get(tid)
        if cons is not None:
            row["labeled"] += 1
            unit = cons.get(control) if control else None
            if unit is not None:
                lab = str(unit.items)
                row["labels"][lab] = row["labels"].get(lab, 0) + 1
                overall[lab] = overall.get(lab, 0) + 1
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


def disaggregated(data, measures, fields):
    """Error rates per group and per intersection of two fields, for each measure.

    ``measures`` maps a name ("annotators_vs_gold", "model", ...) to [(user, task_id, score)];
    an outcome is an error when its score is below CORRECT_AT.
    """
    keyed = {name: [(tid, s < CORRECT_AT) for _, tid, s in outcomes] for name, outcomes in measures.items()}
    out = {"fields": {}, "intersections": []}
    for field in fields:
        out["fields"][field] = _table(keyed, lambda meta, f=field: group_value(meta, f), data)
    for f1, f2 in itertools.combinations(fields[:4], 2):
        def key(meta, f1=f1, f2=f2):
            a, b = group_value(meta, f1), group_value(meta, f2)
            return None if a is None or b is None else f"{a} × {b}"
        out["intersections"].append({"fields": [f1, f2], **_table(keyed, key, data)})
    return out


def _table(keyed, key, data):
    result = {}
    for name, outcomes in keyed.items():
        tally = {}
        for tid, wrong in outcomes:
            task = data.tasks.get(tid)
            g = key(task[0]) if task else None
            if g is not None:
                t = tally.setdefault(g, [0, 0])
                t[0] += wrong
                t[1] += 1
        result[name] = _rates(tally)
    return result


def _rates(tally):
    all_err, all_n = sum(t[0] for t in tally.values()), sum(t[1] for t in tally.values())
    groups = []
    for g, (err, n) in sorted(tally.items()):
        row = {"group": g, **rate(err, n)}
        rest_n = all_n - n
        rest_rate = (all_err - err) / rest_n if rest_n else None
        row["high_error"] = bool(n >= MIN_GROUP_N and rest_rate is not None and row["low"] is not None
                                 and row["low"] > rest_rate)
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
