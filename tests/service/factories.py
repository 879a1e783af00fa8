"""Factories that create real rows through the service's own code paths."""
import itertools

from worker.api.auth import issue_token
from worker.api.users import create_local_user
from worker.extensions import db
from worker.models import Membership

_seq = itertools.count(1)

IMAGE_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="circle"/><Label value="square"/><Label value="triangle"/>
  </RectangleLabels>
</View>"""

TEXT_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="positive"/><Choice value="negative"/>
  </Choices>
</View>"""


class Api:
    """A test client bound to one user's token."""

    def __init__(self, client, user, token):
        self.client, self.user, self.token = client, user, token
        self.headers = {"Authorization": f"Token {token}"}

    def _call(self, method, path, **kw):
        headers = {**self.headers, **kw.pop("headers", {})}
        return getattr(self.client, method)(path, headers=headers, **kw)

    def get(self, path, **kw):
        return self._call("get", path, **kw)

    def post(self, path, **kw):
        return self._call("post", path, **kw)

    def patch(self, path, **kw):
        return self._call("patch", path, **kw)

    def delete(self, path, **kw):
        return self._call("delete", path, **kw)


def make_user(app, client, username=None, superuser=False):
    username = username or f"user{next(_seq)}"
    with app.app_context():
        user = create_local_user(db.session, username, "password-123", is_superuser=superuser)
        token = issue_token(db.session, user)
        db.session.commit()
        user_id = user.id
    api = Api(client, None, token)
    api.user_id = user_id
    api.username = username
    return api


def make_project(api, config=TEXT_CONFIG, **fields):
    resp = api.post("/api/projects", json={"title": fields.pop("title", "Test project"),
                                           "label_config": config, **fields})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def add_member(app, project_id, api, role="annotator"):
    with app.app_context():
        db.session.add(Membership(project_id=project_id, user_id=api.user_id, role=role))
        db.session.commit()
