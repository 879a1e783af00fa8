"""The HTTP server: the Label Studio ML-backend protocol in front of one model class.

Run it with gunicorn (``gunicorn 'ml_backend.server:create_app()'``) or ``python -m
ml_backend`` for development. Configuration, read here only:

- ``LABEL_ART_ML_MODEL``: a bundled model name (default ``image_classifier``) or ``module:Class``;
- ``LABEL_ART_ML_DATA_DIR``: where model versions live (default ``./ml-data``);
- ``LABEL_ART_ML_PARAMS``: JSON of hyper-parameters (epochs, lr, uncertainty...);
- ``BASIC_AUTH_USER`` / ``BASIC_AUTH_PASS``: require HTTP basic auth (Label Studio's names);
- ``LABEL_ART_ML_MEDIA_ROOT`` / ``LOCAL_FILES_DOCUMENT_ROOT``: a folder local media paths may name.

Protocol (see shared/REFERENCE.md): ``GET /health`` and ``GET /``, ``POST /setup``,
``POST /predict``, ``POST /webhook`` (and the older ``POST /train``). Annotations arriving by
webhook are kept per project; ``START_TRAINING`` (or ``/train``) fits a new version in a
background thread, so no request waits for training.
"""
import base64
import hmac
import importlib
import json
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, jsonify, request

from . import labeling
from .media import MediaError, MediaLoader, local_root_from_env
from .models import MODELS
from .store import ModelStore

log = logging.getLogger(__name__)

#: Annotations kept per project for training (the newest win).
MAX_EXAMPLES = 100_000
EXAMPLES_FILE = "examples.json"
SETUP_FILE = "setup.json"


def load_class(spec):
    """A bundled model by name, or ``package.module:Class``. Raises ValueError."""
    if spec in MODELS:
        return MODELS[spec]
    module, _, name = spec.partition(":")
    if not name:
        raise ValueError(f"LABEL_ART_ML_MODEL={spec!r} is neither {', '.join(MODELS)} nor module:Class")
    return getattr(importlib.import_module(module), name)


def project_key(project):
    """Label Studio names a project "<id>.<created_at>" in /setup and /predict but sends
    {"id": ...} in webhooks; the id alone keys the store so both meet."""
    if isinstance(project, dict):
        project = project.get("id", "")
    return str(project or "default").split(".")[0]


class Backend:
    """The model class, its data directory, and the per-project state the protocol needs."""

    def __init__(self, model_class, data_dir, params=None, media_root=None):
        self.model_class, self.data_dir = model_class, data_dir
        self.params, self.media_root = params or {}, media_root
        self.lock = threading.Lock()
        self.training = {}
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="train")
        self.futures = []

    def store(self, key):
        return ModelStore(self.data_dir, key)

    def model(self, project, label_config=None, extra=None):
        """A model for ``project``; raises labeling.ConfigMismatch / ValueError."""
        key = project_key(project)
        store = self.store(key)
        setup = store.read_json(SETUP_FILE, {})
        config = label_config or setup.get("schema")
        if not config:
            raise ValueError(f"project {key} has not been set up: POST /setup with its schema first")
        media = MediaLoader(setup.get("hostname", ""), setup.get("access_token", ""), self.media_root)
        params = {**self.params, **(setup.get("extra_params") or {}), **(extra or {})}
        return self.model_class(config, project=key, store=store, media=media, params=params)

    def remember_setup(self, body):
        key = project_key(body.get("project"))
        extra = body.get("extra_params") or {}
        if isinstance(extra, str):
            extra = json.loads(extra) if extra.strip() else {}
        state = {"schema": body.get("schema") or "", "hostname": body.get("hostname") or "",
                 "access_token": body.get("access_token") or "", "extra_params": extra}
        store = self.store(key)
        store.write_json(SETUP_FILE, state)
        os.chmod(store.dir / SETUP_FILE, 0o600)  # it holds the media token
        return key

    def add_examples(self, key, tasks):
        with self.lock:
            store = self.store(key)
            examples = store.read_json(EXAMPLES_FILE, {})
            for task in tasks:
                if isinstance(task, dict) and task.get("id") is not None:
                    examples[str(task["id"])] = task
            if len(examples) > MAX_EXAMPLES:
                examples = dict(list(examples.items())[-MAX_EXAMPLES:])
            store.write_json(EXAMPLES_FILE, examples)
            return len(examples)

    def start_training(self, project, label_config=None, event="START_TRAINING"):
        key = project_key(project)
        model = self.model(project, label_config)
        if not model.trainable:
            return {"status": "skipped", "reason": f"{model.name} does not train"}
        if self.training.get(key) == "running":
            return {"status": "already training"}
        self.training[key] = "running"
        tasks = list(self.store(key).read_json(EXAMPLES_FILE, {}).values())

        def run():
            try:
                self.training[key] = model.fit(event, {"tasks": tasks})
            except Exception as exc:  # the thread boundary: report it, keep serving
                log.exception("training project %s failed", key)
                self.training[key] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}

        self.futures = [f for f in self.futures if not f.done()] + [self.pool.submit(run)]
        return {"status": "training", "examples": len(tasks)}

    def wait(self, timeout=None):
        """Block until training started so far has finished (tests and shutdown)."""
        from concurrent.futures import wait

        wait(self.futures, timeout=timeout)


