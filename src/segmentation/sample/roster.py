"""The HR roster of the sample organisation, generated column by column."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from segmentation.sample import names as N

ROSTER_COLUMNS = [
    "employee_id",
    "email",
    "first_name",
    "last_name",
    "birth_year",
    "hire_date",
    "department",
    "org_unit",
    "site",
    "job_level",
    "is_people_manager",
    "manager_id",
    "work_pattern",
    "employment_status",
    "language",
    "gender",
]
SITES = ["Tel Aviv", "Haifa", "Beersheba", "Jerusalem"]
JOB_LEVELS = ["individual_contributor", "team_lead", "manager", "director", "executive"]
WORK_PATTERNS = ["office", "hybrid", "remote", "frontline"]
STATUSES = ["active", "leave", "terminated"]
EMAIL_DOMAIN = "example.org"
FOUNDED = np.datetime64("1988-01-03")
MIN_AGE, MAX_AGE = 20, 67

# department: (share, work pattern probabilities office/hybrid/remote/frontline,
#              [(org unit, share in department, site probabilities)])
DEPARTMENTS: dict[str, tuple[float, list[float], list[tuple[str, float, list[float]]]]] = {
    "Operations": (
        0.29,
        [0.15, 0.13, 0.04, 0.68],
        [
            ("Ops-North", 0.26, [0.08, 0.86, 0.02, 0.04]),
            ("Ops-South", 0.24, [0.06, 0.02, 0.88, 0.04]),
            ("Ops-Center", 0.22, [0.80, 0.05, 0.05, 0.10]),
            ("Ops-Jerusalem", 0.14, [0.10, 0.02, 0.03, 0.85]),
            ("Ops-Logistics", 0.14, [0.40, 0.25, 0.25, 0.10]),
        ],
    ),
    "Customer Service": (
        0.20,
        [0.22, 0.22, 0.08, 0.48],
        [
            ("CS-Phone", 0.35, [0.30, 0.15, 0.40, 0.15]),
            ("CS-Digital", 0.25, [0.60, 0.20, 0.05, 0.15]),
            ("CS-Field", 0.25, [0.25, 0.30, 0.25, 0.20]),
            ("CS-Retention", 0.15, [0.70, 0.10, 0.05, 0.15]),
        ],
    ),
    "Sales": (
        0.17,
        [0.25, 0.48, 0.20, 0.07],
        [
            ("Sales-B2B", 0.38, [0.75, 0.15, 0.02, 0.08]),
            ("Sales-B2C", 0.37, [0.45, 0.20, 0.15, 0.20]),
            ("Sales-Enterprise", 0.25, [0.90, 0.05, 0.00, 0.05]),
        ],
    ),
    "R&D": (
        0.22,
        [0.25, 0.55, 0.20, 0.00],
        [
            ("RD-Platform", 0.32, [0.55, 0.45, 0.00, 0.00]),
            ("RD-Mobile", 0.24, [0.85, 0.15, 0.00, 0.00]),
            ("RD-Data", 0.22, [0.70, 0.20, 0.00, 0.10]),
            ("RD-QA", 0.22, [0.30, 0.50, 0.20, 0.00]),
        ],
    ),
    "Finance": (
        0.06,
        [0.50, 0.45, 0.05, 0.00],
        [
            ("Fin-Accounting", 0.60, [0.85, 0.05, 0.00, 0.10]),
            ("Fin-Planning", 0.40, [1.00, 0.00, 0.00, 0.00]),
        ],
    ),
    "HR": (
        0.06,
        [0.45, 0.50, 0.05, 0.00],
        [
            ("HR-Recruiting", 0.50, [0.70, 0.15, 0.05, 0.10]),
            ("HR-People", 0.50, [0.70, 0.10, 0.10, 0.10]),
        ],
    ),
}
DEPARTMENT_NAMES = list(DEPARTMENTS)
ORG_UNITS = [u for _, (_, _, units) in DEPARTMENTS.items() for u, _, _ in units]
UNIT_DEPARTMENT = np.array(
    [d for d, (_, _, units) in DEPARTMENTS.items() for _ in units], dtype=object
)
LEVEL_SHARES = np.array([0.808, 0.105, 0.062, 0.021, 0.004])
LEVEL_AGE = np.array([(35.0, 10.5), (39.0, 8.0), (43.0, 8.0), (48.0, 7.0), (52.0, 6.0)])
LEVEL_TENURE_YEARS = np.array([4.5, 7.0, 9.0, 11.0, 12.0])


def frame(columns: dict) -> pd.DataFrame:
    """A DataFrame that keeps text columns as plain Python objects (pandas would
    otherwise convert them to Arrow strings and back, which dominates large runs)."""
    return pd.DataFrame(
        {
            k: pd.Series(v, dtype=object) if np.asarray(v).dtype == object else v
            for k, v in columns.items()
        }
    )


def _categorical(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One draw per row from ``probs[rows]`` (a matrix of row-wise probabilities)."""
    cumulative = np.cumsum(probs, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(rows))
    return np.minimum((u[:, None] > cumulative[rows]).sum(axis=1), probs.shape[1] - 1)


