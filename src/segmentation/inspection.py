"""What each column of an unknown survey export is: pure functions behind ``segmentation inspect``.

A column is classified from its header and its answers, with the vocabulary
of ``conf/base/parameters_inspect.yml`` (ladders of ordered answers, header
words of ids, emails, timestamps, consent and demographics). Every guess
carries a short note saying why, which the starter configuration writes
beside it as a comment so that a person can check it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from segmentation.codebook import normalise_text

RATING = "rating"
YES_NO = "yes_no"
SINGLE_CHOICE = "single_choice"
MULTI_SELECT = "multi_select"
MULTI_SELECT_OPTION = "multi_select_option"
FREE_TEXT = "free_text"
RESPONDENT_ID = "respondent_id"
EMPLOYEE_ID = "employee_id"
EMAIL = "email"
TIMESTAMP = "timestamp"
COMPLETION = "completion"
CONSENT = "consent"
DEMOGRAPHIC = "demographic"
EMPTY = "empty"
# Kinds that become scored questionnaire items.
SCORED_KINDS = (RATING, YES_NO, MULTI_SELECT_OPTION)

_OPTION = re.compile(r"^(?P<stem>.+?)\s*\[(?P<option>[^\[\]]+)\]\s*$")
_SHORT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
_PREFIXED_ID = re.compile(r"^(?P<prefix>[A-Za-z]+?)[_.-]?(?P<number>\d+)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_INTEGER = re.compile(r"^-?\d+(\.0+)?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_AGE_BAND = re.compile(
    r"^(?:(?P<lo>\d{1,2})\s*(?:-|\u2013|to)\s*(?P<hi>\d{1,2})(?:\s*years?)?"
    r"|(?P<plus>\d{1,2})\s*(?:\+|or (?:above|older|over)|and (?:above|older|over))(?:\s*years?)?"
    r"|(?:under|below|less than|younger than)\s*(?P<under>\d{1,2})(?:\s*years?)?)$"
)
_DATE_LIKE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?|^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}"
)
_SEPARATORS = re.compile(r"\s*[;,|]\s*")


@dataclass(frozen=True)
class ColumnGuess:
    """What one column of the export is, and why we think so."""

    position: int
    header: str
    kind: str
    note: str
    detail: Mapping[str, Any] = field(default_factory=dict)


def _words(text: str) -> str:
    """The folded text as space-separated words; '_' separates words too (Q17_Age is 'q17 age')."""
    return " " + re.sub(r"[^\w@+-]+|_+", " ", normalise_text(text)).strip() + " "


def header_has(header: str, phrases: Iterable[str]) -> str | None:
    """The first phrase that occurs in the header as whole words, or None."""
    words = _words(header)
    for phrase in phrases:
        if _words(phrase) in words:
            return phrase
    return None


def header_is(header: str, names: Iterable[str]) -> bool:
    """True when the folded header equals one of the names."""
    folded = normalise_text(header)
    return any(folded == normalise_text(n) for n in names)


def answered(values: Sequence[str], missing: Iterable[str]) -> list[str]:
    """The answers that are not blank or a 'no answer' label, stripped."""
    gone = {normalise_text(m) for m in missing}
    return [v.strip() for v in values if normalise_text(v) not in gone]


def option_stems(headers: Sequence[str]) -> dict[str, list[int]]:
    """Stems shared by two or more ``Stem [Option]`` headers -> their positions.

    LimeSurvey and Google Forms write a multi-select (and a grid) as one
    column per option, headed by the question and the option in brackets.
    """
    groups: dict[str, list[int]] = defaultdict(list)
    for position, header in enumerate(headers):
        match = _OPTION.match(str(header))
        if match:
            groups[normalise_text(match["stem"])].append(position)
    return {stem: positions for stem, positions in groups.items() if len(positions) >= 2}


def numeric_range(answers: Sequence[str]) -> tuple[int, int] | None:
    """Lowest and highest answer when every answer is a whole number of a rating scale (0-10)."""
    if not answers or not all(_INTEGER.match(a) for a in answers):
        return None
    numbers = {int(float(a)) for a in answers}
    low, high = min(numbers), max(numbers)
    if low < 0 or high > 10 or high - low < 1:
        return None
    return low, high


def matching_ladder(answers: Sequence[str], ladders: Mapping[str, Sequence[str]]) -> str | None:
    """The shortest ladder that holds every distinct answer (at least two of its points); ties: the first listed."""
    distinct = {normalise_text(a) for a in answers}
    if len(distinct) < 2:
        return None
    fits = [
        (len(labels), order, name)
        for order, (name, labels) in enumerate(ladders.items())
        if distinct <= {normalise_text(label) for label in labels}
    ]
    return min(fits)[2] if fits else None


def is_yes_no(answers: Sequence[str], vocab: Mapping[str, Any]) -> bool:
    """Every answer is a yes or a no word (and both kinds, or a bracketed option, occur)."""
    yes = {normalise_text(w) for w in vocab["yes_words"]}
    no = {normalise_text(w) for w in vocab["no_words"]}
    folded = {normalise_text(a) for a in answers}
    return bool(folded) and folded <= yes | no


def age_band_bounds(label: str) -> tuple[float, float] | None:
    """Ages a band label covers, ``[lo, hi)``: '25-34' -> (25, 35), '65 or above' -> (65, inf)."""
    match = _AGE_BAND.match(normalise_text(label))
    if not match:
        return None
    if match["lo"]:
        return float(match["lo"]), float(match["hi"]) + 1
    if match["plus"]:
        return float(match["plus"]), float("inf")
    return 0.0, float(match["under"])


def multi_select_options(answers: Sequence[str]) -> list[str] | None:
    """Options of a one-column multi-select (answers joined by ',', ';' or '|'), or None.

    It is one when some answers hold several options and the options recur:
    fewer distinct options than distinct answers.
    """
    if not answers:
        return None
    split = [[p for p in _SEPARATORS.split(a) if p] for a in answers]
    if sum(len(s) > 1 for s in split) < max(2, len(answers) // 10):
        return None
    options = Counter(p for s in split for p in s)
    distinct_answers = len(set(answers))
    recurring = [o for o, n in options.items() if n >= 2]
    if len(options) >= distinct_answers or len(recurring) < 2:
        return None
    if sum(len(o) for o in options) / len(options) > 40:  # sentences split at commas, not options
        return None
    return sorted(recurring)


def _demographic(
    header: str, answers: Sequence[str], vocab: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The roster field a demographic question speaks of, with how its answers read."""
    for name, phrases in vocab["demographics"].items():
        if not header_has(header, phrases):
            continue
        distinct = sorted(set(answers), key=_natural)
        detail: dict[str, Any] = {
            "field": name,
            "roster_field": vocab["roster_fields"][name],
            "values": distinct,
        }
        if name == "age":
            # whole ages from 10 up, many of them: years (Google Forms surveys of students start at 13);
            # a few small numbers are codes of age groups
            numbers = [float(a) for a in answers if _NUMBER.match(a)]
            bands = {a: age_band_bounds(a) for a in distinct}
            if (
                numbers
                and len(numbers) == len(answers)
                and min(numbers) >= 10
                and max(numbers) <= 100
                and len(distinct) > 6
            ):
                detail["reads_as"] = "years"
            elif all(bands.values()):
                detail["reads_as"] = "bands"
                detail["bands"] = {a: list(b) for a, b in bands.items()}
            else:
                detail["reads_as"] = "codes"
        elif len(distinct) > vocab["single_choice_max_options"] * 2:
            return None
        return detail
    return None


