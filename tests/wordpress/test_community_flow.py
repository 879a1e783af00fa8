"""The whole community path against a real WordPress and a real labeling service, in order:
settings → registration with approval → profile → project page → join → bulk approve →
SSO → team messaging → XML-RPC. Later tests build on earlier ones (``world``), so run with -x.
"""
import re
import time

import pytest
import requests

from worker.services import sso as svc
from worker.services import wordpress as wpx

from .conftest import form, text_of

CONFIG = ('<View><Image name="image" value="$image"/><Choices name="style" toName="image">'
          '<Choice value="sketch"/><Choice value="painting"/></Choices></View>')


@pytest.fixture(scope="module")
def world(site, service):
    return {"site": site, "service": service}


def nonce_in(html, action_field="_wpnonce", **match):
    return form(html, **match)[action_field]


def test_activation_made_roles_tables_and_a_secret(site):
    facts = site.facts
    assert facts["schema"] == "1"
    assert facts["secret_set"] >= 60  # generated at activation, never a default
    state = site.php("""global $wpdb;
        echo wp_json_encode( array(
          'tables' => $wpdb->get_col( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $wpdb->prefix . 'labelart_' ) . '%' ) ),
          'mod_caps' => array_keys( array_filter( get_role( 'labelart_moderator' )->capabilities ) ),
          'contributor' => array_keys( array_filter( get_role( 'labelart_contributor' )->capabilities ) ),
        ) );""")
    assert sorted(state["tables"]) == ["wp_labelart_members", "wp_labelart_messages", "wp_labelart_notices", "wp_labelart_reads"]
    assert "labelart_moderate" in state["mod_caps"] and "publish_labelart_projects" in state["mod_caps"]
    assert sorted(state["contributor"]) == ["labelart_join", "read"]


def test_admin_pastes_service_settings_and_secret_is_never_printed(world):
    site, service = world["site"], world["service"]
    admin = site.session("admin", "admin-pass-123")
    page = admin.get(f"{site.url}/wp-admin/admin.php?page=label-art-settings").text
    fields = form(page, action="label_art_settings")
    fields.update(service_url=service["url"], service_key=service["token"], sso_secret=service["secret"],
                  require_approval="1")
    r = admin.post(f"{site.url}/wp-admin/admin-post.php", data=fields)
    assert "Settings saved" in r.text
    assert service["secret"] not in r.text and service["token"] not in r.text
    assert svc.hashlib.sha256(service["secret"].encode()).hexdigest()[:8] in r.text  # the fingerprint
    # Without the nonce the same post is refused and nothing changes.
    bad = admin.post(f"{site.url}/wp-admin/admin-post.php", data={**fields, "_wpnonce": "x", "service_url": "http://evil.test"})
    assert bad.status_code == 403
    # A moderator cannot open or post settings.
    mod = site.session("mod", "mod-pass-123")
    assert mod.get(f"{site.url}/wp-admin/admin.php?page=label-art-settings").status_code == 403
    assert mod.post(f"{site.url}/wp-admin/admin-post.php", data={**fields, "service_url": "http://evil.test"}).status_code == 403
    assert site.php("echo wp_json_encode( get_option( 'label_art_service_url' ) );") == service["url"]
    world["admin"], world["mod"] = admin, mod


def register(site, login):
    s = requests.Session()
    r = s.post(f"{site.url}/wp-login.php?action=register",
               data={"user_login": login, "user_email": f"{login}@example.test", "wp-submit": "Register"})
    assert r.status_code == 200, r.text[:500]
    mail = [m for m in site.mails() if m["to"] == f"{login}@example.test" or m["to"] == [f"{login}@example.test"]][-1]
    link = re.search(r"(http\S+action=rp\S+)", mail["message"]).group(1).strip("<>")
    s.get(link)
    page = s.get(f"{site.url}/wp-login.php?action=rp").text
    fields = form(page, id="resetpassform")
    fields.update(pass1=f"{login}-pass-123", pass2=f"{login}-pass-123", **{"wp-submit": "Save Password"})
    r = s.post(f"{site.url}/wp-login.php?action=resetpass", data=fields)
    assert "password has been reset" in r.text.lower(), text_of(r.text)[:800]