def _email_part(text: str) -> str:
    return re.sub(r"[^a-z-]", "", text.lower())


def _name_pools():
    """(display, e-mail part) arrays per script and gender."""

    def latin(pool):
        return np.array(pool, dtype=object), np.array([_email_part(x) for x in pool], dtype=object)

    def hebrew(pool):
        return (
            np.array([h for h, _ in pool], dtype=object),
            np.array([t for _, t in pool], dtype=object),
        )

    return {
        "en": {
            "F": latin(N.ENGLISH_FEMALE),
            "M": latin(N.ENGLISH_MALE),
            "last": latin(N.ENGLISH_LAST),
        },
        "il": {
            "F": latin(N.ISRAELI_FEMALE),
            "M": latin(N.ISRAELI_MALE),
            "last": latin(N.ISRAELI_LAST),
        },
        "he": {
            "F": hebrew(N.HEBREW_FEMALE),
            "M": hebrew(N.HEBREW_MALE),
            "last": hebrew(N.HEBREW_LAST),
        },
    }


def zero_padded(numbers: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded strings (object array), vectorised."""
    numbers = np.asarray(numbers, dtype=np.int64)
    width = max(width, len(str(int(numbers.max()))) if len(numbers) else width)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = ((numbers[:, None] // powers) % 10 + 48).astype(np.uint8)
    return np.ascontiguousarray(digits).view(f"S{width}").ravel().astype(f"U{width}").astype(object)


def within_group_rank(keys: np.ndarray) -> np.ndarray:
    """0 for the first occurrence of each key, 1 for the second, ... (row order)."""
    codes, _ = pd.factorize(np.asarray(keys, dtype=object))
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(codes)]))
    rank = np.empty(len(codes), dtype=np.int64)
    rank[order] = np.arange(len(codes)) - group_start
    return rank


def unique_emails(local: np.ndarray, domain: str = EMAIL_DOMAIN) -> np.ndarray:
    """``first.last@domain``, with 2, 3, ... appended to repeated addresses, in row order."""
    local = np.asarray(local, dtype=object)
    rank = within_group_rank(local)
    suffix = np.full(len(local), "", dtype=object)
    repeated = rank > 0
    suffix[repeated] = (rank[repeated] + 1).astype(str).astype(object)
    return local + suffix + ("@" + domain)


def make_names(rng, gender: np.ndarray, language: np.ndarray):
    """First names, last names and e-mail local parts.

    About a third of Hebrew speakers carry Hebrew-script names; the rest of the
    roster is in Latin letters (Israeli or English names).
    """
    n = len(gender)
    pools = _name_pools()
    u = rng.random(n)
    script = np.where(
        language == "he",
        np.where(u < 1 / 3, "he", np.where(u < 0.88, "il", "en")),
        np.where(u < 0.62, "en", "il"),
    )
    # X: a name from either gendered pool
    name_gender = np.where(gender == "X", np.where(rng.random(n) < 0.5, "F", "M"), gender)
    first = np.empty(n, dtype=object)
    first_mail = np.empty(n, dtype=object)
    last = np.empty(n, dtype=object)
    last_mail = np.empty(n, dtype=object)
    r_first = rng.random(n)
    r_last = rng.random(n)
    for s in ("en", "il", "he"):
        in_script = script == s
        disp, mail = pools[s]["last"]
        k = (r_last[in_script] * len(disp)).astype(int)
        last[in_script], last_mail[in_script] = disp[k], mail[k]
        for g in ("F", "M"):
            mask = in_script & (name_gender == g)
            disp, mail = pools[s][g]
            k = (r_first[mask] * len(disp)).astype(int)
            first[mask], first_mail[mask] = disp[k], mail[k]
    local = first_mail + "." + last_mail
    return first, last, local


def _units_and_sites(rng, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each employee's org unit, its department and a site typical of the unit."""
    unit_p = np.array([d[0] * s for d in DEPARTMENTS.values() for _, s, _ in d[2]])
    unit = rng.choice(len(ORG_UNITS), size=n, p=unit_p / unit_p.sum())
    dept_of_unit = np.array([DEPARTMENT_NAMES.index(d) for d in UNIT_DEPARTMENT])
    site_p = np.array([p for d in DEPARTMENTS.values() for _, _, p in d[2]])
    return unit, dept_of_unit[unit], _categorical(rng, site_p, unit)


def _job_levels(rng, n: int, dept: np.ndarray) -> np.ndarray:
    """Job levels, with at least one executive in every department."""
    level = rng.choice(len(JOB_LEVELS), size=n, p=LEVEL_SHARES)
    for d in range(len(DEPARTMENT_NAMES)):
        members = np.flatnonzero(dept == d)
        if len(members) and not (level[members] == 4).any():
            level[members[np.argmax(level[members] * 1000 + rng.random(len(members)))]] = 4
    return level


def _birth_years(rng, level: np.ndarray, ref_year: int) -> np.ndarray:
    """Birth years from ages typical of each level (whole years at the reference date, 20 to 67)."""
    mean, sd = LEVEL_AGE[level, 0], LEVEL_AGE[level, 1]
    age = rng.normal(mean, sd)
    for _ in range(3):  # redraw the tails instead of piling them on the bounds
        bad = (age < MIN_AGE + 1) | (age > MAX_AGE)
        age[bad] = rng.normal(mean[bad], sd[bad])
    age = np.clip(np.rint(age), MIN_AGE + 1, MAX_AGE).astype(int)
    return ref_year - age  # calendar-year age 21..67, exact age 20..67


def _hire_dates(rng, level: np.ndarray, birth_year: np.ndarray, last_hire) -> np.ndarray:
    """Hire dates from tenures typical of each level, not before the company was founded
    and not before age 19."""
    tenure_days = rng.exponential(LEVEL_TENURE_YEARS[level] * 365.25)
    max_days = np.minimum(
        (last_hire - FOUNDED).astype(int),
        (
            last_hire - (birth_year + 19 - 1970).astype("datetime64[Y]").astype("datetime64[D]")
        ).astype(int),
    )
    max_days = np.maximum(max_days, 0)
    tenure_days = np.where(tenure_days > max_days, rng.random(len(level)) * max_days, tenure_days)
    return last_hire - tenure_days.astype(int).astype("timedelta64[D]")


def _work_patterns(rng, dept: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Work patterns by department; directors and executives are never frontline."""
    pattern_p = np.array([d[1] for d in DEPARTMENTS.values()])
    pattern = _categorical(rng, pattern_p, dept)
    senior = level >= 3
    pattern[senior & (pattern == 3)] = np.where(
        rng.random((senior & (pattern == 3)).sum()) < 0.5, 0, 1
    )
    return pattern


def _employee_ids(rng, hire_date: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Ids that increase with hire date, with gaps (people who left long ago).

    Returns the hire order, the ids as numbers and their zero-padded width.
    """
    n = len(hire_date)
    order = np.lexsort((rng.random(n), hire_date))
    gaps = 1 + rng.geometric(0.55, size=n) - 1 + (rng.random(n) < 0.1) * rng.integers(1, 6, size=n)
    ids_num = np.empty(n, dtype=np.int64)
    ids_num[order] = int(rng.integers(11, 40)) + np.cumsum(gaps)
    return order, ids_num, max(5, len(str(int(ids_num.max()) + 10_000)))


def generate_roster(n: int, seed: int, reference_date: np.datetime64) -> tuple[pd.DataFrame, dict]:
    """The roster as a DataFrame in contract columns, plus helper arrays.

    ``reference_date`` (the first day of the last wave) fixes ages: every age at
    that date is between 20 and 67. Hire dates end the day before it.
    """
    if n < 1:
        raise ValueError("n_employees must be at least 1")
    rng = np.random.default_rng([seed, 1])
    unit, dept, site = _units_and_sites(rng, n)
    level = _job_levels(rng, n, dept)
    birth_year = _birth_years(rng, level, int(str(reference_date)[:4]))
    hire_date = _hire_dates(rng, level, birth_year, reference_date - np.timedelta64(1, "D"))
    pattern = _work_patterns(rng, dept, level)
    status = rng.choice(3, size=n, p=[0.952, 0.034, 0.014])
    language = np.where(rng.random(n) < 0.35, "he", "en").astype(object)
    gender = rng.choice(np.array(["F", "M", "X"], dtype=object), size=n, p=[0.494, 0.5, 0.006])
    order, ids_num, width = _employee_ids(rng, hire_date)
    employee_id = zero_padded(ids_num, width)

    manager = _assign_managers(rng, dept, unit, level)
    manager_id = np.where(manager >= 0, employee_id[np.maximum(manager, 0)], None)
    has_reports = np.zeros(n, dtype=bool)
    has_reports[manager[manager >= 0]] = True
    # people with direct reports are active or on leave, never terminated
    status[has_reports & (status == 2)] = 0

    first, last, local = make_names(rng, gender, language)
    # e-mail suffixes follow the ids: the longest-serving keeps the plain address
    email = np.empty(n, dtype=object)
    email[order] = unique_emails(local[order])

    roster = frame(
        {
            "employee_id": employee_id,
            "email": email,
            "first_name": first,
            "last_name": last,
            "birth_year": birth_year.astype(np.int64),
            "hire_date": hire_date.astype("datetime64[s]"),
            "department": np.array(DEPARTMENT_NAMES, dtype=object)[dept],
            "org_unit": np.array(ORG_UNITS, dtype=object)[unit],
            "site": np.array(SITES, dtype=object)[site],
            "job_level": np.array(JOB_LEVELS, dtype=object)[level],
            "is_people_manager": np.where(has_reports, "yes", "no").astype(object),
            "manager_id": manager_id,
            "work_pattern": np.array(WORK_PATTERNS, dtype=object)[pattern],
            "employment_status": np.array(STATUSES, dtype=object)[status],
            "language": language,
            "gender": gender,
        }
    )
    roster = roster.iloc[order].reset_index(drop=True)
    return roster, {"id_width": width, "max_id": int(ids_num.max())}


def _assign_managers(rng, dept: np.ndarray, unit: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Row index of each employee's manager (-1 for the head of a department).

    Executives report to their department head, directors to an executive,
    managers to a director, team leads to a manager of their org unit and
    individual contributors to a team lead or manager of their org unit; when a
    level is missing the next one up is used, always within the department.
    """
    n = len(level)
    manager = np.full(n, -1, dtype=np.int64)
    for d in np.unique(dept):
        in_dept = dept == d
        execs = np.flatnonzero(in_dept & (level == 4))
        head = execs[0]
        manager[execs[1:]] = head
        dept_pool = {lv: np.flatnonzero(in_dept & (level == lv)) for lv in range(5)}
        for u in np.unique(unit[in_dept]):
            in_unit = in_dept & (unit == u)
            unit_pool = {lv: np.flatnonzero(in_unit & (level == lv)) for lv in range(5)}
            for lv, preferred in ((0, [(unit_pool, (1, 2))]), (1, [(unit_pool, (2,))]), (2, [])):
                children = np.flatnonzero(in_unit & (level == lv))
                if not len(children):
                    continue
                candidates = np.array([], dtype=np.int64)
                for pool, levels in preferred:
                    candidates = np.concatenate([pool[x] for x in levels])
                    if len(candidates):
                        break
                up = lv + 1
                while not len(candidates) and up <= 4:
                    candidates = dept_pool[up]
                    up += 1
                if (
                    lv == 0
                    and len(candidates)
                    and (level[candidates] == 1).any()
                    and (level[candidates] == 2).any()
                ):
                    # individual contributors mostly report to team leads
                    w = np.where(level[candidates] == 1, 3.0, 1.0)
                    manager[children] = candidates[
                        rng.choice(len(candidates), size=len(children), p=w / w.sum())
                    ]
                else:
                    manager[children] = candidates[
                        rng.integers(len(candidates), size=len(children))
                    ]
        directors = dept_pool[3]
        if len(directors):
            manager[directors] = execs[rng.integers(len(execs), size=len(directors))]
    return manager
