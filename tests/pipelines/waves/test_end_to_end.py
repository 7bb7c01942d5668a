"""Two survey waves of the shipped sample through real KedroSessions, in private project copies.

The suite's one run (``sample_runs``: 2026-03 then 2026-09, whose activity log gets a few bad
rows), 2026-09 once more stage by stage (``stage_rerun``), and in a second copy holding only
2026-03's outputs, 2026-09 with ``segmentation.refit: false``, the previous wave named and no
activity log.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from segmentation.hooks import resolve_pseudonym_key
from segmentation.pipelines.ingestion.nodes import pseudonymous_ids
from segmentation.pipelines.report import nodes as report_nodes
from segmentation.pipelines.waves.datasets import WaveHistoryDataset
from segmentation.pipelines.waves.gamification import file_key
from segmentation.sample import generate_organisation
from tests.conftest import (
    BAD_ACTIVITY_ROWS,
    MARCH,
    SEPTEMBER,
    copy_outputs,
    copy_project,
    load_parameters,
    run_session,
)
from tests.undrawn_charts import charts_undrawn

pytestmark = pytest.mark.slow

COUNT_KEYS = {
    "population",
    "registered",
    "active",
    "engaged",
    "respondents",
    "inferred",
    "then",
    "now",
    "stayed",
    "moved_in",
    "moved_out",
    "total",
    "count",
    "movers",
    "stayers",
    "counted",
    "uncertain",
    "panel",
}


def _json(project: Path, *parts: str):
    return json.loads(project.joinpath("data", *parts).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runs(sample_runs, stage_rerun, tmp_path_factory) -> SimpleNamespace:
    """The suite's one run of the sample, its stage-by-stage rerun, and 2026-09 with the 2026-03 model."""
    frozen = copy_project(tmp_path_factory.mktemp("refit"))
    copy_outputs(sample_runs.after_march, frozen)
    (frozen / "data" / "01_raw" / "waves" / SEPTEMBER / "activity.csv").unlink()
    with charts_undrawn():  # its words and figures are the question; sample_runs draws this wave
        refit = run_session(
            frozen, wave=SEPTEMBER, previous_wave=MARCH, segmentation={"refit": False}
        )
    return SimpleNamespace(
        project=sample_runs.project,
        frozen=frozen,
        summaries=sample_runs.summaries,
        first=sample_runs.outputs,
        second=stage_rerun.outputs,
        rerun=stage_rerun.summary,
        refit=refit,
        clean_lines=sample_runs.clean_lines,
    )


@pytest.fixture(scope="module")
def org():
    return generate_organisation(2000, 0)


@pytest.fixture(scope="module")
def planted(runs, org) -> dict[str, pd.DataFrame]:
    """Per wave, the survey respondents' pipeline persona beside their planted persona."""
    key = resolve_pseudonym_key({}, dict(os.environ))
    out = {}
    for wave in (MARCH, SEPTEMBER):
        truth = org.truth[wave].persona
        pids = pseudonymous_ids(pd.Series(truth.index.astype(str)), key).to_numpy()
        assignments = pd.read_parquet(
            runs.project / "data" / "07_model_output" / wave / "persona_assignments.parquet"
        )
        survey = assignments[assignments["assignment_source"] == "survey"].copy()
        survey["planted"] = (
            pd.Series(truth.to_numpy(), index=pids).reindex(survey["pid"]).to_numpy()
        )
        out[wave] = survey
    return out


def _majority(survey: pd.DataFrame) -> dict[str, str]:
    """Pipeline persona id -> the planted persona most of its respondents have."""
    return (
        survey.groupby("persona_id")["planted"].agg(lambda s: s.value_counts().idxmax()).to_dict()
    )


