"""User accounts (administrators manage them; WordPress SSO creates them too)."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..access import require_superuser
from ..errors import Conflict, ValidationError
from ..extensions import db
from ..models import User
from . import route
from .util import int_arg, json_body, json_response


@route("/users", methods=["GET"])
def list_users():
    """All users (administrators)."""
    require_superuser()
    size = int_arg("page_size", 100, minimum=1, maximum=1000)
    after = int_arg("after", 0, minimum=0)
    users = db.session.execute(select(User).where(User.id > after).order_by(User.id).limit(size)).scalars()
    return json_response([u.to_dict() for u in users])


@route("/users", methods=["POST"])
def create_user():
    """Create a local user: {"username", "password", "email"?, "display_name"?, "is_superuser"?}."""
    require_superuser()
    body = json_body()
    user = create_local_user(db.session, body.get("username"), body.get("password"),
                             email=body.get("email", ""), display_name=body.get("display_name", ""),
                             is_superuser=bool(body.get("is_superuser", False)))
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(f"username {body.get('username')!r} is taken") from exc
    return json_response(user.to_dict(), 201)


def create_local_user(session_, username, password, email="", display_name="", is_superuser=False):
    """Validate and add a user. Raises ValidationError / Conflict."""
    if not isinstance(username, str) or not 1 <= len(username) <= 150 or not username.isprintable():
        raise ValidationError("username must be 1 to 150 printable characters")
    if not isinstance(password, str) or len(password) < 8:
        raise ValidationError("password must be at least 8 characters")
    if session_.execute(select(User.id).where(User.username == username)).first():
        raise Conflict(f"username {username!r} is taken")
    user = User(username=username, email=email or "", display_name=display_name or username,
                is_superuser=is_superuser)
    user.set_password(password)
    session_.add(user)
    session_.flush()
    return user
