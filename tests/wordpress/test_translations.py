"""All of the plugin's strings are translatable in the label-art text domain, and the .pot
template lists them as they are now (scripts/make-pot.sh regenerates it with GNU xgettext)."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "wordpress-plugin"
POT = PLUGIN / "languages" / "label-art.pot"

# A translation call with a literal string: its text domain is the last literal argument.
CALL = re.compile(r"\b(__|_e|esc_html__|esc_html_e|esc_attr__|esc_attr_e|_x|_ex|esc_html_x|esc_attr_x|_n|_nx)"
                  r"\(\s*'(?:[^'\\]|\\.)*'((?:\s*,\s*(?:'(?:[^'\\]|\\.)*'|\$?[\w>\-\[\]']+))*)\s*\)")


def php_files():
    return [p for p in PLUGIN.rglob("*.php") if "tests" not in p.relative_to(PLUGIN).parts]


def msgids(text):
    """The msgids of a .po/.pot file (continuation lines joined), header excluded."""
    ids, current = set(), None
    for line in text.splitlines() + [""]:
        if line.startswith("msgid "):
            current = line[6:].strip()[1:-1]
        elif current is not None and line.startswith('"'):
            current += line.strip()[1:-1]
        else:
            if current:
                ids.add(current)
            current = None
    return ids


def test_every_translation_call_names_the_label_art_domain():
    wrong = []
    for path in php_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in CALL.finditer(line):
                domain = re.findall(r"'((?:[^'\\]|\\.)*)'", match.group(2))
                if not domain or domain[-1] != "label-art":
                    wrong.append(f"{path.relative_to(PLUGIN)}:{number}: {match.group(0)[:80]}")
    assert not wrong, "translation calls without the label-art domain:\n" + "\n".join(wrong)


def test_the_pot_lists_every_string_as_the_code_has_it(tmp_path):
    if not shutil.which("xgettext"):
        pytest.skip("xgettext is not installed (apt-get install gettext; make test-services does it as root)")
    fresh = tmp_path / "label-art.pot"
    subprocess.run(["bash", str(ROOT / "scripts" / "make-pot.sh"), str(fresh)], check=True, capture_output=True,
                   timeout=120)
    committed, current = msgids(POT.read_text(encoding="utf-8")), msgids(fresh.read_text(encoding="utf-8"))
    assert len(current) > 100
    assert committed == current, ("languages/label-art.pot is stale: run scripts/make-pot.sh "
                                  f"(missing {sorted(current - committed)[:5]}, gone {sorted(committed - current)[:5]})")
