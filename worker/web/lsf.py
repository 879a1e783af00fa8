"""Where the Label Studio Frontend build is: node_modules after `npm ci` (never committed)."""
from pathlib import Path

LSF_PACKAGE = "@heartexlabs/label-studio"


def lsf_dir(app):
    """The build/static folder of the editor, or None when `npm ci` has not run.

    ``LSF_BUILD_DIR`` in the app config points elsewhere (a packaged install)."""
    configured = app.config.get("LSF_BUILD_DIR")
    root = Path(configured) if configured else \
        Path(__file__).resolve().parents[2] / "node_modules" / LSF_PACKAGE / "build" / "static"
    return root if (root / "js" / "main.js").is_file() else None
