"""The activity log: rejected rows with their reasons; adoption shares, groups and small-group rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.anonymity import OTHER
from segmentation.datasets import TabularExportDataset
from segmentation.errors import InputFileError
from segmentation.pipelines.waves.nodes import (
    flag_adoption,
    migrate_personas,
    parse_activity,
    summarise_adoption,
    track_adoption,
)

CONTACTS = pd.DataFrame(
    {
        "pid": ["pa", "pb", "pc"],
        "employee_id": ["001", "002", "003"],
        "email": ["ann@corp.example", "ben@corp.example", None],
    }
)

LOG = """employee_id,email,timestamp,action
001,,2026-09-29T08:00:00,visit
,BEN@Corp.Example,2026-09-02 10:00,Like
003,,09/15/2026 14:30,post
999,,2026-09-10T08:00:00,visit
004,,2026-09-10T08:00:00,visit
001,,yesterday,visit
002,,2026-09-12T08:00:00,dance
,,2026-09-12T08:00:00,visit
001,,2026-10-01T00:00:00,post
002,,,comment
001,,2026-09-30T23:59:00Z,comment
"""


def read(tmp_path, text: str, name: str = "activity.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return TabularExportDataset(str(path), role="activity", optional=True).load()


def test_every_row_is_used_or_rejected_with_file_line_column_value_and_reason(tmp_path, adoption):
    raw = read(tmp_path, LOG)
    activity, rejects, accounting = parse_activity(raw, CONTACTS, ["004"], "2026-09", adoption)
    assert accounting["rows_read"] == 11 == accounting["rows_used"] + accounting["rows_rejected"]
    assert accounting["rows_used"] == 4 and len(rejects) == 7
    expected = {
        5: ("employee_id", "999", "unknown_employee"),
        6: ("employee_id", "004", "employee_rejected_in_roster"),
        7: ("timestamp", "yesterday", "invalid_date"),
        8: ("action", "dance", "not_allowed_value"),
        9: ("employee_id", "", "missing_value"),
        10: ("timestamp", "2026-10-01T00:00:00", "after_wave_end"),
        11: ("timestamp", "", "missing_value"),
    }
    got = {int(r.row): (r.column, r.value, r.reason) for r in rejects.itertuples()}
    assert got == expected
    assert set(rejects["file"]) == {raw.source} and set(rejects["action"]) == {"row_rejected"}
    assert accounting["rejected_by_reason"] == {
        "after_wave_end": 1,
        "employee_rejected_in_roster": 1,
        "invalid_date": 1,
        "missing_value": 2,
        "not_allowed_value": 1,
        "unknown_employee": 1,
    }
    # matched by id, or by email whatever its case; aliases and other date shapes read
    assert activity.to_dict("records") == [
        {"pid": "pa", "timestamp": pd.Timestamp("2026-09-29 08:00"), "action": "visit"},
        {"pid": "pa", "timestamp": pd.Timestamp("2026-09-30 23:59"), "action": "comment"},
        {"pid": "pb", "timestamp": pd.Timestamp("2026-09-02 10:00"), "action": "reaction"},
        {"pid": "pc", "timestamp": pd.Timestamp("2026-09-15 14:30"), "action": "post"},
    ]


def test_an_email_matches_the_same_person_as_in_ingestion_and_the_campaign(tmp_path, adoption):
    """Emails fold by segmentation.contacts.email_key: case and every space (inner too) ignored."""
    from segmentation.contacts import email_key

    # ingestion keeps the roster's emails folded by the same rule
    roster_emails = pd.Series(["Ann@Corp.Example", "Ben @Corp.Example", None])
    contacts = CONTACTS.assign(email=email_key(roster_emails).where(roster_emails.notna(), None))
    log = (
        "employee_id,email,timestamp,action\n"
        ',"ANN @corp. example",2026-09-01,visit\n'
        ",ben@corp.example,2026-09-02,visit\n"
        ',"Gone @Corp.Example",2026-09-03,visit\n'
        ",nobody@corp.example,2026-09-04,visit\n"
    )
    activity, rejects, _ = parse_activity(
        read(tmp_path, log), contacts, ["gone@corp.example"], "2026-09", adoption
    )
    assert activity["pid"].tolist() == ["pa", "pb"]
    assert email_key(pd.Series(["ANN @corp. example"])).iloc[0] == "ann@corp.example"
    assert dict(zip(rejects["row"], rejects["reason"], strict=True)) == {
        4: "employee_rejected_in_roster",
        5: "unknown_employee",
    }
    assert rejects["value"].tolist() == ["gone@corp.example", "nobody@corp.example"]


def test_an_absent_log_means_no_measure_and_a_log_without_columns_stops_the_run(tmp_path, adoption):
    absent = TabularExportDataset(
        str(tmp_path / "nothing" / "activity"), role="activity", optional=True
    ).load()
    activity, rejects, accounting = parse_activity(absent, CONTACTS, [], "2026-09", adoption)
    assert (
        activity.empty
        and rejects.empty
        and accounting["present"] is False
        and accounting["rows_read"] == 0
    )
    with pytest.raises(InputFileError, match="no column for action"):
        parse_activity(
            read(tmp_path, "employee_id,timestamp\n001,2026-09-01\n"),
            CONTACTS,
            [],
            "2026-09",
            adoption,
        )


# ------------------------------------------------------------------ adoption
def world(n_units: dict[str, int], seed: int = 0):
    """Employees in units of the given sizes, with personas; nobody active yet."""
    rng = np.random.default_rng(seed)
    units = np.concatenate([[u] * n for u, n in n_units.items()])
    n = len(units)
    pids = np.array([f"p{i:03d}" for i in range(n)])
    employees = pd.DataFrame(
        {
            "pid": pids,
            "org_unit": units,
            "work_pattern": rng.choice(["office", "remote"], n),
            "employment_status": "active",
            "hire_date": pd.Timestamp("2020-01-01"),
            "department": "Operations",
            "site": "Haifa",
            "job_level": "individual_contributor",
        }
    )
    employees.loc[n - 1, "employment_status"] = "leave"
    employees.loc[n - 2, "hire_date"] = pd.Timestamp("2026-10-05")  # hired after the wave
    hr = pd.DataFrame({"pid": pids, "age_band": rng.choice(["under 30", "30-39"], n)})
    persona = np.where(np.arange(n) % 2 == 0, "P1", "P2")
    assignments = pd.DataFrame(
        {
            "pid": pids,
            "persona_id": persona,
            "persona_name": np.where(persona == "P1", "One", "Two"),
            "persona_name_he": np.where(persona == "P1", "אחד", "שניים"),
            "assignment_source": np.where(np.arange(n) % 3 == 0, "inferred", "survey"),
            "confidence": 0.95,
        }
    )
    return employees, hr, assignments


def flag(log, employees, hr, assignments, adoption, personas_params) -> pd.DataFrame:
    """``flag_adoption`` for wave 2026-09 with the project's HR features and naming."""
    return flag_adoption(
        log,
        employees,
        hr,
        assignments,
        "2026-09",
        adoption,
        personas_params["hr_features"],
        personas_params["naming"],
    )


