"""The community jobs: the team-thread line for a finished training run, and the XML-RPC client's timeout."""
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


def test_a_silent_site_times_out_instead_of_holding_the_worker():
    """A listener that accepts the connection and never answers: the client gives up."""
    import socket
    import time

    from worker.services import wordpress

    with socket.create_server(("127.0.0.1", 0)) as silent:
        start = time.monotonic()
        with pytest.raises(OSError):
            wordpress.client(f"http://127.0.0.1:{silent.getsockname()[1]}/xmlrpc.php", "svc", "pw", timeout=1)
        assert time.monotonic() - start < 10
