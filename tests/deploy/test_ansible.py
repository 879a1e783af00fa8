"""ansible/site.yml against this very machine (connection local, as root, as in CI), then a smoke
suite through Apache, a second run that changes nothing, ansible-lint, and a backup/restore
round trip. Later tests build on earlier ones (one deployment per module), so run with -x.

Every server the playbook sets up listens on 127.0.0.1 on ports of its own
(``ansible-localhost.yml``), next to the test suite's own MariaDB, which the playbook only adds
databases and users to. ``make test-deploy`` installs ansible-core and ansible-lint into
``.venv-deploy`` (``requirements-deploy.txt``).
"""
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE = ROOT / "ansible"
DEPLOY_BIN = ROOT / ".venv-deploy" / "bin"
EXTRA_VARS = Path(__file__).parent / "ansible-localhost.yml"
SECRETS = ANSIBLE / "secrets" / "single-host"
BASE = "http://127.0.0.1:8480"
SERVICE = BASE + "/label"
ML_BACKEND = "http://127.0.0.1:8492"
#: A playbook run on a machine that has the packages takes a few minutes; the first one on a
#: fresh machine also builds the service's venv (torch) and installs Debian packages.
PLAYBOOK_TIMEOUT = 1500
CONFIG = ('<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text">'
          '<Choice value="positive"/><Choice value="negative"/></Choices></View>')
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)

pytestmark = pytest.mark.slow


def _skip_reason():
    if not Path("/etc/debian_version").exists():
        return "the playbook targets Debian 12"
    if os.geteuid() != 0:
        return "needs root: the playbook installs packages and configures services on this machine (CI runs as root)"
    if not (DEPLOY_BIN / "ansible-playbook").exists():
        return "ansible is not installed: `make test-deploy` installs requirements-deploy.txt into .venv-deploy"
    return None


def playbook(name, *extra, timeout=PLAYBOOK_TIMEOUT):
    """Run ``ansible/<name>`` on the single-host inventory; return (exit status, output)."""
    env = {**os.environ, "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_FORCE_COLOR": "0", "PYTHONUNBUFFERED": "1"}
    for key in ("DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV"):
        env.pop(key, None)
    cmd = [str(DEPLOY_BIN / "ansible-playbook"), "-i", str(ANSIBLE / "inventories" / "single-host"),
           str(ANSIBLE / name), "-e", f"@{EXTRA_VARS}", *extra]
    out = subprocess.run(cmd, cwd=ANSIBLE, env=env, capture_output=True, text=True, timeout=timeout)
    return out.returncode, out.stdout + out.stderr


def recap(output):
    """{host: {"ok", "changed", "unreachable", "failed"}} from the PLAY RECAP."""
    return {m[0]: dict(zip(("ok", "changed", "unreachable", "failed"), map(int, m[1:])))
            for m in RECAP.findall(output)}


def changed_tasks(output):
    """Names of the tasks that reported a change (for a readable failure message)."""
    names, current = [], None
    for line in output.splitlines():
        if line.startswith(("TASK [", "RUNNING HANDLER [")):
            current = line.split("[", 1)[1].rsplit("]", 1)[0]
        elif line.startswith("changed:") and current:
            names.append(current)
    return names


def secret(name):
    return (SECRETS / name).read_text().split()[0]


def admin_token():
    """The service admin's API token (group_vars lower-cases the generated hex)."""
    return secret("labelart-admin-token").lower()