def _natural(value: str) -> tuple:
    """Sort key that puts '2' before '10' and '18-24' before '25-34'."""
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p)
        for p in re.split(r"(\d+)", normalise_text(value))
    )


def classify_column(
    position: int,
    header: str,
    values: Sequence[str],
    vocab: Mapping[str, Any],
    option_stem: str | None = None,
    role: str | None = None,
) -> ColumnGuess:
    """What one column is. ``role`` is what the export shape says of it (id, email, ...), if anything."""

    def guess(kind: str, note: str, **detail: Any) -> ColumnGuess:
        return ColumnGuess(position, header, kind, note, detail)

    raw = [str(v).strip() for v in values]
    filled = [v for v in raw if v]
    if role in {RESPONDENT_ID, EMPLOYEE_ID, EMAIL, TIMESTAMP, COMPLETION}:
        return guess(role, "named by the export shape")
    if not filled:
        return guess(EMPTY, "no answers at all")
    answers = answered(raw, vocab["missing_answers"])
    distinct = set(filled)
    if header_is(header, vocab["employee_id_headers"]):
        return guess(EMPLOYEE_ID, "header names an employee id")
    if header_has(header, vocab["email_headers"]) or sum(
        bool(_EMAIL.match(v)) for v in filled
    ) >= 0.8 * len(filled):
        return guess(EMAIL, "header or answers are email addresses")
    if header_is(header, vocab["respondent_id_headers"]) and len(distinct) == len(filled):
        return guess(RESPONDENT_ID, "the survey tool's own response number: not an employee id")
    if header_is(header, vocab["timestamp_headers"]) and sum(
        bool(_DATE_LIKE.match(v)) for v in filled
    ) >= 0.8 * len(filled):
        return guess(TIMESTAMP, "header and answers are dates")
    if header_is(header, vocab["completion_headers"]):
        return guess(COMPLETION, "header names completion or progress")
    if (
        header_has(header, vocab["consent_words"])
        and len({normalise_text(a) for a in answers}) <= 3
    ):
        return guess(
            CONSENT, "header asks for consent; answers: " + ", ".join(sorted(set(answers)))
        )
    if option_stem is not None and normalise_text(_OPTION.match(header)["option"]) in {
        normalise_text(w) for w in vocab["other_options"]
    }:
        return guess(FREE_TEXT, "the write-in 'Other' answer of the question before", write_in=True)
    demographic = _demographic(header, answers, vocab)
    if demographic and option_stem is None:
        return guess(DEMOGRAPHIC, f"header asks for {demographic['field']}", **demographic)
    if option_stem is not None and is_yes_no(answers, vocab):
        return guess(
            MULTI_SELECT_OPTION,
            "one column per option of a multi-select, answered yes/no",
            stem=option_stem,
        )
    if is_yes_no(answers, vocab) and len({normalise_text(a) for a in answers}) == 2:
        return guess(YES_NO, "answers are yes or no")
    numbers = numeric_range(answers)
    if numbers and len(set(answers)) >= 2:
        return guess(
            RATING,
            f"whole-number answers {numbers[0]}-{numbers[1]}",
            low=numbers[0],
            high=numbers[1],
        )
    ladder = matching_ladder(answers, vocab["ladders"])
    if ladder:
        return guess(RATING, f"answers sit on the ordered labels '{ladder}'", ladder=ladder)
    options = multi_select_options(answers)
    long_answers = (
        sum(len(a) for a in answers) / max(1, len(answers)) >= vocab["free_text_min_length"]
    )
    if options and not long_answers:
        return guess(MULTI_SELECT, f"answers combine {len(options)} options", options=options)
    if len(set(answers)) <= vocab["single_choice_max_options"] and not long_answers:
        return guess(SINGLE_CHOICE, f"{len(set(answers))} distinct answers, unordered")
    return guess(FREE_TEXT, f"{len(set(answers))} distinct answers, free text")


