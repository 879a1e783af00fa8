"""JSON_CONSENSUS: Label Studio's JSON with one merged "consensus" annotation per task in place
of the raw annotations (``worker.quality.consensus``: weighted majority vote for choices, region
fusion for boxes and spans, the medoid answer for notes, chords and beats).

Votes are weighted by each annotator's accuracy against gold when the project has gold tasks.
The consensus annotation has ``completed_by: null``, ``consensus_of`` (the merged annotation
ids) and ``agreement`` (mean pairwise agreement of those annotations, null below two).
Predictions are passed through unchanged.
"""
import orjson

from ..quality.agreement import ann_score
from ..quality.consensus import consensus_result
from ..quality.extract import extract

NAME = "JSON_CONSENSUS"
EXT = "json"
MIMETYPE = "application/json"
BATCH = 500


def check(config):
    """Every project can be exported with consensus annotations."""


def write(tasks, config=None, project=None):
    weights = _weights(project)
    yield b"["
    first, buf = True, []
    for task in tasks:
        piece = orjson.dumps(consensus_task(task, weights))
        buf.append(piece if first else b"," + piece)
        first = False
        if len(buf) >= BATCH:
            yield b"\n".join(buf)
            buf = []
    if buf:
        yield b"\n".join(buf)
    yield b"]"


def consensus_task(task, weights):
    """``task`` (a decoded export dict) with its annotations replaced by their consensus."""
    anns = [a for a in task.get("annotations") or () if not a.get("was_cancelled")]
    out = {k: v for k, v in task.items() if k != "annotations"}
    if not anns:
        out["annotations"] = []
        return out
    ws = [weights.get(a.get("completed_by"), weights.get(None, 1.0)) for a in anns]
    units = [extract(a.get("result") or []) for a in anns]
    scores = [ann_score(units[i], units[j]) for i in range(len(units)) for j in range(i + 1, len(units))]
    out["annotations"] = [{
        "id": None, "completed_by": None, "was_cancelled": False, "ground_truth": False,
        "result": consensus_result([a.get("result") or [] for a in anns], ws),
        "consensus_of": [a.get("id") for a in anns],
        "agreement": round(sum(scores) / len(scores), 4) if scores else None,
        "task": task.get("id"), "project": task.get("project"),
    }]
    return out


def _weights(project):
    """{user_id: weight} from gold answers, {None: default}; plain majority without gold."""
    if not project or not project.get("id"):
        return {}
    from ..extensions import db
    from ..models import Project
    from ..quality.agreement import gold_outcomes, weights_from_gold
    from ..quality.data import load_gold

    row = db.session.get(Project, project["id"])
    if row is None:
        return {}
    weights, default = weights_from_gold(gold_outcomes(load_gold(db.engine, row)))
    return {**weights, None: default}
