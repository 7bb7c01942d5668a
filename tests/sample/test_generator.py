"""The sample organisation: layout, determinism, realism and the planted truth."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from segmentation.codebook import normalise_text
from segmentation.sample import (
    DEFECT_KINDS,
    PERSONA_IDS,
    ROSTER_COLUMNS,
    exports,
    generate_organisation,
    load_codebook,
    write_organisation,
    write_truth,
)
from tests.conftest import CONTRACT_EXAMPLES as EXAMPLES
from tests.conftest import PROJECT_ROOT

ROOT = PROJECT_ROOT
N = 2000
SEED = 0
WAVES = ("2026-03", "2026-09")
REFERENCE = date(2026, 9, 1)
MB = 1024 * 1024


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(ROOT / "conf" / "base" / "parameters_questionnaire.yml")


@pytest.fixture(scope="module")
def org(codebook):
    return generate_organisation(N, SEED, WAVES, codebook)


@pytest.fixture(scope="module")
def out(org, tmp_path_factory):
    folder = tmp_path_factory.mktemp("raw")
    write_organisation(org, folder)
    return folder


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def sheet_rows(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def qualtrics_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


@pytest.fixture(scope="module")
def roster_file(out) -> pd.DataFrame:
    rows = sheet_rows(out / "hr" / "roster.xlsx")
    return pd.DataFrame(rows[1:], columns=rows[0], dtype=object)


def decode(codebook, item_id: str, cell, lookups: dict | None = None) -> float:
    """The value of one answer cell; ``lookups`` (scale -> answer_lookup) saves rebuilding them per cell."""
    if cell is None or cell == "":
        return np.nan
    scale = codebook.items[item_id].scale
    lookup = lookups[scale] if lookups is not None else codebook.answer_lookup(scale)
    return lookup[normalise_text(cell)]


# ---------------------------------------------------------------- layout, size


def test_layout_files_and_sizes(out):
    names = set(files_under(out))
    assert names == {
        "hr/roster.xlsx",
        "waves/2026-03/survey.xlsx",
        "waves/2026-03/activity.csv",
        "waves/2026-09/survey.csv",
        "waves/2026-09/activity.csv",
        "campaign/opt_out.csv",
    }
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert total < 3 * MB
    activity = sum((out / "waves" / w / "activity.csv").stat().st_size for w in WAVES)
    assert activity < 1.5 * MB
    assert not any("truth" in n for n in names)


def test_deterministic_byte_identical(org, out, codebook, tmp_path):
    again = generate_organisation(N, SEED, WAVES, codebook)
    write_organisation(again, tmp_path / "raw")
    assert files_under(tmp_path / "raw") == files_under(out)
    write_truth(org, tmp_path / "t1.json")
    write_truth(again, tmp_path / "t2.json")
    assert (tmp_path / "t1.json").read_bytes() == (tmp_path / "t2.json").read_bytes()


def test_other_seed_differs(out, codebook, tmp_path):
    other = generate_organisation(N, SEED + 1, WAVES, codebook)
    write_organisation(other, tmp_path)
    a, b = files_under(tmp_path), files_under(out)
    assert a.keys() == b.keys()
    assert all(a[k] != b[k] for k in a)


# --------------------------------------------------------------------- roster


def test_roster_columns_are_the_contract(roster_file):
    assert list(roster_file.columns) == ROSTER_COLUMNS
    if EXAMPLES.is_dir():
        with open(EXAMPLES / "roster.csv", encoding="utf-8") as f:
            assert next(csv.reader(f)) == ROSTER_COLUMNS


def test_employee_ids_are_text_with_leading_zeros(roster_file, out):
    ids = roster_file["employee_id"]
    assert all(isinstance(v, str) for v in ids)
    assert ids.str.fullmatch(r"\d{5,}").all()
    assert ids.str.startswith("0").mean() > 0.5
    assert ids.is_unique
    managers = roster_file["manager_id"][roster_file["manager_id"] != ""]
    assert all(isinstance(v, str) and v.isdigit() for v in managers)
    # openpyxl sees text cells with the text format, real dates and numbers
    import openpyxl

    ws = openpyxl.load_workbook(out / "hr" / "roster.xlsx", read_only=True).worksheets[0]
    second = next(ws.iter_rows(min_row=2, max_row=2))
    assert second[0].data_type == "s" and second[0].value.startswith("0")
    assert isinstance(second[5].value, datetime)
    assert isinstance(second[4].value, int)


def test_roster_dates_and_ages(roster_file):
    hire = roster_file["hire_date"]
    assert all(isinstance(v, date) for v in hire)
    assert max(hire) < REFERENCE
    birth_year = roster_file["birth_year"].astype(int)
    # exact age at 2026-09-01 is the calendar age or one less: 21..67 keeps it in 20..67
    calendar_age = REFERENCE.year - birth_year
    assert calendar_age.min() >= 21 and calendar_age.max() <= 67
    assert calendar_age.max() >= 60 and calendar_age.min() <= 24


def test_roster_structure(org):
    r = org.roster
    assert r["email"].is_unique
    assert (r["email"] == r["email"].str.lower()).all()
    assert r["email"].str.fullmatch(r"[a-z-]+\.[a-z-]+\d*@example\.org").all()
    assert r["last_name"].str.contains("'").any()
    he = r[r["language"] == "he"]
    hebrew_script = he["first_name"].str.contains("[\u0590-\u05ff]").mean()
    assert 0.25 < hebrew_script < 0.42
    assert not r.loc[r["language"] == "en", "first_name"].str.contains("[\u0590-\u05ff]").any()
    assert 0.30 < (r["language"] == "he").mean() < 0.40
    assert set(r["gender"]) == {"F", "M", "X"} and (r["gender"] == "X").mean() < 0.02

    assert r["department"].nunique() == 6
    assert 18 <= r["org_unit"].nunique() <= 22
    assert (r.groupby("org_unit")["department"].nunique() == 1).all()
    assert r["site"].nunique() == 4

    assert set(r["work_pattern"]) == {"office", "hybrid", "remote", "frontline"}
    frontline = r[r["work_pattern"] == "frontline"]
    assert frontline["department"].isin(["Operations", "Customer Service"]).mean() > 0.85

    levels = r["job_level"].value_counts()
    order = ["individual_contributor", "team_lead", "manager", "director", "executive"]
    assert list(levels.reindex(order)) == sorted(levels.reindex(order), reverse=True)
    assert levels["executive"] >= 1

    status = r["employment_status"].value_counts(normalize=True)
    assert 0.92 < status["active"] < 0.98 and status["leave"] > 0 and status["terminated"] > 0


def test_reporting_lines(org):
    r = org.roster.set_index("employee_id")
    has_manager = r["manager_id"].notna()
    tops = r[~has_manager]
    assert len(tops) == r["department"].nunique()  # one head per department
    assert (tops["job_level"] == "executive").all()
    sub = r[has_manager]
    boss = r.loc[sub["manager_id"]]
    assert (boss["department"].to_numpy() == sub["department"].to_numpy()).all()
    assert (boss["is_people_manager"] == "yes").all()
    assert (boss["job_level"] != "individual_contributor").all()
    reports = set(sub["manager_id"])
    assert ((r["is_people_manager"] == "yes") == r.index.isin(reports)).all()
    assert set(r["is_people_manager"]) == {"yes", "no"}


# ------------------------------------------------------------------- surveys


def test_response_rates_and_panel(org):
    summary = org.summary()
    active = set(org.roster.loc[org.roster["employment_status"] == "active", "employee_id"])
    for wave in WAVES:
        valid = set(org.truth[wave].valid_respondents)
        assert 0.53 < len(valid & active) / len(active) < 0.67
        assert summary["waves"][wave]["valid_respondents"] == len(valid)
    both = set(org.truth["2026-03"].valid_respondents) & set(org.truth["2026-09"].valid_respondents)
    assert 0.65 <= len(both) / len(org.truth["2026-09"].valid_respondents) <= 0.75


def test_eligibility(org):
    r = org.roster.set_index("employee_id")
    wave1 = org.answers["2026-03"]
    known = wave1[wave1["employee_id"].isin(r.index)]
    assert (r.loc[known["employee_id"], "hire_date"] < pd.Timestamp("2026-03-01")).all()
    for wave in WAVES:
        ids = org.answers[wave]["employee_id"]
        status = r.reindex(ids)["employment_status"].dropna()
        assert "terminated" not in set(status)
        assert (status == "leave").sum() <= 4
        assert (
            sorted(status.index[status == "leave"])
            == org.truth[wave].notes["non_active_respondents"]
        )


def test_defect_counts_in_microsoft_forms_file(org, out, codebook):
    rows = sheet_rows(out / "waves" / "2026-03" / "survey.xlsx")
    header, body = rows[0], rows[1:]
    truth = org.truth["2026-03"]
    counts = truth.defect_counts
    assert all(1 <= counts[k] <= 8 for k in DEFECT_KINDS)
    assert len(body) == len(org.answers["2026-03"]) == len(truth.responses)
    roster_emails = set(org.roster["email"])
    emails = [str(row[3]).lower() for row in body]
    unknown = {e for e in emails if e not in roster_emails}
    assert len(unknown) == counts["unknown_employee"]
    assert unknown == {d["email"].lower() for d in truth.defects["unknown_employee"]}
    seen = pd.Series(emails).value_counts()
    duplicated = set(seen[seen > 1].index)
    assert len(duplicated) == counts["duplicate_response"]
    by_id = dict(zip(org.roster["employee_id"], org.roster["email"], strict=True))
    assert duplicated == {by_id[d["employee_id"]] for d in truth.defects["duplicate_response"]}
    n_items = len(codebook.scored_items)
    scored = slice(5, 5 + n_items)
    missing = {"", *codebook.missing_labels["en"], *codebook.missing_labels["he"]}
    answered = [sum(c not in missing for c in row[scored]) for row in body]
    unfinished = {emails[i] for i, a in enumerate(answered) if a < n_items / 2}
    assert len(unfinished) == counts["incomplete"]
    assert unfinished == {d["email"].lower() for d in truth.defects["incomplete"]}
    # the later duplicate changes some answers
    for d in truth.defects["duplicate_response"]:
        first, second = [row for row in body if str(row[3]).lower() == by_id[d["employee_id"]]]
        assert first[2] < second[1]  # the second starts after the first was completed
        changed = [header[5 + codebook.scored_items.index(i)] for i in d["items_changed_in_later"]]
        assert 3 <= len(changed) <= 6
        assert (
            sum(a != b for a, b in zip(first[scored], second[scored], strict=True))
            >= len(changed) - 1
        )


def test_defect_counts_in_qualtrics_file(org, out, codebook):
    rows = qualtrics_rows(out / "waves" / "2026-09" / "survey.csv")
    ids, body = rows[0], rows[3:]
    truth = org.truth["2026-09"]
    counts = truth.defect_counts
    col = {name: i for i, name in enumerate(ids)}
    assert len(body) == len(truth.responses)
    roster_ids = set(org.roster["employee_id"])
    refs = [row[col["ExternalReference"]] for row in body]
    unknown = {r for r in refs if r not in roster_ids}
    assert len(unknown) == counts["unknown_employee"] >= 1
    seen = pd.Series(refs).value_counts()
    assert set(seen[seen > 1].index) == {
        d["employee_id"] for d in truth.defects["duplicate_response"]
    }
    unfinished = [row for row in body if row[col["Finished"]] == "False"]
    assert len(unfinished) == counts["incomplete"] >= 1
    assert {row[col["ExternalReference"]] for row in unfinished} == {
        d["employee_id"] for d in truth.defects["incomplete"]
    }
    first_item = col[codebook.scored_items[0]]
    for row in unfinished:
        assert int(row[col["Progress"]]) < 100
        cells = row[first_item : first_item + len(codebook.scored_items)]
        answered = [c != "" for c in cells]
        k = answered.index(False)
        assert not any(answered[k:])  # trailing items empty
    finished = [row for row in body if row[col["Finished"]] == "True"]
    assert all(row[col["Progress"]] == "100" for row in finished)
    assert {row[col["Finished"]] for row in body} == {"True", "False"}


def test_survey_headers(org, out, codebook):
    rows = sheet_rows(out / "waves" / "2026-03" / "survey.xlsx")
    header = rows[0]
    items = codebook.scored_items + codebook.text_items
    assert header == exports.MICROSOFT_FORMS_META + [codebook.item_text(i, "he") for i in items]
    assert any("\u05d0" <= ch <= "\u05ea" for ch in header[5])
    first = rows[1]
    assert (
        isinstance(first[0], float)
        and isinstance(first[1], datetime)
        and isinstance(first[2], datetime)
    )

    raw = (out / "waves" / "2026-09" / "survey.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    q = qualtrics_rows(out / "waves" / "2026-09" / "survey.csv")
    meta = [m[0] for m in exports.QUALTRICS_META]
    assert q[0] == meta + items
    assert q[1][len(meta) :] == [codebook.item_text(i, "en") for i in items]
    assert q[2] == [json.dumps({"ImportId": m[2]}) for m in exports.QUALTRICS_META] + [
        json.dumps({"ImportId": i}) for i in items
    ]
    col = {name: i for i, name in enumerate(q[0])}
    assert {r[col["UserLanguage"]] for r in q[3:]} == {"EN", "HE"}
    emails = [r[col["RecipientEmail"]] for r in q[3:]]
    assert 0.5 < sum(e != "" for e in emails) / len(emails) < 0.9


def test_answers_in_files_decode_to_the_answer_tables(org, out, codebook):
    """Labels are in the respondent's language; Qualtrics also has numeric rows."""
    he_labels = {label for scale in codebook.scales.values() for label in scale.labels["he"]}
    rows = sheet_rows(out / "waves" / "2026-03" / "survey.xlsx")[1:]
    table = org.answers["2026-03"]
    items = codebook.scored_items
    lookups = {s: codebook.answer_lookup(s) for s in {codebook.items[i].scale for i in items}}
    assert len(rows) == len(table)
    # every row decoded, then compared with the table at once (a row's Series costs 1 ms)
    got = [
        [
            decode(codebook, i, c, lookups)
            for i, c in zip(items, row[5 : 5 + len(items)], strict=True)
        ]
        for row in rows
    ]
    np.testing.assert_array_equal(np.array(got), table[items].to_numpy(dtype=float))
    for row, language in zip(rows, table["language"], strict=True):
        labels = {c for c in row[5 : 5 + len(items)] if c}
        if language == "he":
            assert labels <= he_labels | {codebook.missing_labels["he"][0]}
        else:
            assert not labels & he_labels

    q = qualtrics_rows(out / "waves" / "2026-09" / "survey.csv")
    col = {name: i for i, name in enumerate(q[0])}
    table = org.answers["2026-09"]
    assert len(q[3:]) == len(table)
    cells = [[row[col[i]] for i in items] for row in q[3:]]
    got = [[decode(codebook, i, c, lookups) for i, c in zip(items, r, strict=True)] for r in cells]
    np.testing.assert_array_equal(np.array(got), table[items].to_numpy(dtype=float))
    numeric_rows = sum(all(c in {"", "1", "2", "3", "4", "5"} for c in r) for r in cells)
    assert 0.15 < numeric_rows / len(table) < 0.25