def summarise_log(log, people, assignments, adoption, anonymity) -> dict:
    """``summarise_adoption`` for wave 2026-09 of a log whose every row was used."""
    accounting = {
        "file": "activity.csv",
        "present": True,
        "rows_read": len(log),
        "rows_used": len(log),
        "rows_rejected": 0,
        "rejected_by_reason": {},
    }
    return summarise_adoption(people, assignments, accounting, "2026-09", adoption, anonymity)


def events(pairs: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["pid", "timestamp", "action"]).astype(
        {"timestamp": "datetime64[ns]", "action": object}
    )


def test_adoption_measures_follow_their_definitions(adoption, personas_params, anonymity):
    employees, hr, assignments = world({"A": 20, "B": 20})
    log = events(
        [
            ("p000", "2026-09-20", "visit"),  # active (last 28 days), registered
            ("p001", "2026-08-01", "visit"),  # registered only: visit too early
            ("p002", "2026-09-02", "visit"),  # 28 days before 30 Sep is 3 Sep: not active
            ("p003", "2026-09-03", "visit"),  # first day of the window: active
            ("p004", "2026-07-01", "reaction"),  # engaged whenever it was
            ("p005", "2026-09-30 23:00", "join_group"),  # registered, neither active nor engaged
        ]
    )
    people = flag(log, employees, hr, assignments, adoption, personas_params)
    assert len(people) == 38  # the one on leave and the one hired after the wave are out
    flags = people.set_index("pid")[["registered", "active", "engaged"]]
    assert flags.loc[["p000", "p001", "p002", "p003", "p004", "p005"]].to_numpy().tolist() == [
        [True, True, False],
        [True, False, False],
        [True, False, False],
        [True, True, False],
        [True, False, True],
        [True, False, False],
    ]


