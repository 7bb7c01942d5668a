"""Champions (Place) and manager briefs."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from segmentation.pipelines.campaign import nodes

from .helpers import (
    CONSTRUCTS,
    anonymity_params,
    campaign_params,
    naming_params,
    questionnaire_params,
    run_campaign,
)


# ------------------------------------------------------------------ champions
def test_champions_only_survey_assigned_capped_per_unit_and_without_scores(campaign, world):
    champions = campaign.champions
    params = campaign.params["champions"]
    assert list(champions.columns) == ["employee_id", "first_name", "email", "org_unit"]
    assert not set(champions.columns) & set(CONSTRUCTS)
    assert champions.groupby("org_unit").size().max() <= params["max_per_org_unit"]
    pids = world.contacts.set_index("employee_id").loc[champions["employee_id"], "pid"]
    sources = world.persona_assignments.set_index("pid").loc[pids, "assignment_source"]
    assert (sources == "survey").all()
    assert not set(champions["employee_id"]) & {*world.opted_out_ids, *world.not_active_ids}
    scores = world.construct_scores.set_index("pid").loc[pids]
    for construct, minimum in params["min_scores"].items():  # 0-100 on the standard 1-5 scale
        assert (scores[construct] >= 1 + minimum * 4 / 100).all()


def test_champions_are_the_best_of_their_unit(world):
    """Make an inferred person and a survey person look like perfect champions:
    only the survey one may be chosen, and they rank first in their unit."""
    params = campaign_params()
    scores = world.construct_scores.copy()
    contacts = world.contacts.set_index("pid")
    survey_pid = world.persona_assignments.loc[
        world.persona_assignments["persona_id"] == "P3", "pid"
    ].iloc[0]
    scores.loc[
        scores["pid"] == survey_pid, ["innovativeness", "social_media_use", "channel_peer_champion"]
    ] = 5.0
    inferred = world.persona_assignments[
        world.persona_assignments["assignment_source"] == "inferred"
    ]["pid"].iloc[0]
    scores = pd.concat(
        [
            scores,
            scores.iloc[[0]].assign(
                pid=inferred, innovativeness=5.0, social_media_use=5.0, channel_peer_champion=5.0
            ),
        ],
        ignore_index=True,
    )
    champions = nodes.select_champions(
        scores,
        world.persona_assignments,
        world.contacts,
        pd.DataFrame({"employee_id": [], "email_key": []}, dtype=str),
        params["champions"],
        params["targeting"],
        questionnaire_params(),
    )
    unit = contacts.loc[survey_pid, "org_unit"]
    assert (
        champions[champions["org_unit"] == unit]["employee_id"].iloc[0]
        == contacts.loc[survey_pid, "employee_id"]
    )
    assert contacts.loc[inferred, "employee_id"] not in set(champions["employee_id"])
    capped = copy.deepcopy(params["champions"])
    capped["max_per_org_unit"] = 1
    one_each = nodes.select_champions(
        scores,
        world.persona_assignments,
        world.contacts,
        pd.DataFrame({"employee_id": [], "email_key": []}, dtype=str),
        capped,
        params["targeting"],
        questionnaire_params(),
    )
    assert one_each["org_unit"].is_unique


# ------------------------------------------------------------------ managers
def test_every_active_people_manager_gets_a_brief(campaign, world):
    briefs = campaign.manager_briefs
    managers = world.contacts[
        world.contacts["is_people_manager"] & (world.contacts["employment_status"] == "active")
    ]
    assert sorted(briefs["employee_id"]) == sorted(managers["employee_id"])
    assert list(briefs.columns) == [
        "employee_id",
        "email",
        "first_name",
        "language",
        "team_size",
        "persona_mix",
        "talking_points",
    ]
    assert briefs["team_size"].tolist() == [8, 3]


def test_a_team_under_the_threshold_shows_no_mix(campaign):
    small = campaign.manager_briefs.set_index("employee_id").loc["E0102"]
    assert small["team_size"] < anonymity_params()["min_group_size"]
    assert small["language"] == "he"
    assert small["persona_mix"] == campaign.params["managers"]["texts"]["he"]["too_small"]
    for persona in ("P1", "P2", "P3"):
        assert campaign.playbook[persona]["name"]["he"] not in small["talking_points"]
    assert (
        small["talking_points"].split("\n")
        == campaign.params["managers"]["texts"]["he"]["general_talking_points"]
    )
    assert campaign.summary["manager_teams_too_small"] == 1


def test_a_team_all_in_one_persona_gets_its_talking_points_without_a_count(campaign):
    """Issue 12: "persona X: 8" for a team of 8 told the manager every member's persona."""
    big = campaign.manager_briefs.set_index("employee_id").loc["E0101"]
    texts = campaign.params["managers"]["texts"]["en"]
    assert big["persona_mix"] == "Social Pioneers (among the most common)"
    assert "8" not in big["persona_mix"] + big["talking_points"]
    headline = campaign.playbook["P1"]["value_propositions"][0]["en"]["headline"]
    assert (
        big["talking_points"].split("\n")[0].startswith(f'Social Pioneers: lead with "{headline}"')
    )
    assert big["talking_points"].split("\n")[1:] == texts["general_talking_points"]
    assert "Teams or Slack chat" in big["talking_points"]
    assert "competitions and leaderboards" in big["talking_points"]