def test_missing_answers_about_two_percent(org, codebook):
    for wave in WAVES:
        clean = org.clean_answers(wave)
        rate = clean.isna().to_numpy().mean()
        assert 0.012 < rate < 0.03
        assert set(np.unique(clean.to_numpy()[~np.isnan(clean.to_numpy())])) <= {1, 2, 3, 4, 5}


def test_open_text_answers(org, codebook):
    text = org.answers["2026-03"][codebook.text_items[0]]
    given = text.notna() & (text != "")
    assert 0.4 < given.mean() < 0.7
    he_rows = org.answers["2026-03"]["language"] == "he"
    assert text[given & he_rows].str.contains("[\u0590-\u05ff]").all()


# ------------------------------------------------------------------ personas


def construct_scores(org, wave, codebook) -> pd.DataFrame:
    clean = org.clean_answers(wave).copy()
    for item in codebook.reverse_items:
        clean[item] = 6 - clean[item]
    return pd.DataFrame({c: clean[ids].mean(axis=1) for c, ids in codebook.constructs.items()})


def test_planted_personas_have_the_intended_profiles(org, codebook):
    scores = construct_scores(org, "2026-09", codebook)
    persona = org.truth["2026-09"].persona.loc[scores.index]
    means = scores.groupby(persona.to_numpy()).mean()
    assert set(means.index) == set(PERSONA_IDS)
    t, c, o, f = (
        means.loc["mobile_first_trailblazers"],
        means.loc["careful_desk_veterans"],
        means.loc["overloaded_connectors"],
        means.loc["frontline_mobile"],
    )
    assert t["social_media_use"] - c["social_media_use"] > 1.5
    assert t["innovativeness"] - c["innovativeness"] > 1.5  # reverse items planted reversed
    assert c["barriers"] - t["barriers"] > 1.5
    assert c["channel_email"] > 3.8 and t["channel_email"] < 2.4
    assert o["need_email_overload"] > 4.0 and o["need_cross_team"] > 4.0
    assert f["need_company_news"] > 4.0 and f["channel_intranet"] < 2.0
    # raw answers on a reverse item sit at the opposite end
    raw = org.clean_answers("2026-09")
    assert raw.loc[persona.index[persona == "mobile_first_trailblazers"], "IN6"].mean() < 2.3
    # noise: item sd within a persona about 0.8-0.9
    within = (raw.groupby(persona.to_numpy()).std()).mean().mean()
    assert 0.7 < within < 1.0