def php_str(value):
    """A PHP single-quoted literal (no $variable interpolation, unlike JSON's double quotes)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def wp_php(code):
    out = subprocess.run(["php", str(Path(__file__).parent / "wp_eval.php"), "127.0.0.1:8480", code],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr + out.stdout
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def deployment():
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    # Deploy one fixed commit: others may commit while this runs, and a new HEAD between the two
    # runs would (rightly) be a change.
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                         check=True).stdout.strip()
    started = time.monotonic()
    rc, output = playbook("site.yml", "-e", f"labelart_source_version={sha}")
    assert rc == 0, output[-6000:]
    assert recap(output)["localhost"]["failed"] == 0
    return {"sha": sha, "first_run_s": time.monotonic() - started}


@pytest.mark.parametrize("inventory", ["single-host", "multi-host"])
def test_inventories_parse_and_playbooks_pass_syntax_check(inventory):
    """Needs no root: both inventories load and every playbook is valid against them."""
    if not (DEPLOY_BIN / "ansible-playbook").exists():
        pytest.skip("ansible is not installed: `make test-deploy` installs requirements-deploy.txt into .venv-deploy")
    env = {**os.environ, "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg")}
    graph = subprocess.run([str(DEPLOY_BIN / "ansible-inventory"), "-i", str(ANSIBLE / "inventories" / inventory),
                            "--graph"], cwd=ANSIBLE, env=env, capture_output=True, text=True, timeout=120)
    assert graph.returncode == 0, graph.stderr
    for group in ("labelart_db", "labelart_redis", "labelart_web", "labelart_workers", "labelart_ml"):
        assert f"@{group}:" in graph.stdout, group
    for name in ("site.yml", "backup.yml", "restore.yml"):
        out = subprocess.run([str(DEPLOY_BIN / "ansible-playbook"), "-i", str(ANSIBLE / "inventories" / inventory),
                              name, "--syntax-check"], cwd=ANSIBLE, env=env, capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr


def wait_for(url, timeout=60, **kwargs):
    deadline = time.monotonic() + timeout
    while True:
        try:
            r = requests.get(url, timeout=5, **kwargs)
            if r.status_code == 200:
                return r
        except requests.RequestException:  # refused, or reset or slow while uWSGI starts
            pass
        assert time.monotonic() < deadline, f"{url} did not answer 200"
        time.sleep(1)


def test_the_stack_is_up_through_apache(deployment):
    front = wait_for(BASE + "/")
    assert "Label.Art community" in front.text
    health = wait_for(SERVICE + "/api/health").json()
    assert health == {"status": "UP", "database": "UP", "queue": "UP"}
    # uWSGI, the RQ workers and the ML backend run as the labelart user, under Supervisor.
    status = subprocess.run(["supervisorctl", "status"], capture_output=True, text=True).stdout
    for program in ("labelart-web", "labelart-worker:labelart-worker-00", "labelart-worker:labelart-worker-01",
                    "labelart-ml"):
        assert re.search(rf"^{re.escape(program)}\s+RUNNING", status, re.M), status
    assert requests.get(ML_BACKEND + "/health", timeout=10).status_code == 401  # basic auth required
    # The labeling editor (unpacked from the label-studio wheel by the role) is served, with nosniff.
    editor = requests.get(SERVICE + "/static/lsf/js/main.js", timeout=30)
    assert editor.status_code == 200 and len(editor.content) > 1_000_000
    assert editor.headers["X-Content-Type-Options"] == "nosniff"
    # Redis answers only with its password; the service reaches it with the generated one.
    redis_cli = ["redis-cli", "-h", "127.0.0.1", "-p", "6390"]
    assert "NOAUTH" in subprocess.run(redis_cli + ["ping"], capture_output=True, text=True).stdout
    authed = subprocess.run(redis_cli + ["--no-auth-warning", "-a", secret("redis"), "ping"],
                            capture_output=True, text=True).stdout
    assert authed.strip() == "PONG"


def test_smoke_wordpress_sso_import_annotate_predict_export(deployment):
    """The whole path a community member and a script take, all through Apache."""
    title = f"Deployed reviews {secrets.token_hex(3)}"
    mod_password = secrets.token_urlsafe(12)
    made = wp_php(f"""
        $user = get_user_by( 'login', 'deploy-mod' );
        $uid = $user ? $user->ID : wp_insert_user( array( 'user_login' => 'deploy-mod', 'user_pass' => 'x',
            'user_email' => 'deploy-mod@example.test', 'display_name' => 'Deploy Moderator', 'role' => 'labelart_moderator' ) );
        wp_set_password( {php_str(mod_password)}, $uid );
        wp_set_current_user( $uid );
        $post = wp_insert_post( array( 'post_type' => 'labelart_project', 'post_status' => 'publish',
            'post_title' => {php_str(title)}, 'post_content' => 'Tell positive reviews from negative ones.' ) );
        update_post_meta( $post, Label_Art_Project_Type::META_CONFIG, {php_str(CONFIG)} );
        $sid = Label_Art_Project_Type::sync( $post );
        echo wp_json_encode( array( 'post' => $post, 'sid' => is_wp_error( $sid ) ? $sid->get_error_message() : $sid ) );
    """)
    post, sid = made["post"], made["sid"]
    assert isinstance(sid, int), f"the plugin could not create the service project: {sid}"

    # The moderator signs in to WordPress and opens the project page.
    member = requests.Session()
    member.get(BASE + "/wp-login.php")
    r = member.post(BASE + "/wp-login.php", data={"log": "deploy-mod", "pwd": mod_password, "wp-submit": "Log In",
                                                  "testcookie": "1", "redirect_to": BASE + "/wp-admin/"},
                    allow_redirects=False)
    assert r.status_code == 302, r.text[:500]
    page = member.get(f"{BASE}/?p={post}")
    assert page.status_code == 200 and title in page.text
    link = re.search(r'href="([^"]+action=label_art_sso[^"]+)"', page.text).group(1)
    link = link.replace("&amp;", "&").replace("&#038;", "&")

    # "Start labeling": WordPress signs a token, the service under /label/ opens a session and
    # sends the browser to the project's workspace, still under /label/.
    r = member.get(link, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].startswith(SERVICE + "/sso?token="), r.headers
    browser = requests.Session()
    r = browser.get(r.headers["Location"], allow_redirects=False)
    assert r.status_code == 302, r.text[:500]
    assert r.headers["Location"] in (f"/label/projects/{sid}/label", f"{SERVICE}/projects/{sid}/label")
    workspace = browser.get(BASE + r.headers["Location"].removeprefix(BASE))
    assert workspace.status_code == 200 and title in workspace.text
    assert "/label/static/js/app.js" in workspace.text
    assert not re.search(r'(href|src|action)="/(?!label/)', workspace.text), "a link escapes the /label/ prefix"
    assert browser.get(f"{SERVICE}/api/projects/{sid}").json()["title"] == title

    # A script imports tasks and annotates with the admin's API token (the plugin's service key).
    api = requests.Session()
    api.headers["Authorization"] = f"Token {admin_token()}"
    labeled = {"I love this song": "positive", "Beautiful voice, lovely melody": "positive",
               "What a wonderful record": "positive", "Great groove, I love it": "positive",
               "Terrible mix, harsh highs": "negative", "Too long and boring": "negative",
               "Awful singing, I hate it": "negative", "Bad recording, muddy and dull": "negative"}
    unlabeled = ["A lovely and wonderful tune", "Boring, awful noise"]
    r = api.post(f"{SERVICE}/api/projects/{sid}/import", json=[{"text": t} for t in [*labeled, *unlabeled]])
    assert r.status_code in (200, 201), r.text
    tasks = api.get(f"{SERVICE}/api/tasks", params={"project": sid}).json()["tasks"]
    assert sorted(t["data"]["text"] for t in tasks) == sorted([*labeled, *unlabeled])
    for task in tasks:
        if task["data"]["text"] in labeled:
            result = [{"from_name": "sentiment", "to_name": "text", "type": "choices",
                       "value": {"choices": [labeled[task["data"]["text"]]]}}]
            r = api.post(f"{SERVICE}/api/tasks/{task['id']}/annotations", json={"result": result})
            assert r.status_code == 201, r.text

    # The deployed ML backend answers the service (health and setup, with its basic auth).
    r = api.post(f"{SERVICE}/api/ml", json={
        "project": sid, "url": ML_BACKEND, "title": "deployed backend", "auth_method": "BASIC_AUTH",
        "basic_auth_user": "labelart", "basic_auth_pass": secret("ml-backend")})
    assert r.status_code == 201 and r.json()["state"] == "CONNECTED", r.text

    # The bundled text model trains and predicts in the RQ workers.
    r = api.post(f"{SERVICE}/api/ml", json={"project": sid, "model_name": "text_classifier"})
    assert r.status_code == 201, r.text
    bundled = r.json()["id"]
    r = api.post(f"{SERVICE}/api/ml/{bundled}/train")
    assert r.status_code == 202, r.text
    assert wait_job(api, sid, r.json()["job"]["id"])["status"] == "completed"
    # The finished run is announced in the project's team thread, over XML-RPC as the service's
    # WordPress account (an RQ job on the webhooks queue).
    announced = []
    deadline = time.monotonic() + 120
    while not announced and time.monotonic() < deadline:
        announced = wp_php(f"""global $wpdb;
            echo wp_json_encode( $wpdb->get_results( $wpdb->prepare(
                "SELECT m.body, u.user_login FROM {{$wpdb->prefix}}labelart_messages m JOIN {{$wpdb->users}} u ON u.ID = m.sender_id
                 WHERE m.project_id = %d AND m.body LIKE %s", {post}, 'Model text_classifier%' ), ARRAY_A ) );""")
        time.sleep(0 if announced else 2)
    assert announced, "no training announcement reached the team thread"
    assert announced[0]["user_login"] == "labelart-service" and "trained on 8 annotations" in announced[0]["body"]
    target = [t["id"] for t in tasks if t["data"]["text"] in unlabeled]
    r = api.post(f"{SERVICE}/api/projects/{sid}/ml/predict", json={"task_ids": target, "backend": bundled})
    assert r.status_code == 202, r.text
    job = r.json()
    assert wait_job(api, sid, (job.get("job") or job)["id"])["status"] == "completed"
    for task_id in target:
        predicted = api.get(f"{SERVICE}/api/tasks/{task_id}").json()["predictions"]
        assert predicted and predicted[-1]["result"][0]["value"]["choices"][0] in ("positive", "negative"), predicted

    # The export downloads through Apache with the annotations in it.
    r = api.get(f"{SERVICE}/api/projects/{sid}/export", params={"exportType": "JSON"})
    assert r.status_code == 200 and "attachment" in r.headers.get("Content-Disposition", "")
    exported = {t["data"]["text"]: t["annotations"][0]["result"][0]["value"]["choices"] for t in r.json()}
    assert exported == {text: [label] for text, label in labeled.items()}


def wait_job(api, project_id, job_id, timeout=180):
    """Poll an ML job until it is no longer queued or running; return its last state."""
    deadline = time.monotonic() + timeout
    while True:
        state = api.get(f"{SERVICE}/api/projects/{project_id}/ml/jobs/{job_id}").json()
        if state.get("status") not in ("queued", "running", "started") or time.monotonic() > deadline:
            return state
        time.sleep(1)


def test_second_run_changes_nothing(deployment):
    rc, output = playbook("site.yml", "-e", f"labelart_source_version={deployment['sha']}")
    assert rc == 0, output[-6000:]
    summary = recap(output)["localhost"]
    assert summary["changed"] == 0 and summary["failed"] == 0, changed_tasks(output)
    wait_for(SERVICE + "/api/health")


def test_ansible_lint_passes(deployment):
    out = subprocess.run([str(DEPLOY_BIN / "ansible-lint"), "--offline", "site.yml", "backup.yml", "restore.yml",
                          "roles"], cwd=ANSIBLE, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"),
                              "PATH": f"{DEPLOY_BIN}:{os.environ['PATH']}"})
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-3000:]


