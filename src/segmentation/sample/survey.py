"""Survey waves of the sample organisation: who answers, what, when, and the defects."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation import waves
from segmentation.codebook import Codebook
from segmentation.sample import names as N
from segmentation.sample.personas import PERSONA_IDS, PERSONAS
from segmentation.sample.roster import frame, zero_padded

NOISE_SD = 0.78  # answer noise; with the personal offset the total sd is about 0.85
OFFSET_SD = 0.35  # stable personal offset per construct
MISSING_RATE = 0.02
TEXT_ANSWER_RATE = 0.55
FIRST_WAVE_RATE = 0.66  # among employees able to answer
REPEAT_RATE = 0.74  # answered the previous wave
NEW_RATE = 0.47  # did not answer the previous wave
NEWCOMER_RATE = 0.60  # could not answer the previous wave
LEAVE_RATE = 0.03
NUMBER_SHARE = {"qualtrics": 0.20}
EMAIL_UPPER_SHARE = 0.01
RECIPIENT_EMAIL_SHARE = 0.70

DEFECT_DUPLICATE = "duplicate_response"  # names as the ingestion stage rejects them
DEFECT_UNFINISHED = "incomplete"
DEFECT_UNKNOWN = "unknown_employee"
DEFECT_KINDS = (DEFECT_DUPLICATE, DEFECT_UNFINISHED, DEFECT_UNKNOWN)

OPEN_ANSWERS = {
    "mobile_first_trailblazers": {
        "en": [
            "A good mobile app with notifications",
            "Short videos and quick polls",
            "Groups for side projects and hackathons",
            "Being able to post from my phone",
            "Badges for helping others",
            "Something that feels like LinkedIn, not like the intranet",
        ],
        "he": [
            "אפליקציה טובה לנייד עם התראות",
            "סרטונים קצרים וסקרים מהירים",
            "קבוצות לפרויקטים צדדיים והאקתונים",
            "אפשרות לפרסם מהטלפון",
            "תגים על עזרה לאחרים",
            "משהו שמרגיש כמו לינקדאין ולא כמו הפורטל",
        ],
    },
    "careful_desk_veterans": {
        "en": [
            "Keep it simple",
            "A proper training session first",
            "Clear rules about what we may post",
            "I prefer e-mail, honestly",
            "A summary by e-mail once a week",
            "Not another system",
        ],
        "he": [
            "שיהיה פשוט",
            "קודם הדרכה מסודרת",
            "כללים ברורים מה מותר לפרסם",
            "אני מעדיף/ה דואר אלקטרוני",
            "סיכום שבועי במייל",
            "לא עוד מערכת",
        ],
    },
    "overloaded_connectors": {
        "en": [
            "Fewer e-mails",
            "Finding who knows what, fast",
            "A place to ask questions across sites",
            "Searchable answers to questions that were already asked",
            "Less noise, better search",
            "Replace the reply-all threads",
        ],
        "he": [
            "פחות מיילים",
            "למצוא מהר מי יודע מה",
            "מקום לשאול שאלות בין אתרים",
            "תשובות שאפשר לחפש לשאלות שכבר נשאלו",
            "פחות רעש, חיפוש טוב יותר",
            "להחליף את שרשורי השב לכולם",
        ],
    },
    "frontline_mobile": {
        "en": [
            "Shift updates on my phone",
            "News that reaches people without a computer",
            "Works on my own phone without a laptop",
            "Recognition for the field teams",
            "Screens in the break room",
            "Hearing it from my manager",
        ],
        "he": [
            "עדכוני משמרות בטלפון",
            "חדשות שמגיעות גם למי שאין לו מחשב",
            "שיעבוד בטלפון שלי בלי מחשב",
            "הכרה בצוותי השטח",
            "מסכים בחדר האוכל",
            "לשמוע את זה מהמנהל/ת שלי",
        ],
    },
    "recognition_seekers": {
        "en": [
            "Recognition for good work",
            "Shout-outs from other teams",
            "Showing what our team does",
            "Friendly competitions between sites",
            "Celebrating wins at company events",
            "A way to thank colleagues",
        ],
        "he": [
            "הכרה בעבודה טובה",
            "מילה טובה מצוותים אחרים",
            "להראות מה הצוות שלנו עושה",
            "תחרויות ידידותיות בין אתרים",
            "לחגוג הצלחות באירועי חברה",
            "דרך להגיד תודה לעמיתים",
        ],
    },
}


@dataclass
class WaveTruth:
    """What was planted in one wave."""

    wave: str
    survey_format: str
    persona: pd.Series  # employee_id -> planted persona id, every roster employee
    responses: (
        pd.DataFrame
    )  # one row per export row: response_id, employee_id, email, persona_id, defect, ...
    defects: dict[str, list[dict]] = field(default_factory=dict)
    notes: dict = field(default_factory=dict)

    @property
    def defect_counts(self) -> dict[str, int]:
        return {kind: len(self.defects.get(kind, [])) for kind in DEFECT_KINDS}

    def valid_ids(self) -> np.ndarray:
        """Employee ids whose (last) submission is valid, in export order."""
        defect = self.responses["defect"].to_numpy(dtype=object)
        ok = (defect == "") | (defect == "duplicate_later")
        return self.responses["employee_id"].to_numpy(dtype=object)[ok]

    @property
    def valid_respondents(self) -> list[str]:
        """Employees whose (last) submission is valid: known, finished, deduplicated (sorted)."""
        return sorted(self.valid_ids().tolist())


def wave_start(wave: str) -> np.datetime64:
    """First day of a wave, as the pipeline dates it (:func:`segmentation.waves.wave_date`)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", str(wave)):
        raise ValueError(f"a wave is named YYYY-MM, got {wave!r}")
    try:
        return np.datetime64(waves.wave_date(wave).date(), "D")
    except ValueError as exc:
        raise ValueError(f"a wave is named YYYY-MM, got {wave!r}") from exc


