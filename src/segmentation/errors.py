"""Problems the user can fix, told in one sentence.

A row-level problem never raises: the row is rejected with a reason. A
problem with a whole input file (missing file, required column absent, wrong
delimiter, corrupt or protected workbook, a file that is not a survey at all)
raises an :class:`InputFileError`; data that cannot make personas (too few
usable responses, answers that do not vary) raises a :class:`RunStopped`; an
output that cannot be written (read-only folder, full disk) reaches the user
as an :class:`OutputWriteError`; a run parameter that is not allowed (a wave
name that is not one, a path leaving ``data/``) raises a :class:`ParameterError`. The project's ``kedro run`` prints the
message without a traceback, exits with code 2 and keeps the traceback in the
debug log.
"""

from __future__ import annotations

import errno

from kedro.config import MissingConfigException

# Operating-system errors a user fixes outside the pipeline (permissions, disk space).
_OS_PROBLEMS = {
    errno.EACCES: (
        "permission denied",
        "a data/ folder this user can write to (check its permissions).",
    ),
    errno.EPERM: (
        "operation not permitted",
        "a data/ folder this user can write to (check its permissions).",
    ),
    errno.EROFS: ("the file system is read-only", "a data/ folder on a writable disk."),
    errno.ENOSPC: (
        "the disk is full (no space left on device)",
        "free space on the disk that holds data/.",
    ),
    errno.EDQUOT: ("the disk quota is exceeded", "free space within your disk quota."),
}


# The exit code of a run or command stopped by a problem the user can fix.
INPUT_ERROR_EXIT_CODE = 2


class RunStopped(Exception):
    """The run cannot go on; the user can fix the cause.

    Args:
        source: what the problem is about, as the user knows it (a path, or a stage's data).
        problem: what is wrong.
        expected: what the pipeline expected instead, and how to fix it.
    """

    def __init__(self, source: str, problem: str, expected: str = "") -> None:
        self.source = str(source)
        self.problem = problem
        self.expected = expected
        message = f"{self.source}: {problem}"
        if expected:
            message += f" Expected: {expected}"
        super().__init__(message)


class InputFileError(RunStopped):
    """A whole input file cannot be used."""


class ParameterError(RunStopped):
    """A run parameter (``--params ...``) or a catalog path built from one is not allowed."""


class OutputWriteError(RunStopped):
    """An output cannot be written (permissions, a read-only or full disk)."""

    @classmethod
    def from_os_error(cls, exc: OSError) -> OutputWriteError | None:
        problem = _OS_PROBLEMS.get(exc.errno)
        if problem is None:
            return None
        what, expected = problem
        return cls(
            exc.filename or "data/",
            f"{what}; this wave's previous outputs were left as they were.",
            expected,
        )


class ConfigurationError(RunStopped):
    """The project's configuration cannot be read (an environment that does not exist, no files)."""

    _NO_FOLDER = "Given configuration path either does not exist or is not a valid directory: "

    @classmethod
    def from_kedro(cls, exc: Exception) -> ConfigurationError:
        """Kedro's MissingConfigException in one line: ``kedro run --env nope`` ended in a traceback."""
        message = str(exc)
        if message.startswith(cls._NO_FOLDER):
            return cls(
                message[len(cls._NO_FOLDER) :],
                "this configuration folder does not exist.",
                "--env names a folder under conf/ (`segmentation inspect <export> --env NAME` "
                "makes one), or leave --env out.",
            )
        return cls("conf/", message, "the configuration files Kedro names here.")


def _chain(exc: BaseException | None):
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        yield exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__


def find_input_error(exc: BaseException | None) -> InputFileError | None:
    """The InputFileError behind ``exc``, looking through Kedro's wrappers."""
    return next((e for e in _chain(exc) if isinstance(e, InputFileError)), None)


def find_run_stop(exc: BaseException | None) -> RunStopped | None:
    """The user-fixable problem behind ``exc`` (looking through Kedro's wrappers), or None."""
    for cause in _chain(exc):
        if isinstance(cause, RunStopped):
            return cause
        if isinstance(cause, MissingConfigException):
            return ConfigurationError.from_kedro(cause)
        if isinstance(cause, OSError):
            translated = OutputWriteError.from_os_error(cause)
            if translated is not None:
                return translated
    return None
