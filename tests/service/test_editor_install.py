"""Unpacking the editor from the label-studio wheel (worker/web/editor_install.py).

`make setup` downloads the real wheel; these tests build small wheels to check what is taken,
what is refused, and that a failed unpack leaves the installed editor as it was."""
import json
import zipfile

import pytest

from worker.web import editor_install as ei


def wheel(tmp_path, files):
    path = tmp_path / "label_studio-1.8.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def test_takes_the_editor_build_and_nothing_else(tmp_path):
    src = wheel(tmp_path, {ei.PREFIX + "js/main.js": "window.LabelStudio = 1;", ei.PREFIX + "js/main.js.map": "{}",
                           ei.PREFIX + "css/main.css": "body{}", "label_studio/server.py": "print()"})
    dest = ei.unpack(src, tmp_path / "lsf")
    files = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert files == ["css/main.css", "js/main.js", ei.MARKER]
    assert ei.installed_version(dest) == ei.VERSION
    assert json.loads((dest / ei.MARKER).read_text())["from"] == src.name
    assert oct(dest.stat().st_mode & 0o777) == "0o755"


@pytest.mark.parametrize("files, needle", [
    ({"label_studio/other.js": "x"}, "holds no editor build"),
    ({ei.PREFIX + "js/main.js": "x", ei.PREFIX + "../../../../evil.js": "x"}, "unsafe path"),
])
def test_a_bad_wheel_is_refused_and_the_installed_editor_kept(tmp_path, files, needle):
    good = ei.unpack(wheel(tmp_path, {ei.PREFIX + "js/main.js": "good"}), tmp_path / "lsf")
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    with pytest.raises(ei.EditorInstallError, match=needle):
        ei.unpack(wheel(bad_dir, files), good)
    assert (good / "js" / "main.js").read_text() == "good"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".lsf-")] == []


def test_an_installed_editor_is_not_downloaded_again(tmp_path):
    dest = ei.unpack(wheel(tmp_path, {ei.PREFIX + "js/main.js": "x"}), tmp_path / "lsf")
    assert ei.install(dest) is False
    assert (dest / "js" / "main.js").read_text() == "x"  # a download would have replaced it