def test_who_is_at_work_comes_from_the_one_global_list(adoption, gamification, personas_params):
    """The adoption population is globals.yml's active_statuses, asked through employment.is_active;
    the charts' right-to-left languages are globals.yml's too."""
    import yaml

    from tests.conftest import PROJECT_ROOT

    globals_ = yaml.safe_load((PROJECT_ROOT / "conf" / "base" / "globals.yml").read_text("utf-8"))
    assert list(adoption["population_statuses"]) == list(globals_["active_statuses"])
    rtl = gamification["progress_charts"]["rtl_languages"]
    assert list(rtl) == list(globals_["rtl_languages"])
    employees, hr, assignments = world({"A": 20, "B": 20})
    adoption["population_statuses"] = ["active", "leave"]
    people = flag(events([]), employees, hr, assignments, adoption, personas_params)
    assert len(people) == 39 and "p039" in set(people["pid"])  # on leave now counts


def test_adoption_summary_hides_small_groups_and_counts_that_reveal_them(
    adoption, personas_params, anonymity
):
    employees, hr, assignments = world({"A": 30, "B": 30, "E": 30, "C": 3, "D": 4})
    unit = {u: employees.loc[employees["org_unit"] == u, "pid"] for u in "ABE"}
    log = events(
        [
            (p, "2026-09-20", "visit") for p in unit["A"].iloc[:28]
        ]  # 28 of 30 active: the 2 others are a small group
        + [(p, "2026-09-20", "visit") for p in unit["B"].iloc[:15]]
        + [(p, "2026-09-20", "visit") for p in unit["E"].iloc[:10]]
        + [(p, "2026-09-20", "post") for p in unit["B"].iloc[:3]]  # 3 engaged: a small group
        + [(p, "2026-09-20", "post") for p in unit["E"].iloc[:6]]
    )
    people = flag(log, employees, hr, assignments, adoption, personas_params)
    summary = summarise_log(log, people, assignments, adoption, anonymity)
    units = {r["key"]: r for r in summary["groups"]["org_unit"]}
    # C (3) and D (4, of whom one on leave and one hired after the wave) combined
    assert set(units) == {"A", "B", "E", OTHER} and units[OTHER]["population"] == 5
    assert units["A"]["active"] is None and units["A"]["active_share"] is None
    # A's count could be worked out from the overall count: the next smallest (E) is hidden too
    assert units["E"]["active"] is None
    assert (
        units["B"]["active"] == 15
        and units["B"]["active_share"] == 0.5
        and units["B"]["active_on_track"] is True
    )
    assert units["B"]["engaged"] is None and units["E"]["engaged"] is None
    assert summary["overall"]["active"] == 53 and summary["overall"]["active_on_track"] is True
    for rows in summary["groups"].values():
        for row in rows:
            for key in ("population", "registered", "active", "engaged", "respondents", "inferred"):
                assert not (row.get(key) is not None and 0 < row[key] < 5), (row, key)
    personas = {r["key"]: r for r in summary["groups"]["persona"]}
    assert (
        personas["P1"]["name"] == "One"
        and personas["P1"]["respondents"] + personas["P1"]["inferred"]
        == personas["P1"]["population"]
    )
    assert [m["key"] for m in summary["metrics"]] == ["registered", "active", "engaged"]


def test_a_wave_without_an_activity_log_still_has_its_groups_but_no_adoption(
    adoption, personas_params, anonymity
):
    employees, hr, assignments = world({"A": 30, "B": 30})
    people = flag(events([]), employees, hr, assignments, adoption, personas_params)
    summary = summarise_adoption(
        people, assignments, {"present": False, "file": "x"}, "2026-09", adoption, anonymity
    )
    assert summary["activity_log"] is False and summary["overall"]["active_share"] is None
    assert [(r["key"], r["population"], r["active"]) for r in summary["groups"]["org_unit"]] == [
        ("A", 30, None),
        ("B", 28, None),
    ]
    assert {p["persona_id"] for p in summary["persona_sizes"]} == {"P1", "P2"}