def test_registration_waits_for_moderator_approval(world):
    site, mod = world["site"], world["mod"]
    for login in ("ana", "ben", "cy"):
        register(site, login)
    assert any("ana registered" in m["message"] for m in site.mails() if "mod@example.test" in str(m["to"]))
    pending = site.session("ana", "ana-pass-123")
    assert "wordpress_logged_in" not in str(pending.cookies.keys())
    assert "waiting for a moderator" in pending.login_response.text
    accounts = mod.get(f"{site.url}/wp-admin/admin.php?page=label-art-accounts").text
    for login in ("ana", "ben", "cy"):
        uid = site.php(f"echo get_user_by( 'login', '{login}' )->ID;")
        fields = form(accounts, user=str(uid), decision="approved")
        r = mod.post(f"{site.url}/wp-admin/admin-post.php", data=fields)
        assert r.status_code == 200
        world[login + "_id"] = uid
    assert any("account was approved" in m["subject"] for m in site.mails() if "ana@" in str(m["to"]))
    for login in ("ana", "ben", "cy"):
        s = site.session(login, f"{login}-pass-123")
        assert any(c.startswith("wordpress_logged_in") for c in s.cookies.keys()), login
        world[login] = s


def test_artist_profile_is_saved_sanitised(world):
    site, ana = world["site"], world["ana"]
    page = ana.get(f"{site.url}/?page_id={site.facts['profile_page']}").text
    fields = form(page, action="label_art_profile")
    fields.update(disciplines="illustration, music", instruments="cello,<b>piano</b>", genres="baroque",
                  tools="Krita", languages="pt, en", bio="I draw <script>alert(1)</script> and play.")
    ana.post(f"{site.url}/wp-admin/admin-post.php", data=fields)
    profile = site.php(f"echo wp_json_encode( Label_Art_Profile::get( {world['ana_id']} ) );")
    assert profile["instruments"] == ["cello", "piano"]
    assert "<script>" not in profile["bio"] and profile["bio"].startswith("I draw")
    # Without the nonce nothing is saved.
    ana.post(f"{site.url}/wp-admin/admin-post.php", data={**fields, "_wpnonce": "bad", "genres": "metal"})
    assert site.php(f"echo wp_json_encode( Label_Art_Profile::get( {world['ana_id']} )['genres'] );") == ["baroque"]


def test_moderator_creates_project_page_and_service_project(world):
    site, mod, service = world["site"], world["mod"], world["service"]
    page = mod.get(f"{site.url}/wp-admin/post-new.php?post_type=labelart_project").text
    fields = form(page, id="post")
    fields.update(post_title="Sketch styles", content="Tell sketches from paintings.",
                  label_art_guidelines="Pick the <em>dominant</em> style.", label_art_label_config=CONFIG,
                  publish="Publish", post_status="publish")
    r = mod.post(f"{site.url}/wp-admin/post.php", data=fields)
    assert r.status_code == 200
    post_id = int(fields["post_ID"])
    sid = site.php(f"echo wp_json_encode( (int) get_post_meta( {post_id}, '_label_art_service_id', true ) );")
    assert sid > 0, site.php(f"echo wp_json_encode( get_post_meta( {post_id}, '_label_art_sync_error', true ) );")
    api = requests.get(f"{service['url']}/api/projects/{sid}", headers={"Authorization": f"Token {service['token']}"}).json()
    assert api["title"] == "Sketch styles" and "painting" in api["label_config"]
    assert api["expert_instruction"] == "Pick the <em>dominant</em> style."
    world["post"], world["sid"] = post_id, sid
    # A contributor cannot create project pages.
    assert world["ana"].get(f"{site.url}/wp-admin/post-new.php?post_type=labelart_project").status_code == 403


def project_page(world, who):
    return world[who].get(f"{world['site'].url}/?p={world['post']}").text


