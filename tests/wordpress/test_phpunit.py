"""PHP-level tests of the plugin's classes: Debian's ``phpunit`` runs wordpress-plugin/tests/
against the same throwaway WordPress and MariaDB database as the other tests here (the ``site``
fixture of conftest.py), bootstrapping the real WordPress through its wp-load.php.
"""
import os
import re
import shutil
import subprocess

import pytest

from .conftest import PLUGIN, ROOT

CONFIG = PLUGIN / "tests" / "phpunit.xml"


def test_plugin_classes_under_phpunit(site):
    if not shutil.which("phpunit"):
        pytest.skip("Debian's phpunit is not installed (apt-get install phpunit)")
    # Earlier tests in the session may have run the plugin's uninstall: activate again (idempotent).
    site.php("Label_Art_Activator::activate(); echo wp_json_encode( get_option( 'label_art_schema_version' ) );")
    out = subprocess.run(["phpunit", "-c", str(CONFIG), "--do-not-cache-result"], cwd=ROOT,
                         env={**os.environ, "LABELART_WP_SITE": str(site.path), "LABELART_WP_URL": site.url},
                         capture_output=True, text=True, timeout=300)
    report = out.stdout[-6000:] + out.stderr[-2000:]
    assert out.returncode == 0, report
    ran = re.search(r"OK \((\d+) tests?, (\d+) assertions?\)", out.stdout)
    assert ran and int(ran.group(1)) >= 15, report
    print(ran.group(0))