def test_the_trend_replaces_a_rerun_wave_and_stops_at_this_wave():
    def summary(wave, share):
        return {
            "wave": wave,
            "activity_log": True,
            "metrics": [{"key": "active"}],
            "overall": {"active_share": share},
            "groups": {},
            "persona_sizes": [],
        }

    history = {
        "2026-03": {"adoption": summary("2026-03", 0.1)},
        "2026-09": {"adoption": summary("2026-09", 0.2)},
        "2027-03": {"adoption": summary("2027-03", 0.9)},
    }
    trend = track_adoption(summary("2026-09", 0.4), history, "2026-09")
    assert [(t["wave"], t["shares"]["active"]) for t in trend] == [
        ("2026-03", 0.1),
        ("2026-09", 0.4),
    ]


# ------------------------------------------------------------------ movement
def test_migration_counts_clear_panel_members_hides_small_cells_and_nets_flows(anonymity):
    rng = np.random.default_rng(3)
    n = 400
    before = rng.choice(["P1", "P2", "P3"], n, p=[0.5, 0.3, 0.2])
    after = before.copy()
    moved = rng.random(n) < 0.15
    after[moved] = rng.choice(["P2", "P3", "P4"], moved.sum())
    after[:3] = "P4"  # a few more into the new persona
    confidence = np.where(rng.random(n) < 0.1, 0.6, 0.99)

    def frame(persona, conf):
        names = {p: f"Name {p}" for p in ["P1", "P2", "P3", "P4"]}
        return pd.DataFrame(
            {
                "pid": [f"p{i}" for i in range(n)],
                "persona_id": persona,
                "persona_name": [names[p] for p in persona],
                "persona_name_he": [names[p] for p in persona],
                "assignment_source": "survey",
                "confidence": conf,
            }
        )

    out = migrate_personas(
        frame(after, 0.99),
        {"wave": "2026-03", "assignments": frame(before, confidence)},
        {"min_confidence": 0.9},
        anonymity,
        {"comparable": True},
    )
    clear = confidence >= 0.9
    assert (
        out["panel"] == n
        and out["uncertain"] == int((~clear).sum())
        and out["counted"] == int(clear.sum())
    )
    truth = pd.crosstab(before[clear], after[clear])
    assert out["movers"] == int(
        clear.sum()
        - np.trace(
            truth.reindex(
                index=["P1", "P2", "P3"], columns=["P1", "P2", "P3", "P4"], fill_value=0
            ).to_numpy()[:, :3]
        )
    )
    cells = np.array(
        [[np.nan if c is None else c for c in row] for row in out["counts"]], dtype=float
    )
    assert not ((cells > 0) & (cells < 5)).any()
    for line in [*cells, *cells.T]:  # a hidden cell never stands alone in a row or column
        hidden = np.isnan(line)
        assert hidden.sum() != 1
    flows = {f["persona_id"]: f for f in out["net_flows"]}
    assert flows["P4"]["new"] and flows["P4"]["then"] == 0
    for f in flows.values():
        if f["net"] is not None:
            assert f["net"] == f["now"] - f["then"]
    top = out["most_common_move"]
    assert top["count"] == max(
        int(c)
        for i, row in enumerate(cells)
        for j, c in enumerate(row)
        if i != j and not np.isnan(c)
    )


def test_no_previous_wave_means_no_migration(anonymity):
    out = migrate_personas(
        pd.DataFrame(), {"wave": None, "assignments": None}, {"min_confidence": 0.9}, anonymity, {}
    )
    assert out == {
        "from_wave": None,
        "min_group_size": 5,
        "min_confidence": 0.9,
        "available": False,
        "reason": "no_previous_wave",
    }


def test_waves_with_different_questionnaires_have_no_migration(anonymity):
    previous = pd.DataFrame(
        {
            "pid": ["p1"],
            "persona_id": ["P1"],
            "persona_name": ["A"],
            "persona_name_he": ["A"],
            "assignment_source": ["survey"],
            "confidence": [1.0],
        }
    )
    out = migrate_personas(
        previous.assign(persona_id="P4"),
        {"wave": "2026-03", "assignments": previous},
        {"min_confidence": 0.9},
        anonymity,
        {"comparable": False, "not_matched_reason": "different_questionnaire"},
    )
    assert out["available"] is False and out["reason"] == "different_questionnaire"
