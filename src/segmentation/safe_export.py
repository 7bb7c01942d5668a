"""Make exported text inert in spreadsheets (OWASP's CSV-injection rule).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return can be run as a formula by Excel, LibreOffice or Google Sheets. Such
text gets a leading apostrophe, which every spreadsheet shows as text. The
rest of the text, Hebrew, Arabic and apostrophes included, is left alone.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_text(value: Any) -> Any:
    """The value, made inert if it is text a spreadsheet could run."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text columns are safe to open in a spreadsheet."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if pd.api.types.is_string_dtype(values) and values.dtype != object:
            # Arrow-backed text: find the few risky cells in C, rewrite only those
            risky = values.str.startswith(FORMULA_TRIGGERS).fillna(False).to_numpy(dtype=bool)
            if risky.any():
                values = values.copy()
                values[risky] = "'" + values[risky]
                safe[column] = values
        elif values.dtype == object:
            safe[column] = values.map(neutralise_text)
    safe.columns = [neutralise_text(str(c)) for c in safe.columns]
    return safe