# ------------------------------------------------------------------ identities
def test_planted_personas_keep_their_ids_and_names_across_waves(runs, planted):
    identity = {}
    for wave, survey in planted.items():
        majority = _majority(survey)
        assert len(set(majority.values())) == len(majority) == 5, (
            majority
        )  # one pipeline persona per planted one
        names = survey.drop_duplicates("persona_id").set_index("persona_id")[
            ["persona_name", "persona_name_he"]
        ]
        identity[wave] = {
            p: (pid, names.at[pid, "persona_name"], names.at[pid, "persona_name_he"])
            for pid, p in majority.items()
        }
    assert identity[MARCH] == identity[SEPTEMBER]
    waves = runs.summaries[SEPTEMBER]["waves"]
    assert (
        waves["previous_wave"] == MARCH
        and waves["previous_wave_source"] == "latest earlier wave with saved models"
    )
    assert (
        len(waves["personas"]["matched"]) == 5
        and waves["personas"]["new"] == waves["personas"]["retired"] == []
    )
    assert runs.summaries[MARCH]["waves"]["first_wave"] is True


def test_ids_and_names_flow_into_profiles_playbook_lists_and_report(runs):
    data = runs.project / "data"
    identities = _json(runs.project, "06_models", SEPTEMBER, "persona_identities.json")
    names = {p["persona_id"]: p["name"] for p in identities["personas"]}
    assert identities["used_ids"] == sorted(names, key=lambda p: int(p[1:]))
    profiles = _json(runs.project, "07_model_output", SEPTEMBER, "persona_profiles.json")
    assert {p: v["name"] for p, v in profiles.items()} == names
    playbook = _json(runs.project, "07_model_output", SEPTEMBER, "playbook.json")
    assert {p: playbook[p]["name"]["en"] for p in names} == names
    lists = pd.read_csv(
        data / "08_reporting" / SEPTEMBER / "targeting" / "all_personas.csv",
        dtype=str,
        encoding="utf-8-sig",
    )
    assigned = lists[lists["persona_id"].isin(names)]
    assert (assigned["persona_name"] == assigned["persona_id"].map(names)).all() or set(
        assigned["language"]
    ) != {"en"}
    page = (data / "08_reporting" / SEPTEMBER / "persona_report.html").read_text(encoding="utf-8")
    assert all(name in page for name in names.values())


# ------------------------------------------------------------------ movement
def test_migration_matches_the_planted_drift(runs, planted, org):
    migration = _json(runs.project, "08_reporting", SEPTEMBER, "persona_migration.json")
    drift = org.truth_dict(include_assignments=False)["drift"][0]
    majority = _majority(planted[SEPTEMBER])
    assert migration["available"] and migration["from_wave"] == MARCH
    assert migration["panel"] == drift["panel_members"]
    move = migration["most_common_move"]
    assert (majority[move["from"]], majority[move["to"]]) == (
        "careful_desk_veterans",
        "overloaded_connectors",
    )
    assert move["count"] == pytest.approx(
        drift["panel_transitions"]["careful_desk_veterans -> overloaded_connectors"], abs=5
    )
    assert migration["movers_share"] == pytest.approx(drift["panel_changed_share"], abs=0.03)
    # counting everyone, answer noise adds moves: the reason the matrix counts clear members only
    assert migration["movers_share_including_uncertain"] > migration["movers_share"]
    flows = {f["persona_id"]: f for f in migration["net_flows"]}
    careful = next(p for p, v in majority.items() if v == "careful_desk_veterans")
    assert flows[careful]["net"] < 0  # the planted drift drains the careful desk veterans


