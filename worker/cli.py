"""The ``labelart`` command. Each command's help text is its documentation (``labelart --help``)."""
import click


@click.group()
def cli():
    """Label.Art: a self-hostable data labeling platform."""


def with_app(func):
    """Run ``func`` inside an app context built from the environment."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from . import create_app

        app = create_app()
        with app.app_context():
            return func(app, *args, **kwargs)

    return wrapper


def main():
    cli()


from .serve import init_cmd, serve_cmd, worker_cmd  # noqa: E402
from .synth.cli import synth  # noqa: E402

cli.add_command(init_cmd)
cli.add_command(serve_cmd)
cli.add_command(worker_cmd)
cli.add_command(synth)

from .music.osc import osc_cmd  # noqa: E402
cli.add_command(osc_cmd)

from .jobs.webhooks import flush_webhooks  # noqa: E402
cli.add_command(flush_webhooks)

from .sso_cli import sso_secret  # noqa: E402
cli.add_command(sso_secret)

from .data_cli import COMMANDS as DATA_COMMANDS  # noqa: E402

for _command in DATA_COMMANDS:
    cli.add_command(_command)

from .quality.cli import report_cmd  # noqa: E402
cli.add_command(report_cmd)