def test_persona_depends_on_hr_fields_with_noise(org):
    r = org.roster.set_index("employee_id")
    persona = org.truth["2026-03"].persona
    frontline = persona[r["work_pattern"] == "frontline"]
    assert 0.5 < (frontline == "frontline_mobile").mean() < 0.95
    age = 2026 - r["birth_year"]
    old = persona[age >= 50]
    young = persona[age < 30]
    assert (old == "careful_desk_veterans").mean() > 3 * (young == "careful_desk_veterans").mean()
    assert (young == "mobile_first_trailblazers").mean() > 3 * (
        old == "mobile_first_trailblazers"
    ).mean()
    sizes = persona.value_counts(normalize=True)
    assert sizes.min() > 0.1 and sizes.max() < 0.35


def test_drift_between_waves(org):
    truth = org.truth_dict(include_assignments=False)
    drift = truth["drift"][0]
    assert 0.08 <= drift["panel_changed_share"] <= 0.16
    moves = drift["panel_transitions"]
    from_careful = {k: v for k, v in moves.items() if k.startswith("careful_desk_veterans ->")}
    assert (
        max(from_careful, key=from_careful.get) == "careful_desk_veterans -> overloaded_connectors"
    )
    a = truth["wave_details"]["2026-03"]["persona_counts_all"]
    b = truth["wave_details"]["2026-09"]["persona_counts_all"]
    assert b["careful_desk_veterans"] < a["careful_desk_veterans"]
    assert b["overloaded_connectors"] > a["overloaded_connectors"]