# ------------------------------------------------------------------ adoption
def _hand_adoption(project: Path) -> tuple[pd.DataFrame, pd.Series]:
    """registered / active / engaged per active employee, straight from the roster and activity.csv."""
    roster = pd.read_excel(
        project / "data" / "01_raw" / "hr" / "roster.xlsx", dtype=str, engine="openpyxl"
    )
    end = pd.Timestamp("2026-09-30")
    hired = pd.to_datetime(roster["hire_date"]) <= end + pd.Timedelta(days=1)
    people = roster[(roster["employment_status"] == "active") & hired].set_index("employee_id")
    log = pd.read_csv(
        project / "data" / "01_raw" / "waves" / SEPTEMBER / "activity.csv",
        dtype=str,
        keep_default_na=False,
    )
    log["time"] = pd.to_datetime(log["timestamp"], errors="coerce")
    log = log[log["employee_id"].isin(people.index) & (log["time"] < end + pd.Timedelta(days=1))]
    window = log["time"] >= end - pd.Timedelta(days=27)
    flags = pd.DataFrame(
        {
            "registered": people.index.isin(
                log.loc[
                    log["action"].isin(["visit", "post", "comment", "reaction", "join_group"]),
                    "employee_id",
                ]
            ),
            "active": people.index.isin(
                log.loc[window & (log["action"] == "visit"), "employee_id"]
            ),
            "engaged": people.index.isin(
                log.loc[log["action"].isin(["post", "comment", "reaction"]), "employee_id"]
            ),
        },
        index=people.index,
    )
    return flags, people["org_unit"]


def test_adoption_shares_match_a_hand_computation(runs):
    summary = _json(runs.project, "08_reporting", SEPTEMBER, "adoption_summary.json")
    flags, units = _hand_adoption(runs.project)
    overall = summary["overall"]
    assert overall["population"] == len(flags)
    for metric in ("registered", "active", "engaged"):
        assert overall[metric] == int(flags[metric].sum()), metric
        assert overall[f"{metric}_share"] == pytest.approx(flags[metric].mean())
    by_unit = flags.groupby(units.reindex(flags.index).to_numpy()).mean()
    for row in summary["groups"]["org_unit"]:
        for metric in ("registered", "active", "engaged"):
            if row[f"{metric}_share"] is not None:
                assert row[f"{metric}_share"] == pytest.approx(by_unit.at[row["key"], metric])
                target = load_parameters("waves")["waves"]["adoption"]["metrics"][metric]["target"]
                assert row[f"{metric}_on_track"] == (row[f"{metric}_share"] >= target)
    personas = {r["key"]: r for r in summary["groups"]["persona"]}
    assert sum(r["population"] for r in personas.values()) == len(flags)
    assert any(
        r["inferred"] for r in personas.values()
    )  # persona-level adoption counts inferred personas, apart
    trend = [t["wave"] for t in runs.summaries[SEPTEMBER]["waves"]["trend"]]
    assert trend == [MARCH, SEPTEMBER]


def test_bad_activity_rows_are_rejected_with_their_reasons_and_counted(runs):
    rejects = pd.read_csv(
        runs.project / "data" / "02_intermediate" / SEPTEMBER / "activity_rejects.csv",
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    expected = [
        (str(runs.clean_lines + i + 1), column, reason)
        for i, (*_, reason, column) in enumerate(BAD_ACTIVITY_ROWS)
    ]
    assert list(zip(rejects["row"], rejects["column"], rejects["reason"], strict=True)) == expected
    assert set(rejects["file"]) == {f"data/01_raw/waves/{SEPTEMBER}/activity.csv"}
    activity = runs.summaries[SEPTEMBER]["waves"]["activity"]
    assert activity["rows_read"] == runs.clean_lines - 1 + len(BAD_ACTIVITY_ROWS)
    assert (
        activity["rows_rejected"]
        == len(BAD_ACTIVITY_ROWS)
        == sum(activity["rejected_by_reason"].values())
    )
    assert activity["rows_used"] == runs.clean_lines - 1


def test_no_waves_output_describes_a_small_group(runs):
    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                yield from walk(v, k)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v, key)
        elif isinstance(node, int) and not isinstance(node, bool):
            yield key, node

    for name in ("adoption_summary.json", "persona_migration.json", "waves_summary.json"):
        for key, value in walk(_json(runs.project, "08_reporting", SEPTEMBER, name)):
            assert not (key in COUNT_KEYS and 0 < value < 5), (name, key, value)
    migration = _json(runs.project, "08_reporting", SEPTEMBER, "persona_migration.json")
    assert all(c is None or c == 0 or c >= 5 for row in migration["counts"] for c in row)


