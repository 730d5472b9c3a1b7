"""``promocalc check``: verify campaign configs in CI (schema, meaning, the campaign calendar, and changes against the previous version).

Exit 0 when every config is valid (warnings allowed), 1 when there are errors, 2 when an input cannot be
read at all. It never shows a traceback.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime

import click

from ..model.config import Config
from . import output
from .run import FileReport, check_file, load

EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3


def _valid_time(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date-time like '2016-09-30T12:00'") from None
    return value


@click.command()
@click.argument("configs", nargs=-1, required=True, metavar="CONFIG...")
@click.option("--against", "against", default=None, metavar="OLD",
              help="The previous version of the config: also report changes no longer allowed.")
@click.option("--now", "now", default=None, metavar="T", callback=_valid_time,
              help="The time the change is made (ISO 8601; naive = campaign timezone). Default: now.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="text: FILE:LINE:COL lines on stderr; json: one object on stdout; github: annotations.")
def check(configs: tuple[str, ...], against: str | None, now: str | None, fmt: str) -> None:
    """Check campaign configs (``-``: standard input): every problem, each with FILE:LINE:COL.

    Exit 0 valid (warnings allowed), 1 problems, 2 unusable input.
    """
    try:
        code = _run(configs, against, now, fmt)
    except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException):
        raise
    except Exception as e:
        click.echo(f"promocalc check: internal error: {type(e).__name__}: {e}", err=True)
        code = EXIT_INTERNAL
    sys.exit(code)


def _run(configs: tuple[str, ...], against: str | None, now: str | None, fmt: str) -> int:
    at: float | str = now if now is not None else time.time()  # the clock is read once, at the edge
    if (*configs, against).count("-") > 1:
        click.echo("promocalc check: only one input can come from standard input ('-')", err=True)
        return EXIT_UNUSABLE
    reports: list[FileReport] = []
    old: Config | None = None
    if against is not None:
        _, old, old_report = load(against)
        if old is not None and any(f.problem.severity == "error" for f in old_report.findings):
            old = None  # an OLD that breaks the rules is no baseline: what it allowed proves nothing
        if old is None:
            old_report.unusable = True  # nothing can be compared with it
            reports.append(old_report)
    for path in configs:
        reports.append(check_file(path, old, at))
    _emit(reports, fmt)
    if against is not None and old is None:
        click.echo(f"promocalc check: {against}: the previous version is not a valid config; "
                   "nothing was compared with it", err=True)
    errors, _ = output.counts(reports)
    if any(r.unusable for r in reports):
        return EXIT_UNUSABLE
    return EXIT_PROBLEMS if errors else EXIT_OK


def _emit(reports: list[FileReport], fmt: str) -> None:
    if fmt == "json":
        click.echo(output.to_json(reports))
    elif fmt == "github":
        for line in output.github_lines(reports):
            click.echo(line)
        click.echo(output.summary_line(reports), err=True)
        path = os.environ.get("GITHUB_STEP_SUMMARY")
        if path:
            try:
                with open(path, "a", encoding="utf-8") as fh:
                    fh.write(output.markdown_summary(reports))
            except OSError as e:
                click.echo(f"promocalc check: cannot write the step summary to {path}: {e.strerror}", err=True)
    else:
        for line in output.text_lines(reports):
            click.echo(line, err=True)
