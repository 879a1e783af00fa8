"""``labelart report PROJECT``: the quality report as Markdown or HTML, with its charts."""
from pathlib import Path

import click


@click.command("report")
@click.argument("project")
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default=None,
              help="Markdown (charts as SVG files beside it) or one self-contained HTML file; "
                   "default from the output file's extension, else md.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write.")
@click.option("--fields", default="", help="Comma-separated task meta fields to group by "
                                           "(default: the balance field and every field with few values).")
@click.option("--min-share", type=click.FloatRange(0, 1, min_open=True), default=0.5, show_default=True,
              help="A group is under-represented below this share of an even split.")
@click.option("--refresh", is_flag=True, help="Also store every task's agreement and apply the review rule.")
def report_cmd(project, fmt, output, fields, min_share, refresh):
    """Write PROJECT's quality report (PROJECT: an id or an exact title): agreement, error rates
    against gold and consensus, model versions vs people, balance and error by group."""
    from .. import create_app
    from ..extensions import db
    from .render import html, markdown
    from .report import project_report

    app = create_app()
    with app.app_context():
        row = _project(db.session, project)
        if refresh:
            from .cache import refresh as do_refresh

            counts = do_refresh(db.engine, row)
            click.echo(f"stored agreement of {counts['tasks']} tasks; {counts['review']} sent to review, "
                       f"{counts['accepted']} accepted automatically")
        groups = [f.strip() for f in fields.split(",") if f.strip()] or None
        report = project_report(db.engine, row, fields=groups, min_share=min_share)
        fmt = fmt or ("html" if output.suffix.lower() in (".html", ".htm") else "md")
        output.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "html":
            output.write_text(html(report), encoding="utf-8")
        else:
            markdown(report, output)
    flags = report["flags"]
    click.echo(f"wrote {output} ({report['summary']['annotations']} annotations, {len(flags)} flagged group"
               f"{'' if len(flags) == 1 else 's'})")
    for f in flags:
        click.echo(f"  {f['field']} = {f['value']}: {'; '.join(f['reasons'])}")


def _project(session, ref):
    """The Project by id or exact title. Raises click.BadParameter when none or several match."""
    from sqlalchemy import select

    from ..models import Project

    if ref.isdigit():
        row = session.get(Project, int(ref))
        if row is None:
            raise click.BadParameter(f"no project with id {ref}", param_hint="PROJECT")
        return row
    rows = session.execute(select(Project).where(Project.title == ref)).scalars().all()
    if len(rows) != 1:
        raise click.BadParameter(f"{len(rows)} projects are titled {ref!r}; use the id", param_hint="PROJECT")
    return rows[0]