def test_small_persona_groups_inside_a_large_team_are_not_named(world):
    """A team of 8 with 6 of P1 and 2 of P2: P2 (under 5) is neither named nor counted."""
    mixed = copy.deepcopy(world)
    manager_pid = mixed.employees.loc[0, "pid"]
    moved = mixed.persona_assignments["pid"].isin(mixed.employees.loc[2:3, "pid"])
    mixed.persona_assignments.loc[moved, ["persona_id", "persona_name", "persona_name_he"]] = [
        "P2",
        "Careful Traditionalists",
        "שמרנים זהירים",
    ]
    assert (mixed.employees["manager_pid"] == manager_pid).sum() == 8
    params = campaign_params()
    briefs = nodes.brief_managers(
        mixed.employees,
        mixed.contacts,
        mixed.persona_assignments,
        pd.DataFrame({"employee_id": [], "email_key": []}, dtype=str),
        run_campaign(mixed).playbook,
        anonymity_params(),
        params["managers"],
        params["targeting"],
        naming_params(),
        params["languages"],
    )
    mix = briefs.set_index("employee_id").loc["E0101", "persona_mix"]
    # 6 of 8: only 2 are not Social Pioneers, so the 6 is not shown either
    assert (
        mix
        == "Social Pioneers (among the most common); " + params["managers"]["texts"]["en"]["others"]
    )
    assert "Careful" not in briefs.set_index("employee_id").loc["E0101", "talking_points"]


@pytest.mark.parametrize(
    "counts, shown",
    [
        ([("P1", 6)], set()),  # everyone in one persona
        ([("P1", 6), ("P2", 2)], set()),  # 2 outside: the 6 would single them out
        ([("P1", 5), ("P2", 5)], {"P1", "P2"}),  # 5 in and 5 out, nothing left over
        (
            [("P1", 7), ("P2", 5), ("P3", 2)],
            {"P1"},
        ),  # both shown would leave 2 over: the smaller count goes
        ([("P1", 9), ("P2", 6)], {"P1", "P2"}),
        ([("P1", 12), ("P2", 3)], set()),  # 3 outside P1
    ],
)
def test_a_count_is_shown_only_when_it_cannot_reveal_a_members_persona(counts, shown):
    team_size = sum(n for _, n in counts)
    described = [(p, n) for p, n in counts if n >= 5]
    counted = nodes.countable_personas(described, team_size, 5)
    assert counted == shown
    for p, n in described:
        if p in counted:
            assert n >= 5 and team_size - n >= 5
    left_over = team_size - sum(n for p, n in described if p in counted)
    assert left_over == 0 or left_over >= 5 or not counted


def test_opted_out_managers_get_no_brief(world):
    from .helpers import opt_out_table

    result = run_campaign(world, opt_out=opt_out_table([["E0101", ""]]))
    assert "E0101" not in set(result.manager_briefs["employee_id"])