def wave_end(wave: str) -> np.datetime64:
    """Last day of the wave's month, as the pipeline ends it (:func:`segmentation.waves.wave_end`)."""
    wave_start(wave)
    return np.datetime64(waves.wave_end(wave).date(), "D")


def item_structure(codebook: Codebook, rng: np.random.Generator):
    """Constructs to simulate and, per scored item, its construct index and a small item shift."""
    constructs = list(codebook.constructs)
    item_construct = []
    for item in codebook.scored_items:
        home = next((c for c, ids in codebook.constructs.items() if item in ids), None)
        if home is None:  # an item outside every construct behaves as its own construct
            home = f"_item_{item}"
            constructs.append(home)
        item_construct.append(constructs.index(home))
    shift = rng.normal(0.0, 0.15, size=len(codebook.scored_items))
    reverse = np.array([codebook.items[i].reverse for i in codebook.scored_items])
    return constructs, np.array(item_construct, dtype=np.int64), shift, reverse


def simulate_answers(
    rng: np.random.Generator,
    persona: np.ndarray,
    offsets: np.ndarray,
    item_means: np.ndarray,
    item_construct: np.ndarray,
    reverse: np.ndarray,
) -> np.ndarray:
    """Raw answers 1-5 (float32): persona item mean + personal offset + noise,
    rounded and clipped; reverse-keyed items stored at the opposite end."""
    m, k = len(persona), len(item_construct)
    latent = item_means[persona].astype(np.float32)
    latent += offsets[:, item_construct]
    latent += rng.standard_normal((m, k), dtype=np.float32) * np.float32(NOISE_SD)
    scored = np.clip(np.rint(latent), 1, 5)
    return np.where(reverse[None, :], 6 - scored, scored).astype(np.float32)


def _survey_times(rng, wave: str, m: int):
    """Start and end of ``m`` submissions during the first three weeks of the wave month."""
    first = wave_start(wave)
    days = np.arange(1, 20)
    dates = first + days
    weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    w = (
        np.exp(-(days - 1) / 4.0)
        + 0.5 * np.exp(-((days - 8) ** 2) / 2)
        + 0.35 * np.exp(-((days - 15) ** 2) / 2)
    )
    w = w * np.where((weekday == 4) | (weekday == 5), 0.3, 1.0)  # Friday, Saturday
    day = rng.choice(days, size=m, p=w / w.sum())
    morning = rng.random(m) < 0.55
    minute = np.where(morning, rng.normal(600, 80, m), rng.normal(870, 100, m))
    outside = (minute < 360) | (minute > 1350)  # redraw the tails, no pile-up at the bounds
    minute = np.where(outside, rng.uniform(420, 1260, m), minute).astype(np.int64)
    seconds = minute * 60 + rng.integers(0, 60, m)
    start = first.astype("datetime64[s]") + (day * 86400 + seconds).astype("timedelta64[s]")
    duration = (60 + rng.lognormal(np.log(300), 0.45, m)).astype(np.int64)
    return start, duration