def test_join_request_and_bulk_approval_notify(world):
    site, mod = world["site"], world["mod"]
    html = project_page(world, "ana")
    assert "Join this project" in html and "Start labeling" not in html
    for who in ("ana", "ben"):
        fields = form(project_page(world, who), action="label_art_join")
        fields["motivation"] = f"{who} loves sketches"
        world[who].post(f"{site.url}/wp-admin/admin-post.php", data=fields)
    assert "waiting for a moderator" in project_page(world, "ana")
    # Forged request without nonce: refused.
    r = world["cy"].post(f"{site.url}/wp-admin/admin-post.php", data={"action": "label_art_join", "project": world["post"]})
    assert r.status_code == 403
    # A contributor cannot reach the moderation screen (so cannot approve themselves).
    assert world["ana"].get(f"{site.url}/wp-admin/admin.php?page=label-art-requests").status_code == 403
    requests_page = mod.get(f"{site.url}/wp-admin/admin.php?page=label-art-requests").text
    assert "ana loves sketches" in requests_page and "cello" in requests_page
    rows = site.php(f"echo wp_json_encode( array_map( fn( $r ) => (int) $r->id, Label_Art_Members::pending() ) );")
    fields = {"page": "label-art-requests", "_wpnonce": form(requests_page, page="label-art-requests")["_wpnonce"],
              "action": "approve", "role": "annotator", "request[]": rows}
    r = mod.post(f"{site.url}/wp-admin/admin.php?page=label-art-requests", data=fields)
    assert "2 decided, 0 refused" in r.text
    mails = [m for m in site.mails() if m["subject"] == "Your join request was approved"]
    assert {str(m["to"]) for m in mails} >= {"ana@example.test", "ben@example.test"}
    notices = world["ana"].get(f"{site.url}/?page_id={site.facts['notices_page']}").text
    assert "Welcome to the team of Sketch styles" in notices
    assert "Start labeling" in project_page(world, "ana")
    # Bulk action with a bad nonce does nothing.
    r = mod.post(f"{site.url}/wp-admin/admin.php?page=label-art-requests", data={**fields, "_wpnonce": "bad"})
    assert r.status_code == 403


def start_labeling(world, who):
    html = project_page(world, who)
    link = re.search(r'href="([^"]+action=label_art_sso[^"]+)"', html).group(1).replace("&amp;", "&").replace("&#038;", "&")
    r = world[who].get(link, allow_redirects=False)
    assert r.status_code == 302, r.text[:300]
    return r.headers["Location"]


def test_sso_round_trip_and_refusals(world):
    service, sid = world["service"], world["sid"]
    location = start_labeling(world, "ana")
    assert location.startswith(service["url"] + "/sso?token=")
    browser = requests.Session()
    r = browser.get(location, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] in (f"/projects/{sid}/label", "/")
    me = browser.get(f"{service['url']}/api/projects/{sid}")
    assert me.status_code == 200 and me.json()["title"] == "Sketch styles"
    world["ana_service"] = browser
    # Replayed: the nonce is remembered.
    again = requests.get(location, allow_redirects=False)
    assert again.status_code == 403 and "already used" in again.text
    # Tampered: change the claimed user id.
    token = location.split("token=")[1]
    body, mac = token.split(".")
    payload = svc.json.loads(svc._unb64(body))
    payload["sub"] = world["cy_id"]
    forged = svc._b64(svc.json.dumps(payload).encode()) + "." + mac
    r = requests.get(f"{service['url']}/sso", params={"token": forged})
    assert r.status_code == 403 and "signature does not match" in r.text
    # Expired (signed correctly, but too old).
    old = int(time.time()) - 600
    expired = svc.sign({**payload, "iat": old, "exp": old + 60, "nonce": "a" * 32}, service["secret"])
    r = requests.get(f"{service['url']}/sso", params={"token": expired})
    assert r.status_code == 403 and "expired" in r.text
    assert requests.get(f"{service['url']}/sso", params={"token": "garbage"}).status_code == 400
    # Cy is not on the team: no link, and the handler refuses.
    assert "Start labeling" not in project_page(world, "cy")


