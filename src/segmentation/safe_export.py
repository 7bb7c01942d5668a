"""Make exported text inert in spreadsheets and unable to break a CSV's rows.

Every CSV and workbook the project writes goes through here (the
``SpreadsheetSafeCSVDataset``, the targeting lists' renderer and the report
workbook), so these rules hold for all of them:

* **No control characters.** A carriage return, line feed, NUL or any other
  control character (Unicode category Cc, and the line and paragraph
  separators U+2028/U+2029) inside a cell becomes a space. A bare CR is what
  let ``Ops-North\\r=1+1`` start a new CSV row with ``=1+1``; campaign tools
  and naive readers disagree on how quoted line breaks are read, so a CSV
  cell carries none, except in a file written for people to read in a
  spreadsheet that asks for them (``keep_line_breaks``: the manager briefs'
  talking points), where a CR becomes ``\\n`` and the writer quotes the cell.
  A workbook cell keeps ``\\n`` (a line break inside an xlsx cell cannot
  start a row) and loses the rest, which Excel cannot store anyway.
* **No cell longer than a spreadsheet cell** (32,767 characters): longer
  text is cut and ends with an ellipsis, so a 1 MB value cannot make a file
  that Excel, a campaign tool or a CSV reader's field limit refuses.
* **No formulas** (OWASP's CSV-injection rule). A cell whose first visible
  character is ``=``, ``+``, ``-`` or ``@`` gets a leading apostrophe, which
  every spreadsheet shows as text. "Visible" skips spaces and invisible format
  characters (zero-width spaces, RTL marks, byte-order marks) that a
  spreadsheet may drop, and a look-alike counts as its ASCII form when Unicode
  compatibility normalisation (NFKC) makes it one: ``＝1+1`` (full-width) is
  neutralised like ``=1+1``. The rest of the text, Hebrew, Arabic, emoji and
  apostrophes included, is left alone.
"""

from __future__ import annotations

import re
import unicodedata
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

FORMULA_TRIGGERS = "=+-@"
# Characters whose NFKC form starts with a trigger (superscripts, full-width
# and small forms, ...): every one in Unicode, checked by the tests.
FORMULA_LOOKALIKES = (
    "\u207a\u207c\u208a\u208c\u2a75\u2a76\ufb29\ufe62\ufe63\ufe66\ufe6b\uff0b\uff0d\uff1d\uff20"
)
LINE_SEPARATORS = "\u2028\u2029"

# What breaks a row or cannot be stored: Cc (C0, DEL, C1) and the Unicode line separators.
_CONTROL = "\x00-\x1f\x7f-\x9f" + LINE_SEPARATORS
CONTROL_CHARACTERS = re.compile(f"[{_CONTROL}]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f" + LINE_SEPARATORS + "]")
# A cell that may need rewriting, in RE2 syntax (Arrow) and Python's: any
# control character, or a trigger (or look-alike) after leading blanks.
_RISKY_RE2 = (
    f"[{_CONTROL}]|^[\\s\\p{{Z}}\\p{{Cf}}]*[{re.escape(FORMULA_TRIGGERS)}{FORMULA_LOOKALIKES}]"
)
# The most characters a spreadsheet cell holds (Excel's limit); longer text is cut with an
# ellipsis (room left for the apostrophe), in workbooks and CSVs alike.
MAX_CELL = 32_767


def _blank(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cf", "Zs", "Zl", "Zp")


def starts_like_formula(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula (see the module's rules)."""
    for char in text:
        if _blank(char):
            continue
        return unicodedata.normalize("NFKC", char)[:1] in FORMULA_TRIGGERS
    return False


def neutralise_text(value: Any, keep_line_breaks: bool = False) -> Any:
    """The value, with control characters made spaces, cut to what a cell holds, a formula made inert.

    ``keep_line_breaks`` keeps ``\\n`` (workbook cells); ``\\r\\n`` and ``\\r``
    count as one line break there. Anything but text is returned unchanged.
    """
    if not isinstance(value, str):
        return value
    if keep_line_breaks:
        text = _CONTROL_BUT_NEWLINE.sub(" ", value.replace("\r\n", "\n").replace("\r", "\n"))
    else:
        text = CONTROL_CHARACTERS.sub(" ", value)
    if len(text) >= MAX_CELL:
        text = text[: MAX_CELL - 2] + "\u2026"
    return "'" + text if starts_like_formula(text) else text


def neutralise_workbook_text(value: Any) -> Any:
    """``neutralise_text`` for an xlsx cell: line breaks kept."""
    return neutralise_text(value, keep_line_breaks=True)


def neutralise_formulas(frame: pd.DataFrame, keep_line_breaks: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` whose text is safe to write as CSV and open in a spreadsheet.

    ``keep_line_breaks`` keeps ``\n`` inside cells (the CSV writer then quotes
    them) for a file meant to be read in a spreadsheet, such as the manager
    briefs' talking points; lists for campaign tools never carry one.
    """
    neutralise = partial(neutralise_text, keep_line_breaks=keep_line_breaks)
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
            # Arrow-backed text: find the few risky cells in C (RE2), rewrite only those
            text = pa.array(values.array)
            found = pc.or_(
                pc.match_substring_regex(text, _RISKY_RE2),
                pc.greater(pc.utf8_length(text), MAX_CELL - 1),
            )
            risky = np.asarray(
                pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool
            )
            if risky.any():
                values = values.copy()
                values[risky] = values[risky].map(neutralise)
                safe[column] = values
        elif values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            safe[column] = values.map(neutralise)
    safe.columns = [neutralise_text(str(c)) for c in safe.columns]
    return safe
