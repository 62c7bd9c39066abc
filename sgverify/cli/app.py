"""The `sgverify` command: a thin typer shell over the library.

Each command lives in its own module as a plain function that parses its
arguments, calls the library and returns an exit code; this module only
registers them and turns errors into exit codes: a user error (InputError)
becomes one line per problem on stderr and exit 2; a reader of stdout that goes
away (`| head`) ends the run quietly with 141; anything else is a bug and keeps
its traceback (exit 4).
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Callable

import typer

from ..errors import InputError, SgverifyError
from ..gcpause import collect_less_often, exit_without_teardown, hold_until_exit
from .exitcodes import EXIT_BROKEN_PIPE, EXIT_CRASH, EXIT_INPUT

app = typer.Typer(
    name="sgverify",
    help="Prove or refute what AWS security groups let through.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Prove or refute what AWS security groups let through."""


def run_command(body: Callable[[], int]) -> None:
    """Run a command body; map its result and its errors to an exit code."""
    try:
        code = body()
    except InputError as error:
        for diagnostic in error.diagnostics:
            print(f"sgverify: {diagnostic}", file=sys.stderr)
        raise typer.Exit(EXIT_INPUT)
    except SgverifyError as error:
        print(f"sgverify: error: {error}", file=sys.stderr)
        raise typer.Exit(EXIT_INPUT)
    except (typer.Exit, typer.Abort):
        raise
    except BrokenPipeError:  # the reader went away (`| head`): not a bug, and nothing more to say
        _quiet_stdout()
        raise typer.Exit(EXIT_BROKEN_PIPE)
    except KeyboardInterrupt:
        print("sgverify: interrupted", file=sys.stderr)
        raise typer.Exit(130)
    except Exception:  # a bug: keep the traceback, but no local variables
        traceback.print_exc()
        print("sgverify: internal error (this is a bug in sgverify)", file=sys.stderr)
        raise typer.Exit(EXIT_CRASH)
    raise typer.Exit(code)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that flushing what is left at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor (stdout replaced, as in tests)
        pass


def _register() -> None:
    # Each command module defines one typer-decorated function on `app`.
    from . import check  # noqa: F401
    from . import diff  # noqa: F401
    from . import snapshot  # noqa: F401
    from . import import_cmd  # noqa: F401
    from . import query  # noqa: F401
    from . import exposure  # noqa: F401
    from . import matrix  # noqa: F401
    from . import graph  # noqa: F401
    from . import report_cmd  # noqa: F401
    from . import lint  # noqa: F401
    from . import infer  # noqa: F401


def main() -> None:
    hold_until_exit()
    collect_less_often()
    _register()
    try:
        app()  # standalone: it always ends in SystemExit
    except SystemExit as done:
        exit_without_teardown(_exit_code(done.code))


def _exit_code(code) -> int:
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)  # what sys.exit does with a message
    return 1
