"""Model → Label Studio JSON shapes."""
import orjson

from ..jsonio import iso


def project_dict(p, role=None):
    return {
        "id": p.id, "title": p.title, "description": p.description, "label_config": p.label_config,
        "expert_instruction": p.expert_instruction, "maximum_annotations": p.overlap,
        "overlap": p.overlap, "sampling": p.sampling, "show_skip_button": p.show_skip_button,
        "color": p.color, "created_by": p.created_by_id, "created_at": iso(p.created_at),
        "updated_at": iso(p.updated_at), "task_number": p.task_count, "my_role": role,
        "gold_rate": p.gold_rate, "balance_field": p.balance_field, "review_threshold": p.review_threshold,
    }


def annotation_dict(a):
    return {
        "id": a.id, "task": a.task_id, "project": a.project_id, "completed_by": a.completed_by,
        "result": orjson.loads(a.result), "was_cancelled": a.was_cancelled,
        "ground_truth": a.ground_truth, "lead_time": a.lead_time,
        "parent_prediction": a.parent_prediction,
        "created_at": iso(a.created_at), "updated_at": iso(a.updated_at),
    }


def prediction_dict(p):
    return {
        "id": p.id, "task": p.task_id, "project": p.project_id, "result": orjson.loads(p.result),
        "score": p.score, "model_version": p.model_version,
        "created_at": iso(p.created_at), "updated_at": iso(p.updated_at),
    }


def task_dict(t, annotations=None, predictions=None):
    out = {
        "id": t.id, "inner_id": t.inner_id, "project": t.project_id, "data": orjson.loads(t.data),
        "meta": orjson.loads(t.meta) if t.meta else {}, "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at), "is_labeled": t.is_labeled,
        "total_annotations": t.total_annotations, "cancelled_annotations": t.cancelled_annotations,
        "total_predictions": t.total_predictions,
    }
    if annotations is not None:
        out["annotations"] = [annotation_dict(a) for a in annotations]
    if predictions is not None:
        out["predictions"] = [prediction_dict(p) for p in predictions]
    return out
