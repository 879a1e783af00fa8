"""`labelart` commands for people and data: create-user, create-project, import, export."""

import sys
from pathlib import Path

import click
from sqlalchemy import select

from .errors import APIError


def _app():
    from . import create_app

    return create_app()


def _fail(exc):
    raise click.ClickException(exc.detail if isinstance(exc, APIError) else str(exc))


def _actor(session, username):
    """The user the command acts as: --as USER, or the first administrator."""
    from .models import User

    q = select(User).where(User.username == username) if username else \
        select(User).where(User.is_superuser.is_(True)).order_by(User.id)
    user = session.execute(q.limit(1)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no user {username!r}" if username else
                                   "no administrator yet: run `labelart init` first")
    return user


@click.command("create-user")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 8 characters (prompted when left out).")
@click.option("--email", default="")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@click.option("--token/--no-token", default=True, show_default=True, help="Also issue a personal API token.")
def create_user(username, password, email, admin, token):
    """Create a local user (and print their API token)."""
    from .api.auth import issue_token
    from .api.users import create_local_user
    from .extensions import db

    with _app().app_context():
        try:
            user = create_local_user(db.session, username, password, email=email, is_superuser=admin)
            key = issue_token(db.session, user) if token else None
            db.session.commit()
        except APIError as exc:
            _fail(exc)
        click.echo(f"created user {username} (id {user.id}{', administrator' if admin else ''})")
        if key:
            click.echo(f"API token: {key}")


@click.command("create-project")
@click.argument("title")
@click.option("--template", type=click.Choice(sorted(__import__("worker.labeling.templates",
                                                               fromlist=["TEMPLATES"]).TEMPLATES)),
              help="A built-in labeling config.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False),
              help="A Label Studio labeling config (XML file).")
@click.option("--description", default="")
@click.option("--overlap", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Annotations wanted per task.")
@click.option("--sampling", type=click.Choice(["sequential", "random", "uncertainty"]), default="sequential",
              show_default=True)
@click.option("--as", "username", help="Owner (default: the first administrator).")
def create_project(title, template, config_file, description, overlap, sampling, username):
    """Create a project from a template or a config file; prints its id."""
    from .extensions import db
    from .labeling.templates import TEMPLATES
    from .services.projects import create_project as create

    if bool(template) == bool(config_file):
        raise click.UsageError("give exactly one of --template or --config")
    config = TEMPLATES[template] if template else Path(config_file).read_text(encoding="utf-8")
    with _app().app_context():
        try:
            project = create(db.session, _actor(db.session, username),
                             {"title": title, "label_config": config, "description": description,
                              "overlap": overlap, "sampling": sampling})
            db.session.commit()
        except APIError as exc:
            _fail(exc)
        click.echo(project.id)


@click.command("import")
@click.argument("project_id", type=int)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", help="Importing user (default: the first administrator).")
def import_cmd(project_id, files, username):
    """Import task files (JSON, JSONL, CSV, TSV) and media files into a project, all or nothing."""
    from .extensions import db, write_intent
    from .formats.readers import read_items, sniff_format
    from .labeling.config import parse_config
    from .models import Project
    from .services import media
    from .services.importer import import_items

    app = _app()
    with app.app_context():
        write_intent.set(True)
        project = db.session.get(Project, project_id)
        if project is None:
            raise click.ClickException(f"project {project_id} not found")
        user = _actor(db.session, username)

        def items():
            config = parse_config(project.label_config)
            for n, name in enumerate(files):
                fmt = sniff_format(name)
                if fmt:
                    with open(name, "rb") as stream:
                        yield from read_items(stream, fmt)
                elif media.media_kind(name):
                    with open(name, "rb") as stream:
                        upload = media.save_upload(db.session, project.id, _Named(stream, Path(name).name))
                    yield media.task_item_for(config, upload, n)
                else:
                    raise click.ClickException(f"{name}: unsupported file type")

        with click.progressbar(length=0, label="importing", file=sys.stderr,
                               show_pos=True, show_percent=False) as bar:
            done = [0]

            def progress(n):
                bar.update(n - done[0])
                done[0] = n

            try:
                stats = import_items(db.session, project, items(), user.id, progress=progress)
                db.session.commit()
            except APIError as exc:
                db.session.rollback()
                _fail(exc)
        click.echo(f"imported {stats.task_count} tasks, {stats.annotation_count} annotations, "
                   f"{stats.prediction_count} predictions in {stats.to_dict()['duration']} s")


class _Named:
    """A file object with a ``filename``, as media.save_upload expects of an upload."""

    def __init__(self, stream, filename):
        self.stream, self.filename = stream, filename


@click.command("export")
@click.argument("project_id", type=int)
@click.option("--format", "fmt", default="JSON", show_default=True,
              type=click.Choice(list(__import__("worker.formats", fromlist=["WRITER_MODULES"]).WRITER_MODULES),
                                case_sensitive=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="File to write ('-' for standard output).")
@click.option("--all-tasks", is_flag=True, help="Include tasks without annotations.")
def export_cmd(project_id, fmt, output, all_tasks):
    """Export a project's annotations in a Label Studio format, streamed to a file."""
    from .api.exports import _writer_for, project_info
    from .extensions import db
    from .labeling.config import parse_config
    from .models import Project
    from .services.exporter import iter_tasks

    with _app().app_context():
        project = db.session.get(Project, project_id)
        if project is None:
            raise click.ClickException(f"project {project_id} not found")
        try:
            module = _writer_for(fmt, project)
        except APIError as exc:
            _fail(exc)
        tasks = iter_tasks(db.engine, project.id, not all_tasks, raw=getattr(module, "RAW", False))
        out = sys.stdout.buffer if output == "-" else open(output + ".part", "wb")
        with click.progressbar(tasks, length=project.task_count, label="exporting", file=sys.stderr) as bar:
            for piece in module.write(bar, parse_config(project.label_config), project_info(project)):
                out.write(piece)
        if output != "-":
            out.close()
            Path(output + ".part").replace(output)
            click.echo(f"wrote {output}", err=True)


COMMANDS = [create_user, create_project, import_cmd, export_cmd]