def test_team_thread_rest_permissions_and_escaping(world):
    site, post = world["site"], world["post"]
    html = project_page(world, "ana")
    nonce = re.search(r'"nonce":"([0-9a-f]+)"', html).group(1)
    url = site.rest(f"/projects/{post}/messages")
    r = world["ana"].post(url, json={"body": "Hi team <script>alert('x')</script> @ben look"}, headers={"X-WP-Nonce": nonce})
    assert r.status_code == 201, r.text
    assert "&lt;script&gt;" in r.json()["body_html"]
    # Cookie without the REST nonce counts as logged out.
    assert world["ana"].post(url, json={"body": "no nonce"}).status_code in (401, 403)
    # Not on the team: 404 for reading and writing.
    cy_nonce = re.search(r'"nonce":"([0-9a-f]+)"', project_page(world, "cy"))
    cy_headers = {"X-WP-Nonce": cy_nonce.group(1)} if cy_nonce else {}
    assert world["cy"].get(url, headers=cy_headers).status_code in (401, 403, 404)
    # Contributors cannot pin.
    assert world["ana"].post(url, json={"body": "pin me", "pinned": True}, headers={"X-WP-Nonce": nonce}).status_code == 403
    mod_nonce = re.search(r'"nonce":"([0-9a-f]+)"', project_page(world, "mod")).group(1)
    r = world["mod"].post(url, json={"body": "Deadline is Friday", "pinned": True}, headers={"X-WP-Nonce": mod_nonce})
    assert r.status_code == 201
    # @mention notified ben.
    assert any("mentioned" in m["subject"] and "ben@" in str(m["to"]) for m in site.mails())
    # Unread counts for ben, then reading clears them.
    ben_nonce = re.search(r'"nonce":"([0-9a-f]+)"', project_page(world, "ben")).group(1)
    unread = world["ben"].get(site.rest("/unread"), headers={"X-WP-Nonce": ben_nonce}).json()
    assert unread["threads"] == {f"p:{post}": 2} and unread["total"] == 2 and unread["notices"] >= 1
    thread = world["ben"].get(url, headers={"X-WP-Nonce": ben_nonce}).json()
    assert thread["messages"][0]["pinned"] and thread["messages"][0]["body"] == "Deadline is Friday"
    assert world["ben"].get(site.rest("/unread"), headers={"X-WP-Nonce": ben_nonce}).json()["total"] == 0
    # The page shows the script inert.
    page = project_page(world, "ben")
    assert "&lt;script&gt;alert" in page and "<script>alert('x')" not in page
    # Moderator hides; contributors cannot.
    spam = world["ben"].post(url, json={"body": "buy stuff"}, headers={"X-WP-Nonce": ben_nonce}).json()["id"]
    assert world["ana"].post(site.rest(f"/messages/{spam}/hide"), headers={"X-WP-Nonce": nonce}).status_code == 403
    assert world["mod"].post(site.rest(f"/messages/{spam}/hide"), headers={"X-WP-Nonce": mod_nonce}).status_code == 200
    assert "buy stuff" not in project_page(world, "ana")
    world["nonces"] = {"ana": nonce, "ben": ben_nonce, "mod": mod_nonce}


def test_direct_messages_between_team_mates_only(world):
    site, nonces = world["site"], world["nonces"]
    r = world["ana"].post(site.rest(f"/dm/{world['ben_id']}"), json={"body": "psst"}, headers={"X-WP-Nonce": nonces["ana"]})
    assert r.status_code == 201
    convo = world["ben"].get(site.rest(f"/dm/{world['ana_id']}"), headers={"X-WP-Nonce": nonces["ben"]}).json()
    assert [m["body"] for m in convo["messages"]] == ["psst"]
    assert world["ana"].post(site.rest(f"/dm/{world['cy_id']}"), json={"body": "hi stranger"},
                             headers={"X-WP-Nonce": nonces["ana"]}).status_code == 404


