"""The team-thread line for a finished training run (worker/jobs/community.py)."""
import pytest

from worker.jobs.community import configured, training_message
from worker.models import TrainingRun


@pytest.mark.parametrize("metrics, line", [
    ('{"accuracy": 0.913, "held_out": 10}', "Model m.v3 trained on 40 annotations: 91% accuracy on 10 held-out tasks"),
    ('{"map50": 0.854}', "Model m.v3 trained on 40 annotations: 85% mAP@0.5"),
    ('{"status": "ok"}', "Model m.v3 trained on 40 annotations"),
    ('{"accuracy": true}', "Model m.v3 trained on 40 annotations"),
])
def test_the_line_names_the_version_the_data_and_one_headline_metric(metrics, line):
    run = TrainingRun(model_version="m.v3", annotation_count=40, metrics=metrics)
    assert training_message(run) == line


def test_nothing_is_announced_without_the_site_and_its_account():
    assert not configured({"WP_XMLRPC_URL": "", "WP_XMLRPC_USER": "svc"})
    assert not configured({"WP_XMLRPC_URL": "http://wp.test/xmlrpc.php", "WP_XMLRPC_USER": ""})
    assert configured({"WP_XMLRPC_URL": "http://wp.test/xmlrpc.php", "WP_XMLRPC_USER": "svc"})