def test_backup_and_restore_round_trip(deployment, tmp_path):
    """Both databases and the media into one archive; what changes after it is undone by restore."""
    api = requests.Session()
    api.headers["Authorization"] = f"Token {admin_token()}"
    image_config = ('<View><Image name="image" value="$image"/><Choices name="kind" toName="image">'
                    '<Choice value="a"/><Choice value="b"/></Choices></View>')
    keep = api.post(f"{SERVICE}/api/projects", json={"title": "kept by the backup", "label_config": image_config}).json()
    png = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 90)).save(png, format="PNG")
    upload = api.post(f"{SERVICE}/api/projects/{keep['id']}/import",
                      files={"file": ("kept.png", png.getvalue(), "image/png")})
    assert upload.status_code in (200, 201), upload.text
    wp_before = wp_php("echo wp_json_encode( get_option( 'blogname' ) );")

    archive = tmp_path / "labelart-backup.tar.gz"
    rc, output = playbook("backup.yml", "-e", f"labelart_backup_file={archive}")
    assert rc == 0, output[-6000:]
    assert archive.stat().st_size > 0
    listing = subprocess.run(["tar", "-tzf", str(archive)], capture_output=True, text=True, check=True).stdout
    assert {"labelart.sql.gz", "wordpress.sql.gz", "data.tar.gz", "wp-uploads.tar.gz"} <= set(
        Path(p).name for p in listing.split())

    # Change both databases and the media after the backup...
    api.delete(f"{SERVICE}/api/projects/{keep['id']}")
    gone = api.post(f"{SERVICE}/api/projects", json={"title": "made after the backup", "label_config": CONFIG}).json()
    wp_php("update_option( 'blogname', 'Changed after the backup' ); echo wp_json_encode( true );")
    media = Path("/var/lib/labelart/media")
    assert media.exists()

    rc, output = playbook("restore.yml", "-e", f"labelart_backup_file={archive}")
    assert rc == 0, output[-6000:]
    wait_for(SERVICE + "/api/health", timeout=120)
    titles = [p["title"] for p in api.get(f"{SERVICE}/api/projects", params={"page_size": 1000}).json()["results"]]
    assert "kept by the backup" in titles and "made after the backup" not in titles
    tasks = api.get(f"{SERVICE}/api/tasks", params={"project": keep["id"]}).json()["tasks"]
    assert tasks, "the restored project has its task"
    file_url = next(iter(tasks[0]["data"].values()))
    r = api.get(BASE + file_url if file_url.startswith("/data/") else file_url)
    assert r.status_code == 200 and r.content == png.getvalue()
    assert wp_php("echo wp_json_encode( get_option( 'blogname' ) );") == wp_before
    assert gone["id"] not in [p["id"] for p in api.get(f"{SERVICE}/api/projects").json()["results"]]
    shutil.rmtree(tmp_path, ignore_errors=True)