def test_service_messages_panel_reads_and_posts_as_the_member(world):
    service, sid, browser = world["service"], world["sid"], world["ana_service"]
    r = browser.get(f"{service['url']}/projects/{sid}/messages")
    assert r.status_code == 200, r.text[:500]
    assert "Deadline is Friday" in r.text and "&lt;script&gt;" in r.text and "buy stuff" not in r.text
    csrf = form(r.text, method="post")["csrf_token"]
    r = browser.post(f"{service['url']}/projects/{sid}/messages", data={"body": "from the workspace", "csrf_token": csrf})
    assert r.status_code == 200 and "from the workspace" in r.text
    assert "from the workspace" in project_page(world, "ben")
    # The assertion header alone, made by someone without the secret, gets nothing.
    fake = svc.make_assertion("not-the-secret", world["ana_id"], sid)
    r = requests.get(world["site"].rest(f"/service-projects/{sid}/messages"), headers={"X-LabelArt-Assertion": fake})
    assert r.status_code == 401
    # A real assertion works once, and only on its own project's route.
    good = svc.make_assertion(service["secret"], world["ana_id"], sid)
    ok = requests.get(world["site"].rest(f"/service-projects/{sid}/messages"), headers={"X-LabelArt-Assertion": good})
    assert ok.status_code == 200
    again = requests.get(world["site"].rest(f"/service-projects/{sid}/messages"), headers={"X-LabelArt-Assertion": good})
    assert again.status_code == 401
    other = svc.make_assertion(service["secret"], world["ana_id"], sid)
    assert requests.get(world["site"].rest("/unread"), headers={"X-LabelArt-Assertion": other}).status_code == 401


def test_service_posts_over_xmlrpc(world):
    site, sid = world["site"], world["sid"]
    conn = wpx.client(f"{site.url}/xmlrpc.php", "labelart-service", "service-pass-123")
    assert wpx.post_message(conn, sid, "model v3 trained — 91% accuracy") > 0
    assert "model v3 trained — 91% accuracy" in project_page(world, "ana")
    assert wpx.check_membership(conn, sid, world["ana_id"]) == {"member": True, "role": "annotator", "status": "approved"}
    assert wpx.check_membership(conn, sid, world["cy_id"])["member"] is False
    assert wpx.update_progress(conn, sid, 10, 4, 5) is True
    # A contributor's credentials are refused.
    contributor = wpx.client(f"{site.url}/xmlrpc.php", "ana", "ana-pass-123")
    with pytest.raises(Exception, match="not the labeling service"):
        wpx.post_message(contributor, sid, "spoof")


def test_a_finished_training_run_is_announced_in_the_team_thread(world):
    """The service's own path: a completed run's announcement is queued (and run inline here); it
    posts to the team thread and pushes progress over XML-RPC as the service account."""
    from worker import create_app
    from worker.extensions import db
    from worker.jobs.community import queue_training_announcement
    from worker.models import MLBackend, Project, TrainingRun

    site, service, sid = world["site"], world["service"], world["sid"]
    app = create_app({"DATA_DIR": str(service["data"]), "REDIS_URL": service["redis_url"], "QUEUE_SYNC": True,
                      "DATABASE_URL": f"sqlite:///{service['data'] / 'labelart.sqlite3'}",
                      "WP_XMLRPC_URL": f"{site.url}/xmlrpc.php", "WP_XMLRPC_USER": "labelart-service",
                      "WP_XMLRPC_PASSWORD": "service-pass-123"})
    with app.app_context():
        def finished_run(project_id):
            backend = MLBackend(project_id=project_id, kind="bundled", model_name="text_classifier")
            db.session.add(backend)
            db.session.flush()
            run = TrainingRun(ml_backend_id=backend.id, status="completed", model_version="text_classifier.v3",
                              annotation_count=40, metrics='{"accuracy": 0.913, "held_out": 10, "train": 30}')
            db.session.add(run)
            db.session.commit()
            return run.id

        queue_training_announcement(finished_run(sid))
        # A project made in the service alone has no page on the site: nothing is posted, no error.
        loner = Project(title="service-only", label_config="<View/>")
        db.session.add(loner)
        db.session.commit()
        from worker.jobs.community import announce_training
        assert announce_training(finished_run(loner.id)) is None
    db.engine.dispose()
    line = "Model text_classifier.v3 trained on 40 annotations: 91% accuracy on 10 held-out tasks"
    assert line in project_page(world, "ana")


