"""Where the Label Studio Frontend build is: vendor/lsf after `make setup` (never committed).

`make setup` runs worker/web/editor_install.py, which unpacks the 1.8.0 editor from the
label-studio wheel (npm has no working build past 1.4.0, which lacks <VideoRectangle>).
"""
from pathlib import Path

#: Where `make setup` (python -m worker.web.editor_install) unpacks the editor.
EDITOR_DIR = Path(__file__).resolve().parents[2] / "vendor" / "lsf"


def lsf_dir(app):
    """The editor's build folder (css/, js/), or None when it is not installed.

    ``LSF_BUILD_DIR`` in the app config points elsewhere (a packaged install)."""
    configured = app.config.get("LSF_BUILD_DIR")
    root = Path(configured) if configured else EDITOR_DIR
    return root if (root / "js" / "main.js").is_file() else None
