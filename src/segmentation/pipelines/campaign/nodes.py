"""Campaign: the launch playbook per persona, targeting lists, champions, manager briefs.

Every number, rule and text comes from ``conf/base/parameters_campaign.yml``
(``campaign``); these functions only read data and parameters and return
data. The one table with clear identifiers (``contacts``) is joined here and
only what a campaign list needs leaves this stage: never a survey answer or
a construct score.

The node functions live in one module per idea and are gathered here for
``pipeline.py``: figures, playbook (and its checks), opt-outs, audience,
lists, champions, managers; the campaign summary is here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .audience import select_audience
from .champions import select_champions
from .figures import compute_persona_figures
from .lists import export_targeting_lists
from .managers import brief_managers, countable_personas
from .opt_outs import match_opt_outs, parse_opt_out
from .playbook import build_playbook
from .playbook_checks import check_playbook

__all__ = [
    "brief_managers",
    "build_playbook",
    "check_playbook",
    "compute_persona_figures",
    "countable_personas",
    "export_targeting_lists",
    "match_opt_outs",
    "parse_opt_out",
    "select_audience",
    "select_champions",
    "summarise_campaign",
]

logger = logging.getLogger(__name__)


def summarise_campaign(
    audience_accounting: Mapping[str, Any],
    opt_out_summary: Mapping[str, Any],
    targeting_list_counts: Mapping[str, Any],
    champions: pd.DataFrame,
    manager_briefs: pd.DataFrame,
    survey_parts: Mapping[str, Any],
    anonymity: Mapping[str, Any],
    targeting: Mapping[str, Any],
) -> dict[str, Any]:
    """The campaign's head counts for the run summary, with the checks that they add up,
    and what was left out because the survey did not ask it."""
    accounting = dict(audience_accounting)
    checks = dict(accounting.pop("checks"))
    lists = dict(targeting_list_counts["lists"])
    checks["all_personas_rows_equal_listed"] = (
        lists.get(targeting["all_list_name"]) == accounting["listed"]
    )
    checks["active_equals_listed_plus_opted_out"] = (
        accounting["active_employees"] == accounting["listed"] + accounting["excluded_opted_out"]
    )
    checks["roster_equals_active_plus_not_active"] = (
        accounting["employees_in_roster"]
        == accounting["active_employees"] + accounting["excluded_not_active"]
    )
    all_ok = all(checks.values())
    if not all_ok:
        logger.error(
            "Campaign head counts do not add up: %s", {k: v for k, v in checks.items() if not v}
        )
    # The briefs may come back from their CSV, where every cell is text.
    team_sizes = pd.to_numeric(manager_briefs["team_size"])
    too_small = int((team_sizes < int(anonymity["min_group_size"])).sum())
    return {
        **accounting,
        "opt_out": dict(opt_out_summary),
        "preset": targeting_list_counts["preset"],
        "lists": lists,
        "left_out_of_lists_missing_value": dict(targeting_list_counts["left_out_missing_value"]),
        "champions": len(champions),
        "champion_org_units": int(champions["org_unit"].nunique())
        if "org_unit" in champions
        else 0,
        "manager_briefs": len(manager_briefs),
        "manager_teams_too_small": too_small,
        "left_out": {k: list(v) for k, v in survey_parts.items() if k != "roles"},
        "checks": {**{k: bool(v) for k, v in checks.items()}, "all_ok": bool(all_ok)},
    }
