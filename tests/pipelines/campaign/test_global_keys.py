"""The campaign follows the project-wide keys of ``globals.yml``: who is active and the languages.

Each test edits the key in a copy of ``conf/base`` and loads the campaign's
parameters as Kedro does, so the test fails if the stage keeps its own copy.
"""

from __future__ import annotations

import shutil

import pytest
import yaml
from kedro.config import OmegaConfigLoader

from tests.conftest import PROJECT_ROOT

from .helpers import make_world, read_list, run_campaign


def params_with_globals(tmp_path, **changes) -> dict:
    """The campaign's parameters with ``globals.yml`` keys changed."""
    base = tmp_path / "conf" / "base"
    base.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "conf" / "base" / "parameters_campaign.yml", base)
    source = PROJECT_ROOT / "conf" / "base" / "globals.yml"
    globals_ = {**yaml.safe_load(source.read_text(encoding="utf-8")), **changes}
    (base / "globals.yml").write_text(yaml.safe_dump(globals_, allow_unicode=True), "utf-8")
    loader = OmegaConfigLoader(
        str(tmp_path / "conf"),
        base_env="base",
        default_run_env="base",
        config_patterns={"selected": ["parameters_campaign*"]},
    )
    return loader["selected"]["campaign"]


@pytest.fixture(scope="module")
def world():
    return make_world()


def test_the_active_statuses_of_globals_decide_who_is_listed_and_briefed(tmp_path, world):
    on_leave, terminated = world.not_active_ids
    params = params_with_globals(tmp_path, active_statuses=["active", "leave"])
    assert params["targeting"]["active_statuses"] == ["active", "leave"]
    widened = run_campaign(world, params)
    listed = read_list(widened.files["all_personas"])["employee_id"].tolist()
    assert on_leave in listed and terminated not in listed
    assert widened.accounting["excluded_not_active"] == 1
    assert widened.summary["checks"]["all_ok"]

    only_leave = run_campaign(world, params_with_globals(tmp_path / "b", active_statuses=["leave"]))
    assert read_list(only_leave.files["all_personas"])["employee_id"].tolist() == [on_leave]
    # the two managers are active, not on leave: no brief, and nobody active is a champion
    assert only_leave.manager_briefs.empty
    assert set(only_leave.champions["employee_id"]) <= {on_leave}


def test_the_first_language_of_globals_is_the_default_and_each_has_a_name(tmp_path, world):
    contacts = world.contacts.copy()
    contacts.loc[contacts.index[0], "language"] = "fr"  # a manager, in no listed language
    fr = contacts.loc[contacts.index[0], "employee_id"]
    world = type(world)(**{**world.__dict__, "contacts": contacts})
    hebrew_first = run_campaign(world, params_with_globals(tmp_path, languages=["he", "en"]))
    people = read_list(hebrew_first.files["all_personas"]).set_index("employee_id")
    assert people.loc[fr, "language"] == "he"
    assert people.loc[fr, "persona_name"] == "חלוצים חברתיים"
    brief = hebrew_first.manager_briefs.set_index("employee_id").loc[fr]
    assert brief["language"] == "he"
    assert list(hebrew_first.playbook["P1"]["name"]) == ["he", "en"]
    assert list(hebrew_first.audience.columns[-2:]) == ["persona_name_he", "persona_name_en"]

    english_only = run_campaign(world, params_with_globals(tmp_path / "b", languages=["en"]))
    people = read_list(english_only.files["all_personas"])
    assert set(people["language"]) == {"en"}
    assert set(people["persona_name"]) == {
        "Social Pioneers",
        "Careful Traditionalists",
        "Knowledge Seekers",
        "Unassigned",
    }
    assert "persona_name_he" not in english_only.audience.columns
    assert set(english_only.manager_briefs["language"]) == {"en"}
    assert all(list(entry["name"]) == ["en"] for entry in english_only.playbook.values())