def _annotated_task(body):
    """A webhook's annotation folded into its task, as training wants it."""
    task, ann = dict(body.get("task") or {}), body.get("annotation") or {}
    if task.get("id") is None:
        task["id"] = ann.get("task")
    if ann:
        task["annotations"] = [ann]
    return task


def create_app(model=None, data_dir=None, params=None, basic_auth=None, media_root=None):
    """The Flask app. Arguments override the environment (tests pass them)."""
    spec = model or os.environ.get("LABEL_ART_ML_MODEL", "image_classifier")
    model_class = load_class(spec) if isinstance(spec, str) else spec
    params = params if params is not None else json.loads(os.environ.get("LABEL_ART_ML_PARAMS") or "{}")
    if basic_auth is None and os.environ.get("BASIC_AUTH_USER"):
        basic_auth = (os.environ["BASIC_AUTH_USER"], os.environ.get("BASIC_AUTH_PASS", ""))
    backend = Backend(model_class, data_dir or os.environ.get("LABEL_ART_ML_DATA_DIR", "ml-data"), params,
                      media_root or local_root_from_env())
    app = Flask(__name__)
    app.extensions["labelart_ml"] = backend

    @app.before_request
    def _auth():
        if not basic_auth:
            return None
        expected = "Basic " + base64.b64encode(f"{basic_auth[0]}:{basic_auth[1]}".encode()).decode()
        if hmac.compare_digest(request.headers.get("Authorization", ""), expected):
            return None
        resp = jsonify({"status": "error", "error": "authentication required"})
        resp.status_code = 401
        resp.headers["WWW-Authenticate"] = 'Basic realm="ml-backend"'
        return resp

    def body():
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ValueError("send a JSON object")
        return data

    @app.errorhandler(ValueError)
    def _bad(exc):
        # ConfigMismatch and MediaError are ValueErrors too: the caller sent something unusable.
        return jsonify({"status": "error", "error": str(exc)}), 400

    @app.route("/", methods=["GET"])
    @app.route("/health", methods=["GET"])
    def health():
        return jsonify({"status": "UP", "model_class": model_class.__name__, "model_name": model_class.name})

    @app.route("/setup", methods=["POST"])
    def setup():
        data = body()
        labeling.find(data.get("schema") or "", model_class.SHAPES)
        key = backend.remember_setup(data)
        return jsonify({"model_version": backend.model(key).setup()})

    @app.route("/predict", methods=["POST"])
    def predict():
        data = body()
        tasks = data.get("tasks")
        if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
            raise ValueError("tasks must be a list of task objects")
        params = data.get("params") or {}
        m = backend.model(data.get("project"), data.get("label_config"))
        try:
            results = m.predict(tasks, context=params.get("context"))
        except MediaError as exc:
            raise ValueError(str(exc)) from exc
        return jsonify({"results": results, "model_version": m.model_version})

    @app.route("/webhook", methods=["POST"])
    def webhook():
        data = body()
        action = data.get("action")
        project = data.get("project") or {}
        config = project.get("label_config") if isinstance(project, dict) else None
        if action in ("ANNOTATION_CREATED", "ANNOTATION_UPDATED"):
            count = backend.add_examples(project_key(project), [_annotated_task(data)])
            return jsonify({"status": "ok", "result": {"examples": count}}), 201
        if action == "START_TRAINING":
            # Label.Art sends the annotated tasks along; Label Studio backends fetch them.
            if isinstance(data.get("tasks"), list):
                backend.add_examples(project_key(project), data["tasks"])
            return jsonify({"status": "ok", "result": backend.start_training(project, config)}), 201
        return jsonify({"status": "Unknown event"}), 200

    @app.route("/train", methods=["POST"])
    def train():
        data = body()
        annotations = data.get("annotations")
        if not isinstance(annotations, list) or not annotations:
            raise ValueError("annotations must be a non-empty list")
        key = project_key(data.get("project"))
        tasks = []
        for ann in annotations:
            task = dict(ann.get("task") or {}) if isinstance(ann.get("task"), dict) else {"id": ann.get("task")}
            task["annotations"] = [ann]
            tasks.append(task)
        backend.add_examples(key, tasks)
        return jsonify({"status": "ok", "job": backend.start_training(key, data.get("label_config"))}), 201

    @app.route("/is_training", methods=["GET"])
    def is_training():
        state = backend.training.get(project_key(request.args.get("project")))
        return jsonify({"is_training": state == "running", "last": state if isinstance(state, dict) else None})

    return app