def classify_columns(
    headers: Sequence[str],
    columns: Sequence[Sequence[str]],
    vocab: Mapping[str, Any],
    roles: Mapping[int, str] | None = None,
) -> list[ColumnGuess]:
    """Classify every column of an export (``columns[i]`` holds the answers under ``headers[i]``).

    Numeric rating items that share an id prefix (PE1..PE4) share one range:
    the widest any of them shows.
    """
    roles = roles or {}
    stems = {p: stem for stem, positions in option_stems(headers).items() for p in positions}
    # a lone "Question [Other]" column is the write-in of the question before it
    for position, header in enumerate(headers):
        match = _OPTION.match(str(header))
        if (
            match
            and position not in stems
            and normalise_text(match["option"])
            in {normalise_text(w) for w in vocab["other_options"]}
        ):
            stems[position] = normalise_text(match["stem"])
    guesses = [
        classify_column(i, str(h), columns[i], vocab, stems.get(i), roles.get(i))
        for i, h in enumerate(headers)
    ]
    return _widen_numeric_ranges(guesses)


def _widen_numeric_ranges(guesses: list[ColumnGuess]) -> list[ColumnGuess]:
    """All numeric ratings of the export take the range they show together.

    A 7-point item nobody answered 1 on shows 2-7; its siblings show 1-7, and
    it is the same scale.
    """
    numeric = [g for g in guesses if g.kind == RATING and "low" in g.detail]
    if not numeric:
        return guesses
    low = min(g.detail["low"] for g in numeric)
    high = max(g.detail["high"] for g in numeric)
    out = []
    for g in guesses:
        if g in numeric and (g.detail["low"], g.detail["high"]) != (low, high):
            note = f"{g.note}; read on {low}-{high} like the other numeric items"
            g = ColumnGuess(
                g.position, g.header, g.kind, note, {**g.detail, "low": low, "high": high}
            )
        out.append(g)
    return out


