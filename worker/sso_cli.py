"""``labelart sso-secret``: show or rotate the secret shared with the WordPress plugin."""
import json
import os
import secrets
from pathlib import Path

import click

from .config import data_dir_from_env
from .secrets_store import load_or_create


def rotate(data_dir):
    """Replace ``sso_shared_secret`` in ``DATA_DIR/secrets.json`` (mode 600, atomic) and return it."""
    current = load_or_create(data_dir)
    current["sso_shared_secret"] = secrets.token_urlsafe(48)
    path = Path(data_dir) / "secrets.json"
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(current, fh, indent=1)
    os.replace(tmp, path)
    return current["sso_shared_secret"]


@click.command("sso-secret")
@click.option("--rotate", "do_rotate", is_flag=True,
              help="Generate a new secret; sign-on links made with the old one stop working.")
def sso_secret(do_rotate):
    """Print the single sign-on secret to paste into the WordPress plugin's settings
    (or into wp-config.php as LABEL_ART_SSO_SECRET).

    When LABELART_SSO_SECRET is set, that value is in force and --rotate is refused:
    change the environment instead.
    """
    if os.environ.get("LABELART_SSO_SECRET"):
        if do_rotate:
            raise click.ClickException("LABELART_SSO_SECRET is set: rotate it where it is defined")
        click.echo(os.environ["LABELART_SSO_SECRET"])
        return
    data_dir = data_dir_from_env()
    data_dir.mkdir(parents=True, exist_ok=True)
    click.echo(rotate(data_dir) if do_rotate else load_or_create(data_dir)["sso_shared_secret"])
