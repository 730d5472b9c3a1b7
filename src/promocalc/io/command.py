"""What every command shares: failures with exit codes, guarded runs, reading inputs, loading a campaign."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import click

from ..errors import ConfigError, InputError, PromocalcError
from .documents import STDIN, Document, read_file
from .report import located

EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2
KEY_VARIABLE = "PROMOCALC_SIGNING_KEY"  # when set, quotes are sealed and refunds accept only sealed records


class Failure(Exception):
    """Stop a command with lines for stderr and an exit code."""

    def __init__(self, lines: list[str], code: int) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines
        self.code = code


def report(err: PromocalcError, doc: Document | None, code: int) -> Failure:
    """Turn an error into located stderr lines."""
    document = getattr(err, "document", None) or doc
    problems = err.problems or []
    if not problems:
        return Failure([f"{document.name if document else '<input>'}:1:1: {err}"], code)
    return Failure(located(problems, document), code)


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command, turning every failure into located messages and an exit code."""

    def run(*args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except Failure as f:
            for line in f.lines:
                click.echo(line, err=True)
            sys.exit(f.code)
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException):
            raise
        except RecursionError:
            click.echo("promocalc: input nested too deeply", err=True)
            sys.exit(EXIT_UNUSABLE)
        except Exception as e:
            click.echo(f"promocalc: internal error: {type(e).__name__}: {e}", err=True)
            sys.exit(3)

    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


def read(path: str) -> Document:
    """Read a YAML/JSON file (``-``: standard input, once per command) or fail with exit 2."""
    if path == STDIN:
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            if ctx.meta.get("promocalc.stdin"):
                raise Failure(["promocalc: only one input can come from standard input ('-')"], EXIT_UNUSABLE)
            ctx.meta["promocalc.stdin"] = True
    try:
        return read_file(path)
    except InputError as e:
        raise report(e, None, EXIT_UNUSABLE) from None


def load_campaign(path: str) -> Any:
    """Load and compile a config file or fail with located problems (exit 2: nothing can be priced)."""
    from ..campaign import load

    doc = read(path)
    try:
        return load(doc, signing_key=os.environ.get(KEY_VARIABLE) or None)
    except ConfigError as e:
        raise report(e, doc, EXIT_UNUSABLE) from None
    except (TypeError, ValueError) as e:
        raise Failure([f"promocalc: {KEY_VARIABLE}: {e}"], EXIT_UNUSABLE) from None