def item_ids(guesses: Sequence[ColumnGuess]) -> dict[int, str]:
    """An item id for every scored or free-text column.

    A short code header (PE1, HAB_2) is its own id; otherwise questions are
    numbered Q1, Q2, ... and the options of one multi-select Q5_1, Q5_2, ...
    """
    ids: dict[int, str] = {}
    taken: set[str] = set()
    number = 0
    stems: dict[str, str] = {}
    option_counts: Counter = Counter()
    for g in guesses:
        if g.kind not in (*SCORED_KINDS, FREE_TEXT):
            continue
        if _SHORT_ID.match(g.header) and g.header not in taken:
            ids[g.position] = g.header
        elif g.kind == MULTI_SELECT_OPTION:
            stem = g.detail["stem"]
            if stem not in stems:
                number += 1
                stems[stem] = f"Q{number}"
            option_counts[stem] += 1
            ids[g.position] = f"{stems[stem]}_{option_counts[stem]}"
        else:
            number += 1
            ids[g.position] = f"Q{number}"
        taken.add(ids[g.position])
    return ids


def guess_constructs(ids: Sequence[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Constructs from item-id prefixes (PE1..PE4 -> pe) or one item per construct.

    Returns the constructs and, per construct, the note that explains it.
    """
    by_prefix: dict[str, list[str]] = defaultdict(list)
    for item in ids:
        match = _PREFIXED_ID.match(item)
        by_prefix[match["prefix"].lower() if match and not item.startswith("Q") else ""].append(
            item
        )
    constructs: dict[str, list[str]] = {}
    notes: dict[str, str] = {}
    for item in ids:
        match = _PREFIXED_ID.match(item)
        prefix = match["prefix"].lower() if match and not item.startswith("Q") else ""
        if prefix and len(by_prefix[prefix]) >= 2:
            if prefix not in constructs:
                constructs[prefix] = by_prefix[prefix]
                notes[prefix] = f"items sharing the id prefix {match['prefix']}"
            continue
        name = item.lower()
        constructs[name] = [item]
        notes[name] = "one item, a construct of its own"
    return constructs, notes


def guess_role(texts: Iterable[str], role_words: Mapping[str, Sequence[str]]) -> str | None:
    """The one role whose words occur in the texts, or None when none or several do."""
    # a role word starts a word ("app" in "apps", "innovat" in "innovation"), never sits inside one ("inappropriate")
    folded = " ".join(_words(t) for t in texts)
    found = [
        role
        for role, words in role_words.items()
        if any(_words(w).rstrip() in folded for w in words)
    ]
    return found[0] if len(found) == 1 else None


def gender_map(
    values: Sequence[str], roster_values: Sequence[str], gender_words: Mapping[str, Sequence[str]]
) -> dict[str, str]:
    """Survey gender answer -> the roster's spelling of the same gender, where both are recognisable."""
    meaning = {normalise_text(w): g for g, words in gender_words.items() for w in words}
    roster_by_meaning: dict[str, str] = {}
    for value in sorted(set(roster_values), key=_natural):
        g = meaning.get(normalise_text(value))
        if g and g not in roster_by_meaning:
            roster_by_meaning[g] = value
    out = {}
    for value in values:
        g = meaning.get(normalise_text(value))
        if g in roster_by_meaning:
            out[value] = roster_by_meaning[g]
    return out
