"""Free text made safe to quote: web addresses, contact details and likely names replaced.

The report never receives clear names: the roster's own names, ids and
emails were replaced at ingestion (``ingestion/open_text.py``), before the
answers were stored. What is left is caught by its shape: two or three
capitalised words in a row ("Dana Cohen", "Mary-Ann O'Brien") become
``[name]``, which also catches some place or product names ("Tel Aviv"), the
safe side. Names of people not on the roster, written in lower case or in
Hebrew script, are NOT caught; free text is therefore off by default
(``report.show_open_text``).
"""

from __future__ import annotations

import re

# A web address, whole: its path and query often carry an employee id or a name
# ("https://intranet.example/people/00123/dana-cohen"), in any case or script.
URL = re.compile(r"(?<![\w/])(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>\"]+", re.IGNORECASE)
# Matched only from the start of a run of address characters, without backtracking into
# it: a long run with no '@' (a 1 MB answer) costs one pass, not one per character.
EMAIL = re.compile(r"(?<![\w.+'-])[\w.+'-]++@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 7 or more digits, optionally with +, spaces, dots, dashes or brackets between them.
PHONE = re.compile(r"(?<!\w)\+?\(?\d(?:[\s().-]*\d){6,}(?!\w)")
_WORD = r"[A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)*"
_PREFIXED = r"(?:O['’]|D['’]|Mc|Mac)?" + _WORD
NAME_PAIR = re.compile(rf"\b{_WORD}(?:\s+{_PREFIXED}){{1,2}}\b")
SMALL_COUNT = re.compile(
    r"\b(\d+)(\s+)(people|persons|respondents|employees|members|אנשים|משיבים|עובדים)\b"
)

LINK_MARK = "[link]"
EMAIL_MARK = "[email]"
PHONE_MARK = "[phone]"
NAME_MARK = "[name]"


def scrub_text(text: str) -> str:
    """``text`` with web addresses, emails, phone numbers and capitalised first+last name pairs replaced."""
    text = URL.sub(LINK_MARK, text)
    text = EMAIL.sub(EMAIL_MARK, text)
    text = PHONE.sub(PHONE_MARK, text)
    return NAME_PAIR.sub(NAME_MARK, text)


def hide_small_counts(text: str, min_group: int, replacement: str) -> str:
    """Replace "<n> people" with ``replacement`` when n is under ``min_group`` (for warnings)."""

    def fix(match: re.Match) -> str:
        return replacement if int(match.group(1)) < min_group else match.group(0)

    return SMALL_COUNT.sub(fix, text)


PERCENT = re.compile(r"(?<![\w.])(\d{1,3}(?:\.(\d+))?)\s?%")


def guard_shares(text: str, group_size: int | None, min_group: int, replacement: str) -> str:
    """Hide percentages of a group that could describe fewer than ``min_group`` people.

    Texts written by other stages quote shares of a persona ("since 92% have
    no company computer", "3% remote"). A share p of a group of n people is
    replaced by ``replacement`` when, allowing for the rounding of the shown
    figure, p x n or (1 - p) x n may be a count from 1 to ``min_group - 1``.
    0% and 100% stay (they describe nobody). Without a known group size every
    share other than 0% and 100% is hidden.
    """
    if not text or "%" not in text:
        return text

    def fix(match: re.Match) -> str:
        value = float(match.group(1)) / 100
        if value <= 0 or value >= 1:
            return match.group(0)
        if not group_size:
            return replacement
        decimals = len(match.group(2) or "")
        half = 0.5 * 10 ** (-decimals) / 100
        low = (value - half) * group_size
        low_complement = (1 - value - half) * group_size
        return replacement if low < min_group or low_complement < min_group else match.group(0)

    return PERCENT.sub(fix, text)
