"""The service's calls into the community site over XML-RPC (``python-wordpress-xmlrpc``).

The plugin registers ``labelart.getMembership``, ``labelart.postMessage`` and
``labelart.updateProgress`` for a dedicated service account (WordPress role
``labelart_service``, ideally with an application password). The URL and credentials are an
administrator's configuration, not user input.

python-wordpress-xmlrpc 2.3 still refers to ``collections.Iterable`` (removed in Python 3.10) in
``XmlrpcMethod.process_result`` when a ``results_class`` is set. Our methods set none and return
plain structures, and ``_Method.process_result`` below never reaches that line: that is the whole
shim, no patching of the library or of ``collections``.
"""
import xmlrpc.client

from wordpress_xmlrpc import AuthenticatedMethod, Client


class _Method(AuthenticatedMethod):
    """Base for the plugin's methods: arguments after (blog_id, username, password)."""

    def process_result(self, raw_result):
        return raw_result


class GetMembership(_Method):
    """``(service_project_id, wp_user_id)`` → ``{"member": bool, "role", "status"}``."""

    method_name = "labelart.getMembership"
    method_args = ("project_id", "wp_user_id")


class PostMessage(_Method):
    """``(service_project_id, body, pinned)`` → the new message id, posted as the service account."""

    method_name = "labelart.postMessage"
    method_args = ("project_id", "body")
    optional_args = ("pinned",)


class UpdateProgress(_Method):
    """``(service_project_id, {"total_tasks", "labeled_tasks", "total_annotations"})`` → True."""

    method_name = "labelart.updateProgress"
    method_args = ("project_id", "progress")


def _timeout_transport(url, timeout):
    """xmlrpc.client's transport for ``url``'s scheme with a socket timeout: the default has none,
    and a site that stops answering would hold an RQ worker until the job's own timeout."""
    base = xmlrpc.client.SafeTransport if url.lower().startswith("https:") else xmlrpc.client.Transport

    class TimeoutTransport(base):
        def make_connection(self, host):
            conn = super().make_connection(host)
            conn.timeout = timeout
            return conn

    return TimeoutTransport()


def client(url, username, password, timeout=30):
    """A connected client; raises ``wordpress_xmlrpc.exceptions.ServerConnectionError`` when the
    site does not answer XML-RPC, and ``OSError`` (``TimeoutError``) after ``timeout`` seconds of silence."""
    return Client(url, username, password, transport=_timeout_transport(url, timeout))


def check_membership(conn, project_id, wp_user_id):
    """Ask the site whether a member still belongs to a project (stale token claims)."""
    return conn.call(GetMembership(int(project_id), int(wp_user_id)))


def post_message(conn, project_id, body, pinned=False):
    """Post ``body`` to a project's team thread, e.g. "model v3 trained — 91% accuracy"."""
    return conn.call(PostMessage(int(project_id), str(body), bool(pinned)))


def update_progress(conn, project_id, total_tasks, labeled_tasks, total_annotations):
    """Push progress figures so the project page can show them without calling the service."""
    return conn.call(UpdateProgress(int(project_id), {
        "total_tasks": int(total_tasks), "labeled_tasks": int(labeled_tasks),
        "total_annotations": int(total_annotations)}))
