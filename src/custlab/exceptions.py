"""The small exception hierarchy custlab raises, and the exit code each maps to.

Every error a user can cause (a bad config, an unusable file) is an
:class:`InputError`: the CLI prints its one-line message and exits 2, never a
traceback. A report whose notebook fails is a :class:`RunError` (exit 1).
"""

from __future__ import annotations


class CustlabError(Exception):
    """Base class of every error custlab raises on purpose."""

    exit_code = 1


class InputError(CustlabError):
    """Input that cannot be used at all: a missing file, a missing required
    column, an unreadable file, a bad config or bad command-line arguments.

    The message is one line naming the file, the column (if any) and the problem.
    """

    exit_code = 2

    def __init__(self, problem: str, *, file: str | None = None, column: str | None = None):
        self.problem = problem
        self.file = file
        self.column = column
        parts = []
        if file:
            parts.append(str(file))
        if column:
            parts.append(f"column '{column}'")
        prefix = ": ".join(parts)
        message = f"{prefix}: {problem}" if prefix else problem
        super().__init__(" ".join(message.split()))


class ConfigError(InputError):
    """A config file that is missing, unreadable or has unknown or mistyped keys."""


class RunError(CustlabError):
    """A report run that failed after it started (a notebook cell, the export)."""

    exit_code = 1


class SetupError(CustlabError):
    """The machine, not the data, stops the run: an output folder that cannot be
    written (a file in its place, read-only, full), a full temporary disk.

    Exit code 2 with one line naming the path and the problem; exit 3 is kept
    for custlab's own bugs.
    """

    exit_code = 2

    @classmethod
    def from_os_error(cls, exc: OSError, doing: str) -> "SetupError":
        """The one line for an ``OSError`` met while ``doing`` something (e.g. "writing the report")."""
        where = exc.filename or ""
        problem = exc.strerror or type(exc).__name__
        return cls(f"{where}: cannot go on {doing}: {problem}" if where else f"cannot go on {doing}: {problem}")