# -------------------------------------------------------- activity and opt-out


def test_activity_logs(org, out):
    shares = {}
    for wave, (start, end) in {
        "2026-03": ("2026-02-04", "2026-03-31"),
        "2026-09": ("2026-08-06", "2026-09-30"),
    }.items():
        log = pd.read_csv(out / "waves" / wave / "activity.csv", dtype=str)
        assert list(log.columns) == ["employee_id", "timestamp", "action"]
        assert set(log["action"]) == {"visit", "post", "comment", "reaction", "join_group"}
        assert log["timestamp"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d").all()
        assert log["timestamp"].min() >= start and log["timestamp"].max() < f"{end}T23:59:60"
        assert log["employee_id"].isin(org.roster["employee_id"]).all()
        shares[wave] = log["employee_id"].nunique() / N
        persona = org.truth[wave].persona
        adopted = persona.index.isin(log["employee_id"])
        rate = pd.Series(adopted).groupby(persona.to_numpy()).mean()
        assert rate["mobile_first_trailblazers"] > 2 * rate["careful_desk_veterans"]
    assert 0.11 < shares["2026-03"] < 0.19
    assert 0.40 < shares["2026-09"] < 0.50


def test_opt_out(org, out):
    opt = pd.read_csv(out / "campaign" / "opt_out.csv", dtype=str, keep_default_na=False)
    assert list(opt.columns) == ["employee_id", "email"]
    assert 0.007 * N <= len(opt) <= 0.013 * N
    assert ((opt["employee_id"] != "") ^ (opt["email"] != "")).all()
    emails = opt.loc[opt["email"] != "", "email"]
    assert (emails != emails.str.lower()).any()
    assert emails.str.lower().isin(org.roster["email"]).all()
    assert opt.loc[opt["employee_id"] != "", "employee_id"].isin(org.roster["employee_id"]).all()


# ------------------------------------------------------------ formats and CLI


def test_csv_roster_and_format_switches(org, tmp_path, monkeypatch):
    (tmp_path / "hr").mkdir()
    (tmp_path / "hr" / "roster.xlsx").write_bytes(b"stale")
    written = write_organisation(
        org, tmp_path, roster_format="csv", survey_formats={"2026-03": "google_forms"}
    )
    assert written["roster"].name == "roster.csv"
    assert not (tmp_path / "hr" / "roster.xlsx").exists()
    roster = pd.read_csv(tmp_path / "hr" / "roster.csv", dtype=str, keep_default_na=False)
    assert list(roster.columns) == ROSTER_COLUMNS
    assert roster["employee_id"].tolist() == org.roster["employee_id"].tolist()
    assert roster["hire_date"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    gf = (tmp_path / "waves" / "2026-03" / "survey.csv").read_text(encoding="utf-8").splitlines()
    assert gf[0].startswith("Timestamp,Email Address,")
    datetime.strptime(gf[1].split(",")[0], "%m/%d/%Y %H:%M:%S")

    # too many rows for Excel: csv roster and Google Forms csv automatically
    monkeypatch.setattr(exports, "EXCEL_MAX_DATA_ROWS", 500)
    auto = tmp_path / "auto"
    written = write_organisation(org, auto)
    assert written["roster"].name == "roster.csv"
    assert written["survey/2026-03"].name == "survey.csv"


def test_cli_writes_data_and_truth_outside(tmp_path, monkeypatch):
    """One run as the command a user types (exit code, output flushed before its fast exit);
    the refusal and the truth table through ``main`` in this process, as from the project root."""
    from segmentation.sample.__main__ import main

    out = tmp_path / "raw"
    args = ["--employees", "300", "--seed", "3", "--out", str(out)]
    monkeypatch.chdir(ROOT)
    # raised before anything is generated; the interpreter makes it exit status 1, the text on stderr
    with pytest.raises(SystemExit) as bad:
        main([*args, "--truth", str(out / "truth.json")])
    assert "--truth must be outside" in str(bad.value.code) and not (out / "truth.json").exists()
    ok = subprocess.run(
        [sys.executable, "-m", "segmentation.sample", *args]
        + ["--truth", str(tmp_path / "truth.json"), "--roster-format", "csv"],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("300 employees"), ok.stdout
    assert (out / "hr" / "roster.csv").exists() and (
        out / "waves" / "2026-03" / "survey.xlsx"
    ).exists()
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 3 and truth["n_employees"] == 300
    assert [p["persona_id"] for p in truth["personas"]] == list(PERSONA_IDS)
    assert len(truth["assignments"]["employee_id"]) == 300
    for wave in WAVES:
        details = truth["wave_details"][wave]
        assert set(details["defect_counts"]) == set(DEFECT_KINDS)
        assert all(len(details["defects"][k]) == details["defect_counts"][k] for k in DEFECT_KINDS)
    assert not any("truth" in p.name for p in out.rglob("*"))
    table_path = tmp_path / "truth.csv"
    assert main([*args, "--quiet", "--truth", str(table_path)]) == 0
    table = pd.read_csv(table_path, dtype=str, keep_default_na=False)
    assert list(table.columns) == [
        "wave",
        "employee_id",
        "persona_id",
        "response_ids",
        "defect",
        "valid_response",
    ]
    assert set(table["defect"]) <= {"", *DEFECT_KINDS}
