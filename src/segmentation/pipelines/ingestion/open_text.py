"""Open answers with the people the roster knows taken out, before they are stored.

A respondent who writes "ask dana, she helped me" or "דיברתי עם דנה" names a
colleague. The report's scrub (``report/scrub.py``) can only guess names by
their shape (capitalised word pairs), which misses lower-case and Hebrew
names and bare employee ids. Here, where the roster is still at hand, every
word of an answer that is a roster first or last name, an employee id or an
email (or its part before the @) is replaced, in any case and script, so the
stored ``open_text`` carries none of them. Words that are also ordinary words
("Will", "Rose") are replaced too: the safe side.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

logger = logging.getLogger(__name__)

# A word as written in an answer: letters or digits, with inner apostrophes or hyphens
# (O'Brien, Mary-Ann, Ann's); a dot joins parts of an email's local part (dana.cohen).
WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
PARTS = re.compile(r"['’.-]")
# Where a roster name splits into the words an answer may use alone (Mary-Ann Lee: mary, ann, lee).
NAME_PARTS = r"[\s'’.-]+"


def _lowered(column: pd.Series) -> pa.ChunkedArray:
    """A roster column as lower-case Arrow text (one vectorised pass, no Python string per row)."""
    values = pa.array(column, from_pandas=True)  # Arrow text as it is; others converted once
    if isinstance(values, pa.Array):
        values = pa.chunked_array([values])
    return pc.utf8_lower(pc.cast(values, pa.string()))


def _found(values: pa.ChunkedArray, candidates: pa.Array) -> set[str]:
    """The candidates that occur among ``values``: a hash lookup of the few words the answers
    use, instead of a set of every name and id on the roster."""
    return set(pc.filter(values, pc.is_in(values, value_set=candidates)).unique().to_pylist())


def known_people(
    words: set[str], contacts: pd.DataFrame, settings: Mapping[str, Any]
) -> dict[str, str]:
    """Which of the answers' lower-case ``words`` name someone on the roster, and their mark:
    an employee id or the part of an email before the @ (``id_mark``), a word of a first or
    last name (``name_mark``)."""
    candidates = pa.array(sorted(words), type=pa.string())
    emails = _lowered(contacts["email"])
    ids = _found(_lowered(contacts["employee_id"]), candidates) | _found(
        pc.list_element(pc.split_pattern(emails, "@", max_splits=1), 0), candidates
    )
    names = set().union(
        *(
            _found(
                pc.list_flatten(pc.split_pattern_regex(_lowered(contacts[c]), NAME_PARTS)),
                candidates,
            )
            for c in ("first_name", "last_name")
        )
    )
    min_id, min_name = int(settings["min_id_length"]), int(settings["min_name_length"])
    return {
        **{w: settings["name_mark"] for w in names if len(w) >= min_name},
        **{w: settings["id_mark"] for w in ids if len(w) >= min_id},
    }


def _candidates(word: str, prefixes: tuple[str, ...]) -> list[str]:
    """The forms of one lower-case answer word that may be a name or id: the word, its parts
    (Mary-Ann's: mary, ann, s) and each without a letter its language attaches in front."""
    forms = [word, *PARTS.split(word)]
    return forms + [
        f[len(p) :] for f in forms for p in prefixes if f.startswith(p) and len(f) > len(p)
    ]


def scrub_known_people(
    open_text: pd.DataFrame, contacts: pd.DataFrame, settings: Mapping[str, Any]
) -> pd.DataFrame:
    """``open_text`` with every roster name, employee id and email part in its answers replaced.

    Only distinct answers are read (exports repeat short answers): once for their words,
    and again to replace them only when some word names someone; the roster is searched
    once, for the words the answers use.
    """
    prefixes = tuple(settings.get("attached_prefixes") or ())
    columns = [c for c in open_text.columns if c != "pid"]
    answers = {c: pd.unique(open_text[c][open_text[c].notna()].astype(str)) for c in columns}
    words = {
        form
        for texts in answers.values()
        for text in texts
        for word in WORD.findall(text)
        for form in _candidates(word.lower(), prefixes)
    }
    marks = known_people(words, contacts, settings) if words else {}
    if not marks:
        return open_text  # nobody on the roster is named: nothing to replace
    out, replaced = open_text.copy(), 0

    def mark(match: re.Match) -> str:
        nonlocal replaced
        for form in _candidates(match.group(0).lower(), prefixes):
            if form in marks:
                replaced += 1
                return marks[form]
        return match.group(0)

    for column in columns:
        scrubbed = {text: WORD.sub(mark, text) for text in answers[column]}
        if any(new != text for text, new in scrubbed.items()):
            out[column] = open_text[column].map(scrubbed).astype(open_text[column].dtype)
    if replaced:
        logger.info(
            "Open answers: %d words that name someone on the roster (a name, an id or an "
            "email) replaced in the distinct answers before the answers are stored.",
            replaced,
        )
    return out