def _response_ids(rng, m: int) -> np.ndarray:
    alphabet = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
    while True:
        chars = alphabet[rng.integers(0, len(alphabet), size=(m, 15))]
        ids = np.char.add("R_", np.ascontiguousarray(chars).view("<U15").ravel())
        ids = ids.astype(object)
        if pd.Index(ids, dtype=object).is_unique:
            return ids


def _text_answers(rng, persona: np.ndarray, language: np.ndarray, answer: np.ndarray) -> np.ndarray:
    """Short free-text answers in the respondent's language, typical of their persona."""
    out = np.full(len(persona), None, dtype=object)
    u = rng.random(len(persona))
    hebrew = pd.Index(["en", "he"], dtype=object).get_indexer(language) == 1
    rows = np.flatnonzero(answer)
    for p, pid in enumerate(PERSONA_IDS):
        for lang, is_he in (("en", False), ("he", True)):
            pool = np.array(OPEN_ANSWERS[pid][lang], dtype=object)
            sel = rows[(persona[rows] == p) & (hebrew[rows] == is_he)]
            out[sel] = pool[(u[sel] * len(pool)).astype(int)]
    return out


def _count(rng, base: int, rate: float, minimum: int) -> int:
    return max(minimum, int(round(base * rate)) + int(rng.integers(-1, 2)))


@dataclass(frozen=True)
class WaveSettings:
    """What one wave is simulated from: the wave and its export shape, the roster and what was
    planted in it (personas, personal offsets, item means), and how employee ids are written.

    ``able``: employees who could answer (active, or on leave, hired before the
    wave). ``previous``: who answered the previous wave (None for the first).
    """

    wave: str
    survey_format: str
    roster: pd.DataFrame
    persona: np.ndarray
    able: np.ndarray
    previous: np.ndarray | None
    offsets: np.ndarray
    codebook: Codebook
    item_means: np.ndarray
    item_construct: np.ndarray
    reverse: np.ndarray
    id_width: int
    max_id: int


@dataclass
class _Rows:
    """The export's rows before sorting: whose (roster position, -1 unknown) and which defect."""

    emp: np.ndarray
    kind: np.ndarray
    known: np.ndarray
    n_unknown: int


def _who_responds(settings: WaveSettings, rng: np.random.Generator) -> np.ndarray:
    """Which roster employees answer this wave (more often when they answered the last one)."""
    status = settings.roster["employment_status"].to_numpy()
    n = len(settings.roster)
    if settings.previous is None:
        p = np.full(n, FIRST_WAVE_RATE)
    else:
        p = np.where(settings.previous, REPEAT_RATE, NEW_RATE)
    p = np.where(status == "leave", LEAVE_RATE, p)
    p = np.where(settings.able, p, 0.0)
    return rng.random(n) < p


