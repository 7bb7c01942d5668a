"""Badges follow their rules; the top contributors come from activity only and honour opt-outs;
one progress chart per unit and language."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.pipelines.waves.gamification import (
    award_badges,
    crossing_days,
    draw_progress_charts,
    file_key,
    list_top_contributors,
)
from segmentation.pipelines.waves.nodes import summarise_adoption, track_adoption

WAVE = "2026-09"
LOG = {
    "present": True,
    "file": "activity.csv",
    "rows_read": 0,
    "rows_used": 0,
    "rows_rejected": 0,
    "rejected_by_reason": {},
}
NO_LOG = {"present": False, "file": "activity.csv"}


def people_of(units: dict[str, int]) -> pd.DataFrame:
    rows = [(f"{u}{i:02d}", u) for u, n in units.items() for i in range(n)]
    frame = pd.DataFrame(rows, columns=["pid", "org_unit"]).astype(object)
    return frame.assign(
        work_pattern="office",
        age_band=pd.Categorical(["30-39"] * len(frame)),
        persona_id="P1",
        persona_name="One",
        persona_name_he="אחד",
        assignment_source="survey",
    )


def flagged(people: pd.DataFrame, activity: pd.DataFrame, adoption: dict) -> pd.DataFrame:
    """The measures as flag_adoption sets them (at the wave's end)."""
    from segmentation.pipelines.waves.nodes import in_window
    from segmentation.waves import wave_end

    end = wave_end(WAVE)
    out = people.copy()
    for metric, spec in adoption["metrics"].items():
        out[metric] = out["pid"].isin(
            set(
                activity.loc[
                    in_window(activity, spec["actions"], end, spec.get("window_days")), "pid"
                ]
            )
        )
    return out


def log(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["pid", "timestamp", "action"]).astype(
        {"timestamp": "datetime64[ns]", "action": object}
    )


@pytest.fixture()
def race(adoption):
    """Unit A passes 50% active on 10 Sep and ends at 60%; unit B passes on 20 Sep and ends at 90%;
    B talks most. Unit S (6 people) is all active and talkative but too small to win a badge."""
    people = people_of({"A": 20, "B": 20, "S": 6})
    rows = [(f"A{i:02d}", "2026-09-05", "visit") for i in range(10)] + [
        ("A10", "2026-09-10", "visit"),
        ("A11", "2026-09-25", "visit"),
    ]
    rows += [(f"B{i:02d}", "2026-09-20", "visit") for i in range(18)]
    rows += [(f"B{i:02d}", "2026-09-21", "post") for i in range(10)] + [
        ("A00", "2026-09-21", "comment")
    ]
    rows += [(f"S{i:02d}", "2026-09-05", "visit") for i in range(6)] + [
        (f"S{i:02d}", "2026-09-06", "post") for i in range(6)
    ] * 3
    activity = log(rows)
    return flagged(people, activity, adoption), activity


def test_crossing_days_follow_the_rolling_window(race, adoption):
    people, activity = race
    sizes = people.groupby("org_unit").size()
    days = crossing_days(
        people, activity, adoption["metrics"]["active"], 0.5, pd.Timestamp("2026-09-30"), sizes
    )
    assert days["A"] == pd.Timestamp("2026-09-10") and days["B"] == pd.Timestamp("2026-09-20")
    # with a 5-day window A's first ten visitors count only up to 9 Sep: A never passes 50%
    short = {**adoption["metrics"]["active"], "window_days": 5}
    assert "A" not in crossing_days(people, activity, short, 0.5, pd.Timestamp("2026-09-30"), sizes)


def test_badges_follow_their_rules(race, gamification, adoption, anonymity):
    people, activity = race
    history = {
        "2026-03": {
            "adoption": {
                "activity_log": True,
                "groups": {
                    "org_unit": [
                        {"key": "A", "active_share": 0.5},
                        {"key": "B", "active_share": 0.2},
                    ]
                },
            },
            "badges": None,
        }
    }
    badges = award_badges(people, activity, LOG, history, WAVE, gamification, adoption, anonymity)
    awards = {a["badge_id"]: a for a in badges["awards"]}
    first = awards["first_past_half_active"]
    assert (
        first["status"] == "awarded" and first["units"] == ["A"] and first["date"] == "2026-09-10"
    )
    assert first["value"] == pytest.approx(12 / 20)
    assert awards["most_conversations"]["units"] == ["B"]
    assert awards["most_conversations"]["value"] == pytest.approx(10 / 20)
    improved = awards["most_improved"]
    assert improved["units"] == ["B"] and improved["compared_with"] == "2026-03"
    assert improved["value"] is None  # B's 18 of 20 active would show that 2 people are not
    assert "S" not in badges["by_unit"] and badges["eligible_units"] == 2
    assert badges["by_unit"] == {
        "A": ["first_past_half_active"],
        "B": ["most_conversations", "most_improved"],
    }


def test_a_once_only_badge_stays_with_its_first_winner(race, gamification, adoption, anonymity):
    people, activity = race
    earlier = {
        "awards": [
            {
                "badge_id": "first_past_half_active",
                "status": "awarded",
                "units": ["C"],
                "since": "2026-03",
            }
        ]
    }
    history = {"2026-03": {"adoption": None, "badges": earlier}}
    awards = {
        a["badge_id"]: a
        for a in award_badges(
            people, activity, LOG, history, WAVE, gamification, adoption, anonymity
        )["awards"]
    }
    assert awards["first_past_half_active"]["status"] == "held"
    assert (
        awards["first_past_half_active"]["units"] == ["C"]
        and awards["first_past_half_active"]["since"] == "2026-03"
    )
    assert (
        awards["most_improved"]["status"] == "not_awarded"
        and awards["most_improved"]["reason"] == "no_earlier_wave"
    )


def test_without_an_activity_log_no_badge_is_awarded(race, gamification, adoption, anonymity):
    people, _ = race
    badges = award_badges(
        people.assign(registered=False, active=False, engaged=False),
        log([]),
        NO_LOG,
        {},
        WAVE,
        gamification,
        adoption,
        anonymity,
    )
    assert {(a["status"], a["reason"]) for a in badges["awards"]} == {
        ("not_awarded", "no_activity_log")
    }
    assert badges["by_unit"] == {}


def test_an_unknown_badge_rule_is_a_configuration_error(race, gamification, adoption, anonymity):
    people, activity = race
    gamification["badges"][0]["rule"] = "loudest"
    with pytest.raises(ValueError, match="rule must be one of"):
        award_badges(people, activity, LOG, {}, WAVE, gamification, adoption, anonymity)


def test_top_contributors_come_from_activity_only_and_honour_opt_outs(race, gamification, adoption):
    people, activity = race
    contacts = pd.DataFrame(
        {
            "pid": people["pid"],
            "employee_id": [f"E{i:03d}" for i in range(len(people))],
            "first_name": "First",
            "last_name": "Last",
            "email": [f"{p.lower()}@corp.example" for p in people["pid"]],
            "org_unit": people["org_unit"],
        }
    )
    opt_outs = pd.DataFrame(
        {"employee_id": ["", contacts.at[20, "employee_id"]], "email_key": ["s00@corp.example", ""]}
    )
    table = list_top_contributors(
        activity, contacts, people, opt_outs, WAVE, gamification, adoption
    )
    assert list(table.columns) == [
        "rank",
        "employee_id",
        "first_name",
        "last_name",
        "email",
        "org_unit",
        "post_count",
        "comment_count",
        "reaction_count",
        "score",
    ]
    assert "s00@corp.example" not in set(table["email"]) and contacts.at[
        20, "employee_id"
    ] not in set(table["employee_id"])
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert table["score"].is_monotonic_decreasing
    top = table.iloc[0]
    assert top["org_unit"] == "S" and top["post_count"] == 3 and top["score"] == 9
    assert (table["score"] >= gamification["top_contributors"]["min_score"]).all()
    assert len(table) <= gamification["top_contributors"]["top_n"]


def test_one_progress_chart_per_unit_and_language(
    race, gamification, adoption, anonymity, report_params
):
    people, activity = race
    assignments = people[
        ["pid", "persona_id", "persona_name", "persona_name_he", "assignment_source"]
    ]
    summary = summarise_adoption(people, assignments, LOG, WAVE, adoption, anonymity)
    trend = track_adoption(summary, {}, WAVE)
    badges = award_badges(people, activity, LOG, {}, WAVE, gamification, adoption, anonymity)
    gamification["progress_charts"]["languages"] = ["en", "he"]
    charts = draw_progress_charts(summary, trend, badges, gamification, report_params)
    assert sorted(charts) == sorted(
        f"{language}/{file_key(unit)}" for language in ["en", "he"] for unit in "AB"
    )
    assert all(png.startswith(b"\x89PNG") for png in charts.values())
    assert (
        draw_progress_charts(
            {**summary, "activity_log": False}, trend, badges, gamification, report_params
        )
        == {}
    )


def test_progress_charts_fall_back_to_a_language_the_labels_have(
    race, gamification, adoption, anonymity, report_params, caplog
):
    """A chart language missing from the metric and badge labels uses the first language they
    have (with a warning), not a hard-wired English one."""
    people, activity = race
    assignments = people[
        ["pid", "persona_id", "persona_name", "persona_name_he", "assignment_source"]
    ]
    summary = summarise_adoption(people, assignments, LOG, WAVE, adoption, anonymity)
    summary["metrics"] = [{**m, "label": {"de": f"Anteil {m['key']}"}} for m in summary["metrics"]]
    trend = track_adoption(summary, {}, WAVE)
    badges = award_badges(people, activity, LOG, {}, WAVE, gamification, adoption, anonymity)
    badges["awards"] = [{**a, "name": {"de": "Abzeichen"}} for a in badges["awards"]]
    settings = gamification["progress_charts"]
    settings["languages"] = ["fr"]
    settings["labels"]["fr"] = settings["labels"]["en"]
    charts = draw_progress_charts(summary, trend, badges, gamification, report_params)
    assert sorted(charts) == sorted(f"fr/{file_key(unit)}" for unit in "AB")
    assert "No 'fr' text for adoption metric" in caplog.text