# ------------------------------------------------------------------ gamification
def test_gamification_outputs(runs):
    folder = runs.project / "data" / "08_reporting" / SEPTEMBER / "gamification"
    badges = json.loads((folder / "badges.json").read_text(encoding="utf-8"))
    march = _json(runs.project, "08_reporting", MARCH, "gamification", "badges.json")
    awards = {a["badge_id"]: a for a in badges["awards"]}
    first_winner = next(a for a in march["awards"] if a["badge_id"] == "first_past_half_active")
    if first_winner["status"] == "awarded":
        assert awards["first_past_half_active"]["status"] == "held"
        assert awards["first_past_half_active"]["units"] == first_winner["units"]
    # most conversations per head, by hand: posts and comments in the last 28 days per active employee
    flags, units = _hand_adoption(runs.project)
    log = pd.read_csv(
        runs.project / "data" / "01_raw" / "waves" / SEPTEMBER / "activity.csv",
        dtype=str,
        keep_default_na=False,
    )
    log["time"] = pd.to_datetime(log["timestamp"], errors="coerce")
    talk = log[
        log["employee_id"].isin(flags.index)
        & log["action"].isin(["post", "comment"])
        & (log["time"] >= pd.Timestamp("2026-09-03"))
        & (log["time"] < pd.Timestamp("2026-10-01"))
    ]
    per_head = units.reindex(talk["employee_id"]).value_counts() / units.value_counts()
    assert awards["most_conversations"]["units"] == [per_head.idxmax()]
    assert awards["most_conversations"]["value"] == pytest.approx(per_head.max())

    top = pd.read_csv(
        folder / "top_contributors.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    opt_out = pd.read_csv(
        runs.project / "data" / "01_raw" / "campaign" / "opt_out.csv",
        dtype=str,
        keep_default_na=False,
    )
    assert not set(top["employee_id"]) & set(opt_out["employee_id"]) - {""}
    assert not set(top["email"].str.casefold()) & set(opt_out["email"].str.casefold()) - {""}
    assert len(top) == 20 and top["rank"].tolist() == [str(i) for i in range(1, 21)]
    assert not {"persona_id", "persona_name", "confidence"} & set(top.columns)
    charts = sorted(p.name for p in (folder / "progress" / "en").glob("*.png"))
    assert charts == sorted(f"{file_key(u)}.png" for u in units.unique())


# ------------------------------------------------------------------ reruns and options
def test_rerunning_a_wave_gives_the_same_outputs_and_no_duplicate_history(runs):
    assert runs.first.keys() == runs.second.keys()
    changed = [name for name in runs.first if runs.first[name] != runs.second[name]]
    assert changed == []
    assert runs.rerun == runs.summaries[SEPTEMBER]
    history = WaveHistoryDataset(
        str(runs.project / "data" / "08_reporting"), {"adoption": "adoption_summary.json"}
    ).load()
    assert list(history) == [MARCH, SEPTEMBER]
    assert [t["wave"] for t in runs.rerun["waves"]["trend"]] == [MARCH, SEPTEMBER]


