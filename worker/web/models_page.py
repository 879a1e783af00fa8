"""The model panel (/projects/{id}/models): attached backends, their versions and training
history with held-out accuracy, a learning curve, and predict-all / train-now with progress.

The page is rendered on the server (the chart is inline SVG built here, no chart library);
its small script only calls the REST API with the session's CSRF token and polls jobs.
"""
from sqlalchemy import select

from ..models import MLBackend, TrainingRun
from ..extensions import db
from ..services import ml as svc
from .common import login_required, page_project, render_page
from . import web_bp

#: Chart size in SVG user units (it scales with the page).
CHART_W, CHART_H, PAD = 560, 220, 36


def learning_curve(runs):
    """Points and axes for held-out accuracy against the number of annotations trained on."""
    points = [(r["annotation_count"], r["metrics"].get("accuracy")) for r in reversed(runs)
              if r["status"] == "completed" and r["metrics"].get("accuracy") is not None]
    if not points:
        return None
    top = max(n for n, _ in points) or 1
    def xy(n, acc):
        return (round(PAD + (CHART_W - 2 * PAD) * n / top, 1), round(CHART_H - PAD - (CHART_H - 2 * PAD) * acc, 1))
    coords = [xy(n, a) for n, a in points]
    return {"w": CHART_W, "h": CHART_H, "pad": PAD, "top": top,
            "path": " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(coords)),
            "dots": [{"x": x, "y": y, "n": n, "acc": round(a * 100, 1)} for (x, y), (n, a) in zip(coords, points)],
            "grid": [{"y": xy(0, g)[1], "label": f"{int(g * 100)}%"} for g in (0, 0.25, 0.5, 0.75, 1.0)]}


@web_bp.route("/projects/<int:project_id>/models")
@login_required
def models_page(project_id):
    project, role = page_project(project_id, "manager")
    backends = []
    for b in db.session.execute(select(MLBackend).where(MLBackend.project_id == project.id)
                                .order_by(MLBackend.id)).scalars():
        runs = [svc.run_dict(r) for r in db.session.execute(
            select(TrainingRun).where(TrainingRun.ml_backend_id == b.id).order_by(TrainingRun.id.desc())
            .limit(200)).scalars()]
        backends.append({"b": svc.backend_dict(b), "runs": runs, "curve": learning_curve(runs)})
    models = svc.bundled_models(project.label_config)
    page = {"project": project.id, "backends": [x["b"]["id"] for x in backends]}
    return render_page("models.html", project=project, role=role, active="models", backends=backends,
                       models=models, page=page, total_annotations=project.total_annotations,
                       methods=("least_confidence", "margin", "entropy"))
