"""Problems with a whole input file, told to the user in one sentence.

A row-level problem never raises: the row is rejected with a reason. A
whole-file problem (missing file, required column absent, wrong delimiter,
corrupt or protected workbook, a file that is not a survey at all) stops the
run with an :class:`InputFileError`; the project's ``kedro run`` prints its
message without a traceback and keeps the traceback in the debug log.
"""

from __future__ import annotations


class InputFileError(Exception):
    """A whole input file cannot be used.

    Args:
        source: the file as the user knows it (a path).
        problem: what is wrong with it.
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


def find_input_error(exc: BaseException | None) -> InputFileError | None:
    """The InputFileError behind ``exc``, looking through Kedro's wrappers."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, InputFileError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