def _plan_rows(resp_idx: np.ndarray, active: np.ndarray, rng: np.random.Generator) -> _Rows:
    """Every respondent once, the later duplicates and the unknown respondents, with their defects.

    Unfinished and duplicated submissions are drawn from active respondents.
    """
    r = len(resp_idx)
    pool = resp_idx[active[resp_idx]]
    n_unf = min(_count(rng, r, 0.005, 2), len(pool) // 3)
    n_dup = min(_count(rng, r, 0.004, 2), len(pool) // 3)
    n_unk = max(1, int(round(r * 0.0015)) + int(rng.integers(0, 2)))
    chosen = rng.permutation(pool)
    unf_emp = np.sort(chosen[:n_unf])
    dup_emp = np.sort(chosen[n_unf : n_unf + n_dup])
    emp = np.concatenate([resp_idx, dup_emp, np.full(n_unk, -1)])
    kind = np.array([""] * r + ["duplicate_later"] * n_dup + [DEFECT_UNKNOWN] * n_unk, dtype=object)
    kind[np.isin(emp, unf_emp) & (kind == "")] = DEFECT_UNFINISHED
    kind[np.isin(emp, dup_emp) & (kind == "")] = "duplicate_earlier"
    return _Rows(emp=emp, kind=kind, known=emp >= 0, n_unknown=n_unk)


def _answer_values(
    settings: WaveSettings, rows: _Rows, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's persona (unknown respondents: any) and answers, a few left blank."""
    m = len(rows.emp)
    at = np.maximum(rows.emp, 0)
    row_persona = np.where(rows.known, settings.persona[at], rng.integers(0, len(PERSONAS), m))
    row_offsets = np.where(
        rows.known[:, None],
        settings.offsets[at],
        rng.standard_normal((m, settings.offsets.shape[1]), dtype=np.float32)
        * np.float32(OFFSET_SD),
    )
    values = simulate_answers(
        rng,
        row_persona,
        row_offsets,
        settings.item_means,
        settings.item_construct,
        settings.reverse,
    )
    values[rng.random(values.shape) < MISSING_RATE] = np.nan
    return row_persona, values


def _resubmit(
    values: np.ndarray,
    rows: _Rows,
    resp_idx: np.ndarray,
    items: list[str],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
    """Later duplicates: a copy of the earlier submission with 3 to 6 answers changed (in place).

    Returns the later rows, their earlier rows and the items changed in each.
    """
    later = np.flatnonzero(rows.kind == "duplicate_later")
    earlier = np.searchsorted(resp_idx, rows.emp[later])  # the first r rows are resp_idx, sorted
    if not len(later):
        return later, earlier, []
    values[later] = values[earlier]
    n_change = rng.integers(3, 7, size=len(later))
    ranks = np.argsort(np.argsort(rng.random((len(later), len(items))), axis=1), axis=1)
    change = ranks < n_change[:, None]
    old = values[later]
    delta = rng.choice(np.array([-2, -1, 1, 2], dtype=np.float32), size=old.shape)
    new = old + delta
    new = np.where((new < 1) | (new > 5), old - delta, new)
    new = np.where(np.isnan(old), rng.integers(1, 6, size=old.shape).astype(np.float32), new)
    values[later] = np.where(change, new, old)
    return later, earlier, [[items[j] for j in np.flatnonzero(row)] for row in change]


def _leave_unfinished(
    values: np.ndarray, rows: _Rows, survey_format: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Unfinished rows keep their first few answers only (in place); the rows and how many."""
    k = values.shape[1]
    unf_rows = np.flatnonzero(rows.kind == DEFECT_UNFINISHED)
    if survey_format == "qualtrics":
        answered = rng.integers(2, max(3, k - 2), size=len(unf_rows))
    else:  # a form with fewer than half the items answered
        answered = rng.integers(1, max(2, (k + 1) // 2), size=len(unf_rows))
    values[unf_rows] = np.where(np.arange(k)[None, :] < answered[:, None], values[unf_rows], np.nan)
    return unf_rows, answered


def _identities(settings: WaveSettings, rows: _Rows, rng: np.random.Generator) -> dict:
    """Each row's employee id, email, name and language; made-up ones for unknown respondents."""
    roster, known, m = settings.roster, rows.known, len(rows.emp)
    at = np.maximum(rows.emp, 0)
    email = roster["email"].to_numpy(dtype=object)
    row_lang = np.where(known, roster["language"].to_numpy(dtype=object)[at], None)
    row_lang = np.where(known, row_lang, np.where(rng.random(m) < 0.3, "he", "en")).astype(object)
    unk_rows = np.flatnonzero(~known)
    unk_first, unk_last, unk_local = _unknown_people(rng, rows.n_unknown)
    unk_email = _unknown_emails(rng, unk_local)
    # cannot happen (roster addresses have a single dot before the @), but never plant a wrong truth
    if pd.Series(email, dtype=object).isin(unk_email).any():
        raise AssertionError("an unknown respondent's e-mail is in the roster")
    row_eid = np.where(known, roster["employee_id"].to_numpy(dtype=object)[at], None)
    row_eid[unk_rows] = zero_padded(
        settings.max_id + 1 + rng.choice(9000, size=rows.n_unknown, replace=False),
        settings.id_width,
    )
    row_email = np.where(known, email[at], None)
    row_email[unk_rows] = unk_email
    first = roster["first_name"].to_numpy(dtype=object)
    last = roster["last_name"].to_numpy(dtype=object)
    row_name = np.where(known, first[at] + " " + last[at], None)
    row_name[unk_rows] = unk_first + " " + unk_last
    return {"employee_id": row_eid, "email": row_email, "name": row_name, "language": row_lang}


def _submission_times(
    wave: str, m: int, resubmitted: tuple, unfinished: tuple, n_questions: int, rng
) -> dict[str, np.ndarray]:
    """Start, end and recorded time of each row: a duplicate hours to days after the first
    submission ends, an unfinished one shorter and closed a week later."""
    later, earlier = resubmitted
    unf_rows, answered = unfinished
    start, duration = _survey_times(rng, wave, m)
    if len(later):  # the second submission comes hours to days after the first ends
        gap = rng.integers(3600, 4 * 86400, size=len(later))
        start[later] = (
            start[earlier]
            + duration[earlier].astype("timedelta64[s]")
            + gap.astype("timedelta64[s]")
        )
    duration[unf_rows] = (duration[unf_rows] * (answered + 1) / n_questions).astype(np.int64) + 20
    end = start + duration.astype("timedelta64[s]")
    recorded = end + np.timedelta64(1, "s")
    recorded[unf_rows] = end[unf_rows] + np.timedelta64(7 * 86400, "s")  # closed after a week
    return {"start_time": start, "end_time": end, "recorded_time": recorded}


def _export_style(
    survey_format: str, rows: _Rows, who: dict, finished: np.ndarray, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """How each row is written: answers as numbers or labels, blanks, email case, the recipient
    email column; and which rows have an upper-case email."""
    m = len(rows.emp)
    number_share = NUMBER_SHARE.get(survey_format, 0.0)
    answer_format = np.where(rng.random(m) < number_share, "number", "label").astype(object)
    missing_style = np.where(finished, "mixed", "empty").astype(object)
    row_email = who["email"]
    if survey_format in ("microsoft_forms", "google_forms"):
        upper = rows.known & (rng.random(m) < EMAIL_UPPER_SHARE) & (rows.kind == "")
        row_email = row_email.copy()
        row_email[upper] = np.array([e.upper() for e in row_email[upper]], dtype=object)
    else:
        upper = np.zeros(m, dtype=bool)
    recipient = np.where(rng.random(m) < RECIPIENT_EMAIL_SHARE, row_email, "").astype(object)
    style = {
        "answer_format": answer_format,
        "missing_style": missing_style,
        "recipient_email": recipient,
    }
    return {**who, "email": row_email, **style}, upper


def _truth(
    settings: WaveSettings,
    answers: pd.DataFrame,
    responses: pd.DataFrame,
    pairs: list,
    notes: dict,
) -> WaveTruth:
    """What was planted in the wave: every employee's persona, the rows, the defects."""
    employee_id = settings.roster["employee_id"].to_numpy(dtype=object)
    return WaveTruth(
        wave=settings.wave,
        survey_format=settings.survey_format,
        persona=pd.Series(
            np.array(PERSONA_IDS, dtype=object)[settings.persona],
            index=pd.Index(employee_id, name="employee_id", dtype=object),
            name="persona_id",
            dtype=object,
        ),
        responses=responses,
        defects=_defect_records(answers, responses, pairs),
        notes=notes,
    )


def simulate_wave(
    settings: WaveSettings, rng: np.random.Generator
) -> tuple[pd.DataFrame, WaveTruth, np.ndarray]:
    """One wave: the answers table (one row per export row) and its truth.

    Returns the answers, the truth and the mask of roster employees with a row.
    The draws from ``rng`` come in a fixed order, so a seed gives the same wave.
    """
    active = settings.roster["employment_status"].to_numpy() == "active"
    responded = _who_responds(settings, rng)
    resp_idx = np.flatnonzero(responded)
    items, texts = settings.codebook.scored_items, settings.codebook.text_items
    rows = _plan_rows(resp_idx, active, rng)
    m = len(rows.emp)
    row_persona, values = _answer_values(settings, rows, rng)
    later, earlier, changed_items = _resubmit(values, rows, resp_idx, items, rng)
    unf_rows, answered = _leave_unfinished(values, rows, settings.survey_format, rng)
    who = _identities(settings, rows, rng)
    times = _submission_times(
        settings.wave, m, (later, earlier), (unf_rows, answered), len(items) + len(texts), rng
    )
    finished = rows.kind != DEFECT_UNFINISHED
    progress = np.where(finished, 100, 0).astype(np.int64)
    progress[unf_rows] = np.floor(100 * answered / (len(items) + len(texts))).astype(np.int64)
    written, upper = _export_style(settings.survey_format, rows, who, finished, rng)
    answers = frame(
        {
            **{c: written[c] for c in ("employee_id", "email", "name", "language")},
            "answer_format": written["answer_format"],
            "missing_style": written["missing_style"],
            **times,
            "finished": finished,
            "progress": progress,
            "recipient_email": written["recipient_email"],
        }
    )
    for j, item in enumerate(items):
        answers[item] = values[:, j].astype(float)
    text_given = finished & (rng.random(m) < TEXT_ANSWER_RATE)
    for t in texts:
        answers[t] = pd.Series(
            _text_answers(rng, row_persona, written["language"], text_given), dtype=object
        )

    # export order: by completion time; ids after sorting
    order = np.lexsort((np.arange(m), times["end_time"]))
    answers = answers.iloc[order].reset_index(drop=True)
    answers.insert(0, "response_id", pd.Series(_response_ids(rng, m), dtype=object))
    answers.insert(1, "ms_forms_id", np.arange(1, m + 1))
    answers["finished"] = answers["finished"].astype(bool)
    responses = frame(
        {
            "response_id": answers["response_id"].to_numpy(dtype=object),
            "row": np.arange(1, m + 1),
            "employee_id": answers["employee_id"].to_numpy(dtype=object),
            "email": answers["email"].to_numpy(dtype=object),
            "persona_id": np.array(PERSONA_IDS, dtype=object)[row_persona[order]],
            "defect": rows.kind[order],
            "answered_items": answers[items].notna().sum(axis=1).to_numpy(),
        }
    )
    new_position = np.empty(m, dtype=np.int64)
    new_position[order] = np.arange(m)
    pairs = list(
        zip(
            new_position[earlier].tolist(), new_position[later].tolist(), changed_items, strict=True
        )
    )
    employee_id = settings.roster["employee_id"].to_numpy(dtype=object)
    notes = {
        "non_active_respondents": sorted(employee_id[resp_idx[~active[resp_idx]]].tolist()),
        "email_case_variants": sorted(answers.loc[upper[order], "employee_id"].tolist()),
    }
    return answers, _truth(settings, answers, responses, pairs, notes), responded


def _defect_records(answers, responses, pairs) -> dict[str, list[dict]]:
    """Per defect kind, one record per affected employee (or unknown respondent).

    ``pairs``: (earlier row, later row, items changed in the later) per duplicate.
    """
    records: dict[str, list[dict]] = {kind: [] for kind in DEFECT_KINDS}
    eid = answers["employee_id"].to_numpy(dtype=object)
    email = answers["email"].to_numpy(dtype=object)
    rid = answers["response_id"].to_numpy(dtype=object)
    end = answers["end_time"].to_numpy()
    progress = answers["progress"].to_numpy()
    answered = responses["answered_items"].to_numpy()
    for first, second, changed in pairs:
        records[DEFECT_DUPLICATE].append(
            {
                "employee_id": eid[first],
                "email": email[first],
                "response_ids": [rid[first], rid[second]],
                "submitted": [
                    pd.Timestamp(end[first]).isoformat(),
                    pd.Timestamp(end[second]).isoformat(),
                ],
                "items_changed_in_later": changed,
            }
        )
    defect = responses["defect"].to_numpy(dtype=object)
    for i in np.flatnonzero(defect == DEFECT_UNFINISHED):
        records[DEFECT_UNFINISHED].append(
            {
                "employee_id": eid[i],
                "email": email[i],
                "response_id": rid[i],
                "answered_items": int(answered[i]),
                "progress": int(progress[i]),
            }
        )
    for i in np.flatnonzero(defect == DEFECT_UNKNOWN):
        records[DEFECT_UNKNOWN].append(
            {"employee_id": eid[i], "email": email[i], "response_id": rid[i]}
        )
    for kind in records:
        records[kind].sort(key=lambda rec: rec["employee_id"])
    return records


def _unknown_people(rng, m: int):
    first_pool = np.array(
        N.ENGLISH_FEMALE + N.ENGLISH_MALE + N.ISRAELI_FEMALE + N.ISRAELI_MALE, dtype=object
    )
    last_pool = np.array(N.ENGLISH_LAST + N.ISRAELI_LAST, dtype=object)
    first = first_pool[rng.integers(0, len(first_pool), m)]
    last = last_pool[rng.integers(0, len(last_pool), m)]
    local = np.array(
        [
            f"{a}.{b}".lower().replace("'", "").replace(" ", "")
            for a, b in zip(first, last, strict=True)
        ],
        dtype=object,
    )
    return first, last, local


def _unknown_emails(rng, local: np.ndarray) -> np.ndarray:
    """Contractors and former staff: addresses that are not in the roster
    (roster addresses are ``first.last[N]@example.org`` with a single dot)."""
    contractor = rng.random(len(local)) < 0.5
    return np.where(
        contractor, local + "@contractors.example.org", local + ".ext@example.org"
    ).astype(object)