def test_refit_false_types_the_wave_with_the_previous_model_and_no_log_means_no_adoption(runs):
    frozen, waves = runs.frozen, runs.refit["waves"]
    assert waves["refit"] is False and waves["model_from_wave"] == MARCH
    assert (
        waves["previous_wave"] == MARCH
        and waves["previous_wave_source"] == "named (previous_wave parameter)"
    )
    assert waves["personas"]["new"] == [] and waves["personas"]["retired"] == []
    models = frozen / "data" / "06_models"
    saved = {w: pd.read_pickle(models / w / "persona_model.pkl") for w in (MARCH, SEPTEMBER)}
    for step in ("scale", "cluster"):
        for attribute in ("mean_", "cluster_centers_"):
            if hasattr(saved[MARCH].answers_.named_steps[step], attribute):
                np.testing.assert_array_equal(
                    getattr(saved[SEPTEMBER].answers_.named_steps[step], attribute),
                    getattr(saved[MARCH].answers_.named_steps[step], attribute),
                )
    np.testing.assert_array_equal(
        saved[SEPTEMBER].membership_[-1].coef_, saved[MARCH].membership_[-1].coef_
    )
    march = _json(frozen, "06_models", MARCH, "persona_identities.json")
    september = _json(frozen, "06_models", SEPTEMBER, "persona_identities.json")
    assert [(p["persona_id"], p["name"]) for p in september["personas"]] == [
        (p["persona_id"], p["name"]) for p in march["personas"]
    ]
    # the same people typed by the same model: respondents of both waves mostly keep their persona
    assignments = {
        w: pd.read_parquet(frozen / "data" / "07_model_output" / w / "persona_assignments.parquet")
        for w in (MARCH, SEPTEMBER)
    }
    assert set(assignments[SEPTEMBER]["persona_id"]) <= set(assignments[MARCH]["persona_id"])
    # no activity log: the wave runs, and its adoption sections say so
    assert waves["activity"]["present"] is False and waves["adoption"]["activity_log"] is False
    assert waves["adoption"]["active_share"] is None
    for badge in waves[
        "badges"
    ]:  # a once-only badge won in 2026-03 stays held; nothing new is awarded
        assert (badge["status"], badge["reason"]) in {
            ("not_awarded", "no_activity_log"),
            ("held", None),
        }
        assert badge["status"] != "held" or badge["since"] == MARCH
    page = (frozen / "data" / "08_reporting" / SEPTEMBER / "persona_report.html").read_text(
        encoding="utf-8"
    )
    assert "No activity log for this wave" in page and "segmentation.refit: false" in page
    assert not list(
        (frozen / "data" / "08_reporting" / SEPTEMBER / "gamification" / "progress").glob(
            "**/*.png"
        )
    )


def test_the_report_has_a_waves_section_in_english_and_hebrew(runs):
    folder = runs.project / "data" / "08_reporting" / SEPTEMBER
    page = (folder / "persona_report.html").read_text(encoding="utf-8")
    section = page[page.index('id="waves"') : page.index('id="method"')]
    for text in (
        "Persona sizes over time",
        "Who moved between personas",
        "Adoption funnel per persona",
        "Badges",
        "First past 50% active",
        "on track",
    ):
        assert text in section, text
    assert section.count('src="data:image/png') >= 5
    workbook = load_workbook(io.BytesIO((folder / "persona_report.xlsx").read_bytes()))
    assert "Waves" in workbook.sheetnames
    cells = [c.value for row in workbook["Waves"].iter_rows() for c in row if c.value is not None]
    assert "Who moved between personas" in cells and not any(
        isinstance(v, str) and v.startswith("=") for v in cells
    )

    report = {**load_parameters("report")["report"], "language": "he"}
    inputs = [
        _json(runs.project, "08_reporting", SEPTEMBER, name)
        for name in ("waves_summary.json", "adoption_summary.json", "persona_migration.json")
    ]
    hebrew = report_nodes.summarise_waves_section(*inputs, report, {"min_group_size": 5})
    assert hebrew["adoption"]["definitions"][1]["label"] == "פעילים"
    assert (
        hebrew["sizes"]["rows"][0]["name"] == inputs[0]["trend"][-1]["persona_shares"][0]["name_he"]
    )
    counts = np.array(
        [[np.nan if c is None else c for c in row] for row in hebrew["migration"]["counts"]],
        dtype=float,
    )
    assert not ((counts > 0) & (counts < 5)).any()
