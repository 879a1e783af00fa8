"""The whole community path in a real browser (Playwright driving Debian's Chromium) against the
real WordPress and labeling service of conftest.py:

register → profile → join request → moderator approves → "Start labeling" lands in the service's
workspace signed in → post in the team thread → the service posts a message over XML-RPC
(worker/services/wordpress.py) and it appears on the project page.

Uses its own user and project page and leaves no pending request or account behind, so the
request-level tests of test_community_flow.py run the same before or after it. Screenshots go to
tests/wordpress/screenshots/.
"""
import re

import pytest

from worker.services import wordpress as wpx

from .conftest import HERE, form

SHOTS = HERE / "screenshots"
LOGIN, PASSWORD = "dora", "Dora-paints-skies-4821!"
CONFIG = ('<View><Image name="image" value="$image"/><Choices name="mood" toName="image">'
          '<Choice value="calm"/><Choice value="stormy"/></Choices></View>')


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium


@pytest.fixture(scope="module")
def project(site, service):
    """Service settings saved by the admin and a project page made by the moderator (over HTTP:
    set-up, not the path under test)."""
    admin = site.session("admin", "admin-pass-123")
    fields = form(admin.get(f"{site.url}/wp-admin/admin.php?page=label-art-settings").text, action="label_art_settings")
    fields.update(service_url=service["url"], service_key=service["token"], sso_secret=service["secret"],
                  require_approval="1")
    assert "Settings saved" in admin.post(f"{site.url}/wp-admin/admin-post.php", data=fields).text
    mod = site.session("mod", "mod-pass-123")
    fields = form(mod.get(f"{site.url}/wp-admin/post-new.php?post_type=labelart_project").text, id="post")
    fields.update(post_title="Weather moods", content="Calm or stormy skies.", label_art_guidelines="Look at the sky.",
                  label_art_label_config=CONFIG, publish="Publish", post_status="publish")
    assert mod.post(f"{site.url}/wp-admin/post.php", data=fields).status_code == 200
    post = int(fields["post_ID"])
    sid = site.php(f"echo wp_json_encode( (int) get_post_meta( {post}, '_label_art_service_id', true ) );")
    assert sid > 0
    return {"post": post, "sid": sid, "url": f"{site.url}/?p={post}"}


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page, site, login, password):
    page.goto(f"{site.url}/wp-login.php")
    page.fill("#user_login", login)
    page.fill("#user_pass", password)
    page.click("#wp-submit")
    page.wait_for_load_state()


def test_whole_path_in_the_browser(site, service, project, browser):
    member = browser.new_context(viewport={"width": 1200, "height": 900})
    moderator = browser.new_context(viewport={"width": 1200, "height": 900})
    for context in (member, moderator):
        context.set_default_timeout(60000)  # PHP's built-in server is slow on a busy machine
    page, mod = member.new_page(), moderator.new_page()
    try:
        # Register; WordPress mails a set-password link (recorded by the mail double).
        page.goto(f"{site.url}/wp-login.php?action=register")
        page.fill("#user_login", LOGIN)
        page.fill("#user_email", f"{LOGIN}@example.test")
        page.click("#wp-submit")
        page.wait_for_load_state()
        mail = [m for m in site.mails() if f"{LOGIN}@example.test" in str(m["to"])][-1]
        link = re.search(r"(http\S+action=rp\S+)", mail["message"]).group(1).strip("<>")
        page.goto(link)
        page.fill("#pass1", PASSWORD)
        if page.locator("input.pw-checkbox").is_visible():  # "confirm use of weak password", if WordPress asks
            page.check("input.pw-checkbox")
        page.click("#wp-submit")
        page.wait_for_load_state()
        assert "password has been reset" in page.content().lower()
        log_in(page, site, LOGIN, PASSWORD)
        assert "waiting for a moderator" in page.content()

        # The moderator approves the account.
        log_in(mod, site, "mod", "mod-pass-123")
        uid = site.php(f"echo get_user_by( 'login', '{LOGIN}' )->ID;")
        mod.goto(f"{site.url}/wp-admin/admin.php?page=label-art-accounts")
        mod.locator(f"form:has(input[name=user][value='{uid}']):has(input[name=decision][value=approved]) [type=submit]").click()
        mod.wait_for_load_state()

        # Profile.
        log_in(page, site, LOGIN, PASSWORD)
        page.goto(f"{site.url}/?page_id={site.facts['profile_page']}")
        page.fill("#label-art-disciplines", "painting")
        page.fill("#label-art-instruments", "violin")
        page.fill("#label-art-bio", "I paint skies.")
        page.click("form.label-art-profile button[type=submit]")
        page.wait_for_load_state()
        profile = site.php(f"echo wp_json_encode( Label_Art_Profile::get( {uid} ) );")
        assert profile["instruments"] == ["violin"] and profile["bio"] == "I paint skies."

        # Join request.
        page.goto(project["url"])
        assert page.locator("a.label-art-button", has_text="Start labeling").count() == 0
        page.fill("#label-art-motivation", "I love skies")
        page.click("form.label-art-join button[type=submit]")
        page.wait_for_load_state()
        page.goto(project["url"])
        assert "waiting for a moderator" in page.content()
        shot(page, "01-join-requested")

        # The moderator approves it on the requests screen (bulk action).
        mod.goto(f"{site.url}/wp-admin/admin.php?page=label-art-requests")
        row = mod.locator("tr", has_text="I love skies")
        assert "violin" in row.inner_text()
        row.locator("input[name='request[]']").check()
        mod.select_option("#bulk-action-selector-top", "approve")
        mod.click("#doaction")
        mod.wait_for_load_state()
        assert "1 decided, 0 refused" in mod.content()
        shot(mod, "02-moderator-approved")

        # "Start labeling" signs in to the service and lands in the project's workspace.
        page.goto(project["url"])
        with page.expect_navigation(url=re.compile(re.escape(service["url"]))):
            page.click("a.label-art-button:has-text('Start labeling')")
        page.wait_for_load_state()
        assert page.url.startswith(service["url"]) and "/sso" not in page.url
        me = page.evaluate(f"fetch('/api/projects/{project['sid']}').then(r => r.json().then(j => [r.status, j.title]))")
        assert me == [200, "Weather moods"]
        shot(page, "03-service-workspace")

        # Post in the team thread on the project page.
        page.goto(project["url"])
        page.fill("#label-art-new", "First sky done, @mod please check")
        page.click("form.label-art-post button[type=submit]")
        page.locator(".label-art-thread", has_text="First sky done").wait_for(timeout=60000)
        page.reload()
        assert "First sky done, @mod please check" in page.locator(".label-art-thread").inner_text()

        # The service posts over XML-RPC; it shows on the project page.
        conn = wpx.client(f"{site.url}/xmlrpc.php", "labelart-service", "service-pass-123")
        assert wpx.post_message(conn, project["sid"], "batch of 20 sky images imported") > 0
        page.reload()
        assert "batch of 20 sky images imported" in page.locator(".label-art-thread").inner_text()
        shot(page, "04-project-page-thread")
    finally:
        member.close()
        moderator.close()