def test_moderator_changes_role_and_suspends(world):
    site, mod, sid = world["site"], world["mod"], world["sid"]
    page = mod.get(f"{site.url}/wp-admin/admin.php?page=label-art-contributors&project={world['post']}").text
    member = site.php(f"echo Label_Art_Members::get( {world['post']}, {world['ben_id']} )->id;")
    fields = form(page, member=str(member))
    mod.post(f"{site.url}/wp-admin/admin-post.php", data={**fields, "op": "role", "role": "reviewer"})
    assert site.php(f"echo wp_json_encode( Label_Art_Members::get( {world['post']}, {world['ben_id']} )->role );") == "reviewer"
    # Ana cannot change roles, even with a nonce of her own.
    r = world["ana"].post(f"{site.url}/wp-admin/admin-post.php", data={**fields, "op": "role", "role": "annotator"})
    assert r.status_code == 403
    mod.post(f"{site.url}/wp-admin/admin-post.php", data={**fields, "op": "suspend"})
    assert "Start labeling" not in project_page(world, "ben")
    # The next sign-on would carry no membership: the SSO handler refuses outright.
    assert world["ben"].get(f"{site.url}/?p={world['post']}").status_code == 200


def test_screenshots_when_asked(world, tmp_path):
    """With LABELART_SCREENSHOTS=DIR, save what a member and a moderator see (headless Chromium)."""
    import os
    import shutil
    import subprocess

    out = os.environ.get("LABELART_SCREENSHOTS")
    if not out or not shutil.which("chromium"):
        pytest.skip("set LABELART_SCREENSHOTS=DIR (and install chromium) to take screenshots")
    site = world["site"]
    pages = {"project-page": project_page(world, "ana"),
             "admin-contributors": world["mod"].get(f"{site.url}/wp-admin/admin.php?page=label-art-contributors&project={world['post']}").text,
             "admin-settings": world["admin"].get(f"{site.url}/wp-admin/admin.php?page=label-art-settings").text}
    os.makedirs(out, exist_ok=True)
    for name, html in pages.items():
        # Saved with a <base> so styles load from the live site; cookies are not needed to render.
        src = tmp_path / f"{name}.html"
        src.write_text(html.replace("<head>", f'<head><base href="{site.url}/">', 1))
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--window-size=1200,1400", f"--screenshot={out}/{name}.png", src.as_uri()],
                       check=True, capture_output=True, timeout=60)
        assert os.path.getsize(f"{out}/{name}.png") > 1000


def test_sql_goes_through_prepare():
    """Every query call with interpolated SQL is wrapped in $wpdb->prepare (DROP of our own table names excepted)."""
    from .conftest import PLUGIN

    offenders = []
    for path in PLUGIN.rglob("*.php"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\$wpdb->(query|get_results|get_var|get_row|get_col)\(", line) \
                    and "$wpdb->prepare(" not in line and "DROP TABLE" not in line:
                offenders.append(f"{path.name}:{n}")
    assert offenders == []


def test_uninstall_removes_options_roles_and_tables(world):
    site = world["site"]
    result = site.php("""define( 'WP_UNINSTALL_PLUGIN', 'label-art/label-art.php' );
        include WP_PLUGIN_DIR . '/label-art/uninstall.php';
        global $wpdb;
        echo wp_json_encode( array(
          'tables' => $wpdb->get_col( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $wpdb->prefix . 'labelart_' ) . '%' ) ),
          'secret' => get_option( 'label_art_sso_secret', null ),
          'schema' => get_option( 'label_art_schema_version', null ),
          'role' => get_role( 'labelart_moderator' ) ? 'still there' : null,
        ) );""")
    assert result == {"tables": [], "secret": None, "schema": None, "role": None}
