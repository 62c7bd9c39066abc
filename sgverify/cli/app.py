"""The `sgverify` command: a thin typer shell over the library.

Each command lives in its own module as a plain function that parses its
arguments, calls the library and returns an exit code; this module only
registers them and turns errors into exit codes: a user error (InputError)
becomes one line per problem on stderr and exit 2; a reader of stdout that goes
away (`| head`) ends the run quietly with 141; anything else is a bug and keeps
its traceback (exit 4).
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
import traceback
from typing import Callable, Sequence

import typer

from ..errors import InputError, SgverifyError
from ..gcpause import collect_less_often, exit_without_teardown, hold_until_exit
from .exitcodes import EXIT_BROKEN_PIPE, EXIT_CRASH, EXIT_INPUT

def prose(text: str) -> str:
    """Help text as paragraphs without their source line breaks, for the help
    formatter to wrap to the terminal (typer keeps a docstring's single line
    breaks in the command list and after the first paragraph)."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines() if line.strip()) for p in paragraphs)


class _Typer(typer.Typer):
    """A typer app whose commands' help is their docstring, as `prose`."""

    def command(self, name: str | None = None, **settings):
        register = super().command

        def decorate(function):
            text = settings.pop("help", None) or function.__doc__ or ""
            return register(name, help=prose(text), **settings)(function)

        return decorate


app = _Typer(
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


# Each command and the module defining it (one typer command each), in the order
# `--help` lists them.
COMMANDS = {"check": "check", "diff": "diff", "snapshot": "snapshot", "import": "import_cmd", "query": "query",
            "exposure": "exposure", "matrix": "matrix", "graph": "graph", "report": "report_cmd", "lint": "lint",
            "infer": "infer", "fix": "fix"}


def _register(arguments: Sequence[str] = ()) -> None:
    """Import the command modules: only the named command's when the arguments name one
    (the others' imports cost a run 0.1 s), else every one (help, a mistyped name)."""
    named = next((argument for argument in arguments if not argument.startswith("-")), None)
    for module in [COMMANDS[named]] if named in COMMANDS else COMMANDS.values():
        importlib.import_module(f"{__package__}.{module}")


def main() -> None:
    hold_until_exit()
    collect_less_often()
    _register(sys.argv[1:])
    try:
        app()  # standalone: it always ends in SystemExit
    except SystemExit as done:
        exit_without_teardown(_exit_code(done.code))


def _exit_code(code) -> int:
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)  # what sys.exit does with a message
    return 1
