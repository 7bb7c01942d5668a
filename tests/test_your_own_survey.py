"""Real surveys written by others, from export to report with no edit: ``segmentation inspect`` then ``kedro run --env``.

The UTAUT2 Trello survey (7-point, anonymous) and the GenAI-at-work LimeSurvey
export (anonymous, consent column) from ../shared/realdata (skipped when
absent), inspected into an environment of a private copy of the project (never
the repository's conf), then run as the inspected starter is, with the shipped
sample roster and with a real roster mapped by configuration only.

The UTAUT2 survey is inspected as a user does it, ``segmentation inspect`` as a command
(its exit code, what it prints); the GenAI exports are inspected in this process. Every
run is a KedroSession in this process (see :func:`inspect_and_run`): the sample's
``kedro run`` as a command (tests/conftest.py, ``sample_runs``) checks the process.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from segmentation.inspect_command import inspect_export

from .conftest import PROJECT_ROOT, REALDATA, load_parameters, run_in_copy, run_session
from .conftest import copy_project as _copy_project
from .undrawn_charts import charts_undrawn

pytestmark = pytest.mark.slow

UTAUT2 = "utaut2_trello_survey_216.csv"
GENAI = "genai_workplace_survey_2024_limesurvey_export.csv"
IBM = "ibm_hr_attrition_WA_Fn-UseC_.csv"
# The IBM roster mapped by configuration only: its header names, its 1-5 job levels,
# and the contract's fields it does not have.
IBM_ROSTER = {
    "roster": {
        "columns": {
            "employee_id": ["EmployeeNumber"],
            "job_level": ["JobLevel"],
            "tenure_years": ["YearsAtCompany"],
        },
        "required_columns": ["employee_id", "department", "job_level"],
        "required_values": ["employee_id", "department", "job_level"],
        "value_aliases": {
            "job_level": {
                "1": "individual_contributor",
                "2": "team_lead",
                "3": "manager",
                "4": "director",
                "5": "executive",
            }
        },
    }
}


def _need(name: str) -> Path:
    path = REALDATA / name
    if not path.is_file():
        pytest.skip(f"{name} is not in ../shared/realdata")
    return path


def inspect_and_run(
    project: Path,
    survey: Path,
    env: str,
    wave: str,
    roster: tuple[Path, dict] | None = None,
    inspect_as_command: bool = False,
    draw: bool = True,
) -> dict:
    """Put the export where a wave's survey goes, inspect it into conf/<env>, run that environment; what came out.

    ``inspect_as_command``: ``segmentation inspect`` as a user types it (exit code, nothing
    printed before its summary), else ``inspect_export`` in this process. The run is a
    KedroSession in this process, the same files and summary as ``kedro run --env`` without an
    interpreter's start-up; its ``console`` is what the run's console handler would show.
    ``draw=False`` leaves the charts undrawn, for a run whose words and figures are the question.
    """
    target = project / "data" / "01_raw" / "waves" / wave / "survey.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(survey, target)
    if roster is not None:
        path, mapping = roster
        hr = project / "data" / "01_raw" / "hr"
        # the sample organisation's roster and opt-out list are not this roster's
        for old in [
            *hr.glob("roster.*"),
            *(project / "data" / "01_raw" / "campaign").glob("opt_out.*"),
        ]:
            old.unlink()
        shutil.copy(path, hr / f"roster{path.suffix}")
        (project / "conf" / env).mkdir(parents=True)
        (project / "conf" / env / "parameters_roster.yml").write_text(
            yaml.safe_dump(mapping), encoding="utf-8"
        )
    if inspect_as_command:
        process = run_in_copy(
            project, "-m", "segmentation", "inspect", str(target.relative_to(project)), "--env", env
        )
        assert process.returncode == 0, process.stdout + process.stderr
        # the summary and nothing else: no logging set-up or library warnings before it
        assert process.stdout.splitlines()[0] == "Columns:" and not process.stderr.strip(), (
            process.stdout[:500] + process.stderr
        )
        inspected = process.stdout
    else:
        inspected = "\n".join(inspect_export(project, target, env, None, False)) + "\n"
        assert inspected.splitlines()[0] == "Columns:", inspected[:500]
    console: list[str] = []
    with contextlib.nullcontext() if draw else charts_undrawn():
        run_session(project, env=env, console=console, wave=wave)
    output = "\n".join(console)
    reporting = project / "data" / "08_reporting" / wave
    return {
        "inspect": inspected,
        "console": output,
        "summary": json.loads((reporting / "run_summary.json").read_text(encoding="utf-8")),
        "html": (reporting / "persona_report.html").read_text(encoding="utf-8"),
        "workbook": reporting / "persona_report.xlsx",
        "lists": sorted((reporting / "targeting").glob("*.csv")),
        "item_scores": pd.read_parquet(
            project / "data" / "03_primary" / wave / "item_scores.parquet"
        ),
        "conf": {
            p.name: yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in (project / "conf" / env).glob("*.yml")
        },
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    if not REALDATA.is_dir():
        pytest.skip("shared/realdata is not beside this checkout")
    return _copy_project(tmp_path_factory.mktemp("own_survey"))


@pytest.fixture(scope="module")
def utaut2(project):
    return inspect_and_run(project, _need(UTAUT2), "utaut2", "2024-05", inspect_as_command=True)


@pytest.fixture(scope="module")
def genai(project):
    # its words and files are the question; the UTAUT2 run draws a real survey's charts
    return inspect_and_run(project, _need(GENAI), "genai", "2024-06", draw=False)


def _workbook_text(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path, read_only=True)
    return [
        str(v)
        for sheet in book
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if v is not None
    ]


def _not_asked() -> tuple[list[str], list[str]]:
    """The standard survey's needs and channels, which neither real survey asks about.

    Their construct labels ("liking email", "email overload") in any case, and
    the channels' names as the report writes them ("Email", "Intranet"): a
    roster fact in prose ("without a company computer or email") is no channel.
    """
    labels = load_parameters("personas")["personas"]["naming"]["labels"]
    channels = load_parameters("campaign")["campaign"]["playbook"]["channels"]["catalog"]
    return (
        sorted(v["en"] for k, v in labels.items() if k.startswith(("need_", "channel_"))),
        sorted(c["label"]["en"] for c in channels.values()),
    )


def assert_clean_outputs(result: dict) -> None:
    """No 'nan' anywhere a person reads; no list, channel or need the survey did not ask."""
    texts = {"report": result["html"], "workbook": "\n".join(_workbook_text(result["workbook"]))}
    for path in result["lists"]:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert len(frame.columns) > 1
        texts[path.name] = frame.to_csv(index=False)
    for name, text in texts.items():
        words = set(text.replace(",", " ").replace("<", " ").replace(">", " ").lower().split())
        assert "nan" not in words, name
    # only the all-personas list: per-channel lists exist only for channels the survey asked
    assert [p.name for p in result["lists"]] == ["all_personas.csv"]
    construct_labels, channel_names = _not_asked()
    for name in ("report", "workbook"):
        for phrase in construct_labels:
            assert phrase.lower() not in texts[name].lower(), (phrase, name)
        for phrase in channel_names:
            assert phrase not in texts[name], (phrase, name)


def test_utaut2_seven_point_anonymous_survey_runs_as_inspected(utaut2):
    raw = pd.read_csv(REALDATA / UTAUT2)
    items = [c for c in raw.columns if c[:2].isalpha() and c[-1].isdigit()]
    survey = utaut2["summary"]["ingestion"]["files"]["survey"]
    assert survey["anonymous"] is True
    assert survey["rows_read"] == survey["rows_used"] == len(raw) == 216
    # every 6 and 7 is kept as a 6 or a 7
    scores = utaut2["item_scores"]
    assert (
        int(scores[items].isin([6, 7]).sum().sum())
        == int(raw[items].isin([6, 7]).sum().sum())
        > 2000
    )
    assert utaut2["summary"]["ingestion"]["answers_set_missing"] == 0
    questionnaire = utaut2["conf"]["parameters_questionnaire.yml"]["questionnaire"]
    assert questionnaire["scales"]["numeric_1_7"] == {"min": 1, "max": 7}
    assert questionnaire["constructs"]["pe"] == ["PE1", "PE2", "PE3", "PE4"]
    assert_clean_outputs(utaut2)


def test_genai_limesurvey_export_with_consent_runs_as_inspected(genai):
    raw = pd.read_csv(REALDATA / GENAI, dtype=str, keep_default_na=False)
    consent = raw.columns[4]
    survey = genai["summary"]["ingestion"]["files"]["survey"]
    assert survey["shape"] == "limesurvey" and survey["anonymous"] is True
    assert genai["conf"]["parameters_ingestion.yml"]["survey"]["consent_column"] == [consent]
    # used: submitted and consented (nobody who said anything but yes), less answers that do not vary
    usable = (raw["Date submitted"] != "") & (raw[consent] == "Yes")
    by_reason = survey["rejected_by_reason"]
    assert set(by_reason) <= {"incomplete", "no_consent", "straight_lining"}
    assert survey["rows_used"] == int(usable.sum()) - by_reason.get("straight_lining", 0) > 100
    assert survey["rows_read"] == survey["rows_used"] + survey["rows_rejected"] == len(raw)
    assert_clean_outputs(genai)


@pytest.mark.parametrize("result", ["utaut2", "genai"])
def test_employees_of_the_roster_are_typed_and_the_accuracy_is_stated(result, request):
    run = request.getfixturevalue(result)
    personas = run["summary"]["personas"]
    assert 0 < personas["typing_accuracy"] <= 1 and 0 < personas["typing_baseline"] <= 1
    accuracy = f"Cross-validated accuracy {personas['typing_accuracy']:.0%} against {personas['typing_baseline']:.0%}"
    assert accuracy in run["html"]
    assert "The survey is anonymous: answers are matched to nobody" in run["html"]
    lists = pd.read_csv(run["lists"][0], dtype=str, keep_default_na=False)
    assert (lists["assignment_source"] == "inferred").all()
    assert (lists["persona_id"] != "unassigned").all()
    # the employees each card says it reaches are typed employees, never respondents on top of them
    reached = [
        int(n.replace(",", ""))
        for n in re.findall(r"([\d,]+) employees incl\. inferred", run["html"])
    ]
    assert reached and sum(reached) <= personas["assignments"]["inferred"]
    if personas["typing_accuracy"] < personas["typing_baseline"] + 0.02:
        assert "barely predict persona" in run["console"]
        assert "barely predict persona" in run["html"]
        assert any("barely predict persona" in w for w in personas["warnings"])


def test_the_repository_conf_is_untouched(utaut2, genai):
    assert (
        not (PROJECT_ROOT / "conf" / "utaut2").exists()
        and not (PROJECT_ROOT / "conf" / "genai").exists()
    )


def test_genai_survey_with_a_real_roster_mapped_by_configuration(tmp_path):
    if "age" not in load_parameters("ingestion")["roster"]["columns"]:
        pytest.skip(
            "rosters with an age column instead of a birth date (issue 11, item 9) are not in this checkout"
        )
    project = _copy_project(tmp_path)
    result = inspect_and_run(
        project,
        _need(GENAI),
        "genai_ibm",
        "2024-06",
        roster=(_need(IBM), IBM_ROSTER),
        draw=False,  # the roster's mapping is the question
    )
    link = result["conf"]["parameters_ingestion.yml"]["survey"]["roster_link"]
    assert link["gender"]["values"] == {"Female": "Female", "Male": "Male"}
    assert "25-34" in link["age"]["bands"]
    roster = result["summary"]["ingestion"]["files"]["roster"]
    assert roster["rows_read"] == 1470 and roster["rows_used"] == 1470
    lists = pd.read_csv(result["lists"][0], dtype=str, keep_default_na=False)
    assert len(lists) == 1470
    assert_clean_outputs(result)
