"""Writers for every file shape of the data contract.

The survey writers take one table of answers and write it in the shape of a
real export, so that tests can write the SAME answers as Microsoft Forms,
Google Forms, Qualtrics, LimeSurvey and SurveyMonkey and check that the
pipeline reads them alike.

The answers table (a DataFrame, one row per submission) may hold:

=================== =====================================================
column              meaning
=================== =====================================================
``<item id>``       the number 1-5 the respondent picked, NaN when missing
                    (one column per scored item of the codebook; absent
                    columns are written as unanswered)
``<text item id>``  free text such as ``OPEN1`` (written only when present)
``employee_id``     Qualtrics ``ExternalReference``
``email``           Microsoft Forms ``Email``, Google Forms ``Email Address``,
                    Qualtrics ``RecipientEmail`` unless ``recipient_email``
``recipient_email`` Qualtrics ``RecipientEmail`` (may be empty)
``name``            Microsoft Forms ``Name``
``language``        language of the answer labels of that row (``en``/``he``);
                    default: the writer's ``language``
``answer_format``   ``label`` or ``number`` per row; default ``label``
``start_time``      submission start (datetime); default 2026-03-02 09:00
                    plus nine minutes per row
``end_time``        completion time; default start + 6 minutes
``recorded_time``   Qualtrics ``RecordedDate``; default end + 1 second
``finished``        Qualtrics ``Finished``; default True
``progress``        Qualtrics ``Progress``; default 100 when finished, else
                    the share of items answered
``response_id``     Qualtrics ``ResponseId``; default ``R_001``, ...
``user_language``   Qualtrics ``UserLanguage``; default ``language`` in
                    upper case
``status``          Qualtrics ``Status``; default ``IP Address``
``missing_style``   per row, how a missing answer is written (below)
``ms_forms_id``     Microsoft Forms ``ID``; default 1, 2, ...
=================== =====================================================

Missing answers (NaN) are written as an empty cell, as the first missing
label of the row's language (``Prefer not to answer``), or a deterministic
mix of both (``missing="empty" | "label" | "mixed"``, or per row in the
``missing_style`` column); numeric rows always leave a missing answer empty.

Shapes follow the contract examples exactly: survey csv files end lines with
``\r\n`` and quote only where needed (as Google Forms and Qualtrics do), Qualtrics
csv starts with a BOM, xlsx sheets are ``Sheet1`` with real datetime cells.

Everything is vectorised over rows; CSV text is assembled from pre-escaped
lookup tables and xlsx sheets by :mod:`segmentation.sample._xlsx`, so a million
rows take seconds. Files are byte-identical for identical input (fixed xlsx
document dates and zip timestamps, no wall-clock time).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.codebook import MAX_POINTS, Codebook
from segmentation.sample import _xlsx

EXCEL_MAX_DATA_ROWS = 1_048_575
FIXED_DOCUMENT_TIME = datetime(2026, 1, 1, 0, 0, 0)
CSV_CHUNK_ROWS = 200_000

MICROSOFT_FORMS_META = ["ID", "Start time", "Completion time", "Email", "Name"]
GOOGLE_FORMS_META = ["Timestamp", "Email Address"]
GOOGLE_FORMS_TIME_FORMAT = "%m/%d/%Y %H:%M:%S"
# (row 1 id, row 2 text, row 3 ImportId) of the Qualtrics meta columns
QUALTRICS_META = [
    ("StartDate", "Start Date", "startdate"),
    ("EndDate", "End Date", "enddate"),
    ("Status", "Response Type", "status"),
    ("Progress", "Progress", "progress"),
    ("Duration (in seconds)", "Duration (in seconds)", "duration (in seconds)"),
    ("Finished", "Finished", "finished"),
    ("RecordedDate", "Recorded Date", "recordeddate"),
    ("ResponseId", "Response ID", "responseid"),
    ("RecipientEmail", "Recipient Email", "recipientemail"),
    ("ExternalReference", "External Data Reference", "externalreference"),
    ("UserLanguage", "User Language", "userlanguage"),
]
QUALTRICS_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SURVEY_CSV_LINE_END = "\r\n"  # as Google Forms and Qualtrics write them
_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "s")
_MISSING_MODES = ("empty", "label", "mixed")


# ---------------------------------------------------------------- CSV helpers


_NEEDS_QUOTES = re.compile('[",\r\n]').search


def csv_escape(value: str) -> str:
    """One CSV field as Python's csv module writes it (minimal quoting)."""
    if _NEEDS_QUOTES(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def _escape_array(values) -> np.ndarray:
    """Escape an array of strings (None/NaN become empty), vectorised.

    Fast path: a column without quotes, commas or line breaks is returned as is.
    Otherwise each distinct value is escaped once.
    """
    arr = np.asarray(values, dtype=object)
    try:
        joined = "\x00".join(arr.tolist())
    except TypeError:  # missing values or non-strings
        missing = pd.isna(arr)
        arr = np.array(
            ["" if m else str(v) for v, m in zip(arr.tolist(), missing.tolist(), strict=True)],
            dtype=object,
        )
        joined = "\x00".join(arr.tolist())
    if not _NEEDS_QUOTES(joined):
        return arr
    codes, uniques = pd.factorize(arr)
    return np.array([csv_escape(u) for u in uniques], dtype=object)[codes]


def write_csv_columns(
    path: str | Path,
    header_rows: Sequence[Sequence[str]],
    columns: Sequence[np.ndarray],
    *,
    bom: bool = False,
    escaped: bool = False,
    line_terminator: str = "\n",
) -> Path:
    """Write header rows then the body given column by column.

    ``escaped``: the columns are already CSV-escaped text. Survey exports end
    lines with ``\\r\\n`` as Google Forms and Qualtrics do; other files with ``\\n``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = [np.asarray(c, dtype=object) if escaped else _escape_array(c) for c in columns]
    n = len(cols[0]) if cols else 0
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        for row in header_rows:
            f.write(",".join(csv_escape(str(h)) for h in row) + line_terminator)
        for start in range(0, n, CSV_CHUNK_ROWS):
            chunk = [c[start : start + CSV_CHUNK_ROWS].tolist() for c in cols]
            f.write(line_terminator.join(map(",".join, zip(*chunk, strict=True))) + line_terminator)
    return path


def format_times(values, fmt: str) -> np.ndarray:
    """Format datetimes (second resolution) fast: each distinct minute is formatted once."""
    t = pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[s]")
    nat = np.isnat(t)
    secs = t.astype(np.int64)
    secs[nat] = 0
    minute, second = np.divmod(secs, 60)
    uniq, inv = np.unique(minute, return_inverse=True)
    epoch = datetime(1970, 1, 1)
    if "%S" in fmt:
        head_fmt, tail = fmt.split("%S", 1)
    else:
        head_fmt, tail = fmt, None
    heads = np.array(
        [(epoch + timedelta(minutes=int(m))).strftime(head_fmt) for m in uniq.tolist()],
        dtype=object,
    )
    if tail is None:
        out = heads[inv]
    else:
        two = np.array([f"{s:02d}" for s in range(60)], dtype=object)
        out = heads[inv] + two[second] + tail
    out[nat] = ""
    return out


def _excel_serial(values) -> np.ndarray:
    t = pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[s]")
    out = (t - _EXCEL_EPOCH).astype(np.int64) / 86400.0
    out[np.isnat(t)] = np.nan
    return out


# ------------------------------------------------------------ answer rendering


def _column(answers: pd.DataFrame, name: str, default) -> np.ndarray:
    if name in answers.columns:
        return answers[name].to_numpy(dtype=object)
    return np.full(len(answers), default, dtype=object)


def _filled(answers: pd.DataFrame, name: str, default) -> np.ndarray:
    """A column as an object array with missing entries set to ``default``."""
    col = _column(answers, name, default)
    try:
        "".join(col.tolist())
        return col  # all strings: nothing missing
    except TypeError:
        pass
    missing = pd.isna(col)
    if missing.any():
        col = col.copy()
        col[missing] = default
    return col


def _default_times(answers: pd.DataFrame):
    n = len(answers)
    base = np.datetime64("2026-03-02T09:00:00", "s")
    if "start_time" in answers.columns:
        start = pd.to_datetime(answers["start_time"]).to_numpy().astype("datetime64[s]")
    else:
        start = base + (np.arange(n) * 540).astype("timedelta64[s]")
    if "end_time" in answers.columns:
        end = pd.to_datetime(answers["end_time"]).to_numpy().astype("datetime64[s]")
    else:
        end = start + np.timedelta64(360, "s")
    return start, end


def _scored_values(answers: pd.DataFrame, codebook: Codebook) -> np.ndarray:
    """rows x scored items as int codes: 0 missing, else the answer's position on its scale (1 = lowest)."""
    n = len(answers)
    items = codebook.scored_items
    codes = np.zeros((n, len(items)), dtype=np.int8)
    for j, item in enumerate(items):
        if item not in answers.columns:
            continue
        scale = codebook.item_scale(item)
        v = pd.to_numeric(answers[item], errors="raise").to_numpy(dtype=float)
        present = ~np.isnan(v)
        bad = present & ~np.isin(v, scale.values)
        if bad.any():
            raise ValueError(
                f"item {item}: answers must be {scale.min}-{scale.max} or NaN, got {np.unique(v[bad])[:5]}"
            )
        codes[present, j] = (v[present] - scale.min + 1).astype(np.int8)
    return codes


def render_answers(
    answers: pd.DataFrame,
    codebook: Codebook,
    *,
    language: str = "en",
    answer_format: str = "label",
    missing: str = "label",
    escape: bool = False,
) -> list[np.ndarray]:
    """One object array of cell text per scored item (labels, numbers or empty)."""
    if missing not in _MISSING_MODES:
        raise ValueError(f"missing must be one of {_MISSING_MODES}")
    n = len(answers)
    langs = list(codebook.languages)
    if language not in langs:
        langs.append(language)
    langs = sorted(langs)
    row_lang = _filled(answers, "language", language)
    lang_code = pd.Index(langs, dtype=object).get_indexer(row_lang)
    if (lang_code < 0).any():
        raise ValueError(
            f"unknown answer languages {sorted(set(pd.unique(row_lang[lang_code < 0])))}"
        )
    fmt = _filled(answers, "answer_format", answer_format)
    is_number = fmt == "number"
    style = _filled(answers, "missing_style", missing)
    if not set(pd.unique(style)) <= set(_MISSING_MODES):
        raise ValueError(f"missing_style must be one of {_MISSING_MODES}")
    codes = _scored_values(answers, codebook)
    rows = np.arange(n)
    width = MAX_POINTS + 2  # code 0 empty, 1..points the answer, width - 1 the missing label
    base = (lang_code * 2 + is_number.astype(np.int64)) * width  # row offset into a flat table
    label_style = style == "label"
    mixed_style = style == "mixed"
    out = []
    for j, item_id in enumerate(codebook.scored_items):
        scale = codebook.item_scale(item_id)
        numbers = [str(v) for v in scale.values]
        table = np.full((len(langs), 2, width), "", dtype=object)  # table[lang, number?, code]
        for li, lang in enumerate(langs):
            labels = scale.labels.get(lang) or (scale.label(v, lang) for v in scale.values)
            miss = (codebook.missing_labels.get(lang) or codebook.missing_labels.get("en") or [""])[
                0
            ]
            table[li, 0, 1 : scale.points + 1] = list(labels)
            table[li, 0, width - 1] = miss
            table[li, 1, 1 : scale.points + 1] = numbers
        if escape:
            table = np.vectorize(csv_escape, otypes=[object])(table)
        code = codes[:, j].astype(np.int64)
        gap = (code == 0) & (label_style | (mixed_style & ((rows + j) % 2 == 0)))
        code[gap] = width - 1
        out.append(table.ravel().take(base + code))
    return out


def _text_items(answers: pd.DataFrame, codebook: Codebook) -> list[str]:
    return [i for i in codebook.text_items if i in answers.columns]


def _headers(codebook: Codebook, item_ids: list[str], header_language: str) -> list[str]:
    if header_language == "id":
        return list(item_ids)
    return [codebook.item_text(i, header_language) for i in item_ids]


def _text_column(answers: pd.DataFrame, item: str) -> np.ndarray:
    col = answers[item].to_numpy(dtype=object)
    return np.where(pd.isna(col), "", col).astype(object)


# -------------------------------------------------------------- survey writers


def write_microsoft_forms_xlsx(
    answers: pd.DataFrame,
    path: str | Path,
    codebook: Codebook,
    *,
    language: str = "en",
    header_language: str | None = None,
    answer_format: str = "label",
    missing: str = "label",
) -> Path:
    """A Microsoft Forms export: ``ID``, ``Start time``, ``Completion time`` (datetime
    cells), ``Email``, ``Name``, then one column per question headed by its text in
    ``header_language`` (default ``language``; ``"id"`` for item ids)."""
    n = len(answers)
    if n > EXCEL_MAX_DATA_ROWS:
        raise ValueError(f"{n} rows do not fit an Excel sheet; write Google Forms or Qualtrics csv")
    header_language = header_language or language
    start, end = _default_times(answers)
    ids = _column(answers, "ms_forms_id", None)
    ids = np.where(pd.isna(ids), np.arange(1, n + 1), ids).astype(np.int64)
    email = _column(answers, "email", "")
    name = _column(answers, "name", "")
    body, item_ids = _question_columns(
        answers,
        codebook,
        language=language,
        answer_format=answer_format,
        missing=missing,
        escape=False,
    )
    header = MICROSOFT_FORMS_META + _headers(codebook, item_ids, header_language)
    columns = [
        _xlsx.Column(ids.astype(float), "number"),
        _xlsx.Column(_excel_serial(start), "number", _xlsx.STYLE_DATETIME),
        _xlsx.Column(_excel_serial(end), "number", _xlsx.STYLE_DATETIME),
        _xlsx.Column(email),
        _xlsx.Column(name),
    ] + [_xlsx.Column(c) for c in body]
    return _xlsx.write_sheet(path, "Sheet1", header, columns, created=FIXED_DOCUMENT_TIME)


def write_google_forms_csv(
    answers: pd.DataFrame,
    path: str | Path,
    codebook: Codebook,
    *,
    language: str = "en",
    header_language: str | None = None,
    answer_format: str = "label",
    missing: str = "label",
) -> Path:
    """A Google Forms export: ``Timestamp`` (US ``%m/%d/%Y %H:%M:%S``: the submit
    time, ``end_time``, else ``start_time``), ``Email Address``, then one column per
    question headed by its text."""
    header_language = header_language or language
    start, end = _default_times(answers)
    submitted = end if "end_time" in answers.columns else start
    body, item_ids = _question_columns(
        answers,
        codebook,
        language=language,
        answer_format=answer_format,
        missing=missing,
        escape=True,
    )
    header = GOOGLE_FORMS_META + _headers(codebook, item_ids, header_language)
    columns = [
        format_times(submitted, GOOGLE_FORMS_TIME_FORMAT),
        _escape_array(_column(answers, "email", "")),
    ]
    return write_csv_columns(
        path, [header], columns + body, escaped=True, line_terminator=SURVEY_CSV_LINE_END
    )


def _qualtrics_progress(answers: pd.DataFrame, codebook: Codebook, texts, finished) -> np.ndarray:
    """Each row's progress: as given, else 100 when finished, else the share of questions answered."""
    if "progress" in answers.columns:
        progress = pd.to_numeric(answers["progress"]).to_numpy()
    else:
        codes = _scored_values(answers, codebook)
        n_items = len(codebook.scored_items) + len(texts)
        answered = (codes > 0).sum(axis=1) + sum(
            (_text_column(answers, t) != "").astype(int) for t in texts
        )
        progress = np.where(finished, 100, np.floor(100 * answered / max(n_items, 1)))
    return np.asarray(progress).astype(np.int64)


def _given_or(answers: pd.DataFrame, column: str, default: np.ndarray) -> np.ndarray:
    """``answers[column]`` where given, ``default`` where missing or when there is no such column."""
    if column not in answers.columns:
        return default
    given = answers[column].to_numpy(dtype=object)
    return np.where(pd.isna(given), default, given)


def _qualtrics_meta(answers: pd.DataFrame, codebook: Codebook, texts, language: str) -> list:
    """The meta columns StartDate ... UserLanguage, as escaped text."""
    n = len(answers)
    start, end = _default_times(answers)
    if "recorded_time" in answers.columns:
        recorded = pd.to_datetime(answers["recorded_time"]).to_numpy().astype("datetime64[s]")
    else:
        recorded = end + np.timedelta64(1, "s")
    finished = _column(answers, "finished", True)
    finished = np.where(pd.isna(finished), True, finished).astype(bool)
    progress = _qualtrics_progress(answers, codebook, texts, finished)
    duration = (end - start).astype(np.int64)
    codes, uniques = pd.factorize(_filled(answers, "language", language))
    user_language = np.array([str(u).upper() for u in uniques], dtype=object)[codes]
    user_language = _given_or(answers, "user_language", user_language)
    response_id = np.array([f"R_{i:03d}" for i in range(1, n + 1)], dtype=object)
    response_id = _given_or(answers, "response_id", response_id)
    if "recipient_email" in answers.columns:
        recipient = _column(answers, "recipient_email", "")
    else:
        recipient = _column(answers, "email", "")
    return [
        format_times(start, QUALTRICS_TIME_FORMAT),
        format_times(end, QUALTRICS_TIME_FORMAT),
        _escape_array(_column(answers, "status", "IP Address")),
        progress.astype(str).astype(object),
        duration.astype(str).astype(object),
        np.where(finished, "True", "False").astype(object),
        format_times(recorded, QUALTRICS_TIME_FORMAT),
        _escape_array(response_id),
        _escape_array(recipient),
        _escape_array(_column(answers, "employee_id", "")),
        _escape_array(user_language),
    ]


def write_qualtrics_csv(
    answers: pd.DataFrame,
    path: str | Path,
    codebook: Codebook,
    *,
    language: str = "en",
    header_language: str = "en",
    answer_format: str = "label",
    missing: str = "label",
    bom: bool = True,
) -> Path:
    """A Qualtrics export: three header rows (ids, question text in
    ``header_language``, ``{"ImportId": ...}``), the meta columns StartDate ...
    UserLanguage, then one column per item. UTF-8 with BOM unless ``bom=False``."""
    texts = _text_items(answers, codebook)
    columns = _qualtrics_meta(answers, codebook, texts, language)
    body = render_answers(
        answers,
        codebook,
        language=language,
        answer_format=answer_format,
        missing=missing,
        escape=True,
    )
    body += [_escape_array(_text_column(answers, t)) for t in texts]
    item_ids = codebook.scored_items + texts
    header_rows = [
        [m[0] for m in QUALTRICS_META] + item_ids,
        [m[1] for m in QUALTRICS_META] + _headers(codebook, item_ids, header_language),
        [
            json.dumps({"ImportId": x}, ensure_ascii=False)
            for x in [m[2] for m in QUALTRICS_META] + item_ids
        ],
    ]
    return write_csv_columns(
        path,
        header_rows,
        columns + body,
        bom=bom,
        escaped=True,
        line_terminator=SURVEY_CSV_LINE_END,
    )


LIMESURVEY_META = [
    "Response ID",
    "Date submitted",
    "Last page",
    "Start language",
    "Employee ID",
    "Email address",
]
LIMESURVEY_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SURVEYMONKEY_META = [
    "Respondent ID",
    "Collector ID",
    "Start Date",
    "End Date",
    "IP Address",
    "Email Address",
    "First Name",
    "Last Name",
    "Custom Data 1",
]
SURVEYMONKEY_TIME_FORMAT = "%m/%d/%Y %I:%M:%S %p"
SURVEYMONKEY_MATRIX_QUESTION = "Please rate each of the following statements."


def _question_columns(
    answers: pd.DataFrame,
    codebook: Codebook,
    *,
    language: str,
    answer_format: str,
    missing: str,
    escape: bool,
) -> tuple[list[np.ndarray], list[str]]:
    """The cells of every question (scored items, then free text present), and their item ids."""
    body = render_answers(
        answers,
        codebook,
        language=language,
        answer_format=answer_format,
        missing=missing,
        escape=escape,
    )
    texts = _text_items(answers, codebook)
    body += [
        _escape_array(_text_column(answers, t)) if escape else _text_column(answers, t)
        for t in texts
    ]
    return body, codebook.scored_items + texts


def _quoted(values) -> np.ndarray:
    """Every field in double quotes, as LimeSurvey writes its csv."""
    text = np.asarray(values, dtype=object)
    text = np.where(pd.isna(text), "", text).astype(str).astype(object)
    return np.array(['"' + v.replace('"', '""') + '"' for v in text.tolist()], dtype=object)


def write_limesurvey_csv(
    answers: pd.DataFrame,
    path: str | Path,
    codebook: Codebook,
    *,
    language: str = "en",
    header_language: str | None = None,
    answer_format: str = "label",
    missing: str = "label",
) -> Path:
    """A LimeSurvey export (full question texts, full answers): ``Response ID``,
    ``Date submitted`` (blank when the response was not completed: ``finished``
    False), ``Last page``, ``Start language``, the participant attributes
    ``Employee ID`` and ``Email address``, then one column per question. Every
    field is quoted."""
    n = len(answers)
    header_language = header_language or language
    _, end = _default_times(answers)
    finished = _column(answers, "finished", True)
    finished = np.where(pd.isna(finished), True, finished).astype(bool)
    submitted = np.where(finished, format_times(end, LIMESURVEY_TIME_FORMAT), "")
    body, item_ids = _question_columns(
        answers,
        codebook,
        language=language,
        answer_format=answer_format,
        missing=missing,
        escape=False,
    )
    meta = [
        np.arange(1, n + 1).astype(str),
        submitted,
        np.where(finished, "6", "2"),
        _filled(answers, "language", language),
        _column(answers, "employee_id", ""),
        _column(answers, "email", ""),
    ]
    header = LIMESURVEY_META + _headers(codebook, item_ids, header_language)
    columns = [
        np.concatenate([_quoted([h]), _quoted(c)]) for h, c in zip(header, meta + body, strict=True)
    ]
    return write_csv_columns(path, [], columns, escaped=True, line_terminator=SURVEY_CSV_LINE_END)


def write_surveymonkey_csv(
    answers: pd.DataFrame,
    path: str | Path,
    codebook: Codebook,
    *,
    language: str = "en",
    header_language: str | None = None,
    answer_format: str = "label",
    missing: str = "label",
) -> Path:
    """A SurveyMonkey export: two header rows. Row 1 has the meta columns
    (``Respondent ID`` ... ``Custom Data 1``, the employee id) and each
    question; row 2 says ``Response`` under a single question. A construct of
    several items is one matrix question: its text over the first column only,
    and each item's text in row 2."""
    n = len(answers)
    header_language = header_language or language
    start, end = _default_times(answers)
    body, item_ids = _question_columns(
        answers,
        codebook,
        language=language,
        answer_format=answer_format,
        missing=missing,
        escape=True,
    )
    first, second = list(SURVEYMONKEY_META), [""] * len(SURVEYMONKEY_META)
    construct_of = {
        i: c for c, items in codebook.constructs.items() if len(items) > 1 for i in items
    }
    previous = None
    for item, text in zip(item_ids, _headers(codebook, item_ids, header_language), strict=True):
        matrix = construct_of.get(item)
        if matrix is None:
            first.append(text)
            second.append("Response" if codebook.items[item].is_scored else "Open-Ended Response")
        else:
            first.append(SURVEYMONKEY_MATRIX_QUESTION if matrix != previous else "")
            second.append(text)
        previous = matrix
    times = [
        pd.Series(pd.to_datetime(t)).dt.strftime(SURVEYMONKEY_TIME_FORMAT).to_numpy(dtype=object)
        for t in (start, end)
    ]
    meta = [
        (np.arange(n) + 114_000_000_000).astype(str).astype(object),
        np.full(n, "431234567", dtype=object),
        *times,
        np.full(n, "", dtype=object),
        _escape_array(_column(answers, "email", "")),
        np.full(n, "", dtype=object),
        np.full(n, "", dtype=object),
        _escape_array(_column(answers, "employee_id", "")),
    ]
    return write_csv_columns(
        path, [first, second], meta + body, escaped=True, line_terminator=SURVEY_CSV_LINE_END
    )


# -------------------------------------------------------------- roster writers


def write_roster_csv(roster: pd.DataFrame, path: str | Path) -> Path:
    """The roster as csv: dates as ISO ``yyyy-mm-dd``, ids as text, empty for missing."""
    columns = []
    for name in roster.columns:
        col = roster[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            values = col.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
            values = np.where(pd.isna(values), "", values)
            columns.append(values)
        elif pd.api.types.is_integer_dtype(col):
            columns.append(col.astype(str).to_numpy(dtype=object))
        else:
            columns.append(_escape_array(col.to_numpy(dtype=object)))
    return write_csv_columns(path, [list(roster.columns)], columns, escaped=True)


def write_roster_xlsx(
    roster: pd.DataFrame, path: str | Path, *, sheet_name: str = "Roster"
) -> Path:
    """The roster as xlsx: text columns as text cells with the text format ``@``
    (``00017`` keeps its zeros), integers as numbers, dates as real date cells
    (``yyyy-mm-dd``)."""
    n = len(roster)
    if n > EXCEL_MAX_DATA_ROWS:
        raise ValueError(f"{n} rows do not fit an Excel sheet; write the roster as csv")
    columns = []
    for name in roster.columns:
        col = roster[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            columns.append(_xlsx.Column(_excel_serial(col), "number", _xlsx.STYLE_DATE))
        elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            columns.append(_xlsx.Column(col.to_numpy(dtype=float), "number"))
        else:
            columns.append(_xlsx.Column(col.to_numpy(dtype=object), "text", _xlsx.STYLE_TEXT))
    return _xlsx.write_sheet(
        path, sheet_name, list(roster.columns), columns, created=FIXED_DOCUMENT_TIME
    )


def write_roster(roster: pd.DataFrame, path: str | Path) -> Path:
    """Write the roster as xlsx or csv according to the suffix of ``path``."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return write_roster_csv(roster, path)
    return write_roster_xlsx(roster, path)
