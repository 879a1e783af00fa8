"""Install the labeling editor: Label Studio Frontend 1.8.0, taken from the label-studio wheel.

Why the wheel: npm's ``@heartexlabs/label-studio`` stops at 1.4.0 as a working package (its
1.8.0 holds no build), and 1.4.0 has no ``<VideoRectangle>`` (video object tracking). The
label-studio 1.8.0 wheel on PyPI carries the 1.8.0 editor build. pip downloads it, checked
against the hash in ``requirements-editor.txt``, and only the editor's files are unpacked
(no source maps). Nothing of Label Studio's server is installed.

    python -m worker.web.editor_install [--dest DIR]

Safe to repeat: an installed build of the same version is left as it is.
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .lsf import EDITOR_DIR

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "requirements-editor.txt"
VERSION = "1.8.0"
PREFIX = "label_studio/frontend/dist/lsf/"
MARKER = "labelart-editor.json"


class EditorInstallError(Exception):
    """The editor could not be downloaded or unpacked; the message says which step failed."""


def installed_version(dest):
    try:
        return json.loads((Path(dest) / MARKER).read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def unpack(wheel, dest):
    """Copy the editor's files out of ``wheel`` into ``dest`` (replaced whole, never half-written)."""
    dest = Path(dest)
    staging = Path(tempfile.mkdtemp(prefix=".lsf-", dir=dest.parent))
    staging.chmod(0o755)  # mkdtemp makes it 0700; the web server's user must read it
    try:
        with zipfile.ZipFile(wheel) as zf:
            names = [n for n in zf.namelist()
                     if n.startswith(PREFIX) and not n.endswith((".map", "/"))]
            if not any(n.endswith("js/main.js") for n in names):
                raise EditorInstallError(f"{wheel} holds no editor build under {PREFIX}")
            for name in names:
                rel = Path(name[len(PREFIX):])
                if rel.is_absolute() or ".." in rel.parts:
                    raise EditorInstallError(f"unsafe path in the wheel: {name}")
                target = staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(name) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
        (staging / MARKER).write_text(json.dumps({"version": VERSION, "from": Path(wheel).name}) + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return dest


def download(workdir):
    """The wheel, fetched by pip with its hash checked; returns its path."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes", "--disable-pip-version-check",
           "-r", str(REQUIREMENTS), "-d", str(workdir)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise EditorInstallError("pip could not download the editor (label-studio wheel): "
                                 + (done.stderr.strip().splitlines() or ["no output"])[-1])
    wheels = sorted(Path(workdir).glob("label_studio-*.whl"))
    if not wheels:
        raise EditorInstallError(f"pip downloaded no label-studio wheel into {workdir}")
    return wheels[0]


def install(dest=EDITOR_DIR):
    """Install the editor into ``dest`` unless this version is there; returns True if it installed."""
    dest = Path(dest)
    if installed_version(dest) == VERSION and (dest / "js" / "main.js").is_file():
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lsf-wheel-") as workdir:
        print(f"Downloading the labeling editor (Label Studio Frontend {VERSION}, from the label-studio wheel)...",
              flush=True)
        unpack(download(workdir), dest)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dest", default=str(EDITOR_DIR), help=f"where to put the build (default {EDITOR_DIR})")
    args = parser.parse_args(argv)
    try:
        changed = install(args.dest)
    except EditorInstallError as exc:
        sys.exit(f"error: {exc}")
    print(f"Labeling editor {VERSION} {'installed in' if changed else 'already in'} {args.dest}")


if __name__ == "__main__":
    main()
