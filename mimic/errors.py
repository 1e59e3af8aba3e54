"""A user's mistake ends as one line, ``mimic: error: ...``, naming the file or key and what was expected,
and exit status 2; a traceback is for bugs, or for whoever asks (``--debug`` or ``MIMIC_DEBUG=1``).

User errors are the exceptions mimic raises for bad input, each with a message that says what is wrong:
``ValueError`` (a bad value, file content or combination) and the ``OSError`` family for paths
(``FileNotFoundError``, ``FileExistsError``, ``IsADirectoryError``, ``NotADirectoryError``,
``PermissionError``). Configuration errors found while parsing come through the parser's ``error``.
"""

import argparse
import os
import sys

USER_ERRORS = (ValueError, FileNotFoundError, FileExistsError, IsADirectoryError, NotADirectoryError, PermissionError)
DEBUG_FLAG = "--debug"
DEBUG_ENV = "MIMIC_DEBUG"
_flag_given = False  # set by take_debug_flag: whether this command line asked for tracebacks


def take_debug_flag(argv: list[str]) -> list[str]:
    """Note whether ``--debug`` is in ``argv`` and return ``argv`` without it (no parser knows the flag)."""
    global _flag_given
    _flag_given = DEBUG_FLAG in argv
    return [a for a in argv if a != DEBUG_FLAG]


def debugging() -> bool:
    """Whether tracebacks were asked for (``--debug`` on the command line or ``MIMIC_DEBUG=1``)."""
    return _flag_given or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def one_line(message: object) -> str:
    """The message with its line breaks and runs of spaces folded into single spaces."""
    return " ".join(str(message).split())


def fail(message: object) -> None:
    """Print ``mimic: error: MESSAGE`` on one line and exit with status 2."""
    print(f"mimic: error: {one_line(message)}", file=sys.stderr, flush=True)
    raise SystemExit(2)


def reported(function, *args):
    """``function(*args)``, a user's mistake ending as one ``mimic: error:`` line (unless debugging)."""
    try:
        return function(*args)
    except USER_ERRORS as err:
        if debugging():
            raise
        fail(err)


def user_error_behind(err: BaseException) -> BaseException | None:
    """The deepest user error in ``err``'s chain of causes: the one a constructor raised, under the
    wrappers a parser put around it (jsonargparse's are ``ValueError``s too); ``None`` if there is none."""
    found = None
    while err is not None:
        found = err if isinstance(err, USER_ERRORS) else found
        err = err.__cause__ or err.__context__
    return found


class ToolParser(argparse.ArgumentParser):
    """``argparse`` for the tools (``mimic data``, ``mimic nets``, the experiments): a mistake in their
    arguments is one ``mimic: error:`` line too, naming the tool, instead of the usage text."""

    def error(self, message: str):
        if debugging():
            super().error(message)
        fail(f"{self.prog.removeprefix('mimic ')}: {message}")
