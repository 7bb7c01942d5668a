"""A small synthetic organisation for campaign tests: three personas with
clear profiles, inferred and unassigned people, managers, opt-outs and names
that must survive (or be neutralised in) every export."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import yaml

from segmentation.datasets import RawTable
from segmentation.pipelines.campaign import nodes
from tests.conftest import PROJECT_ROOT, load_parameters

CONSTRUCTS = [
    "social_media_use",
    "mobile_use",
    "innovativeness",
    "barriers",
    "gamification_appeal",
    "need_expertise",
    "need_email_overload",
    "need_company_news",
    "need_recognition",
    "need_cross_team",
    "need_knowledge_reuse",
    "channel_email",
    "channel_intranet",
    "channel_mobile_push",
    "channel_chat",
    "channel_signage",
    "channel_manager",
    "channel_town_hall",
    "channel_workshop",
    "channel_video",
    "channel_peer_champion",
]

# Each persona's typical answers (1-5); unlisted constructs are 3.0.
PROFILES = {
    "P1": {
        "innovativeness": 4.5,
        "social_media_use": 4.3,
        "gamification_appeal": 4.4,
        "need_expertise": 4.6,
        "channel_chat": 4.6,
        "channel_peer_champion": 4.5,
        "mobile_use": 4.0,
        "barriers": 2.0,
        "channel_town_hall": 3.8,
    },
    "P2": {
        "innovativeness": 2.0,
        "barriers": 4.3,
        "gamification_appeal": 1.8,
        "need_email_overload": 4.6,
        "channel_email": 4.9,
        "channel_intranet": 4.6,
        "channel_manager": 4.4,
        "channel_mobile_push": 3.6,
        "social_media_use": 2.2,
    },
    "P3": {
        "need_knowledge_reuse": 4.6,
        "need_cross_team": 4.2,
        "channel_signage": 4.9,
        "channel_email": 4.5,
        "channel_video": 4.3,
        "channel_workshop": 3.9,
    },
}
NAMES = {
    "P1": ("Social Pioneers", "חלוצים חברתיים"),
    "P2": ("Careful Traditionalists", "שמרנים זהירים"),
    "P3": ("Knowledge Seekers", "צמאי ידע"),
}
# Work pattern of the i-th member of each persona, cycling.
PATTERNS = {
    "P1": ["office", "office", "hybrid", "office", "hybrid"],
    "P2": ["frontline", "frontline", "frontline", "office", "hybrid"],
    "P3": ["remote", "remote", "remote", "frontline", "hybrid"],
}
HYPERLINK = '=HYPERLINK("http://x","y")'
SPECIAL_NAMES = {"E0101": HYPERLINK, "E0102": "O'Brien", "E0103": "דנה", "E0104": "سارة"}


@dataclass
class World:
    construct_scores: pd.DataFrame
    persona_assignments: pd.DataFrame
    employees: pd.DataFrame
    contacts: pd.DataFrame
    opted_out_ids: list[str] = field(default_factory=list)
    not_active_ids: list[str] = field(default_factory=list)


def make_world(
    per_persona: int = 15, inferred_per_persona: int = 4, unassigned: int = 5, seed: int = 7
) -> World:
    """The organisation: respondents, inferred and unassigned people, two managers."""
    rng = np.random.default_rng(seed)
    people, scores, assignments = [], [], []
    counter = 100

    def add(
        persona: str | None, source: str | None, pattern: str, status: str = "active", **extra
    ) -> str:
        nonlocal counter
        counter += 1
        employee_id = f"E{counter:04d}"
        pid = f"pid{counter:04d}"
        people.append(
            {
                "employee_id": employee_id,
                "pid": pid,
                "email": f"{employee_id.lower()}@example.org",
                "first_name": SPECIAL_NAMES.get(employee_id, f"First{counter}"),
                "last_name": f"Last{counter}",
                "language": "he" if counter % 3 == 0 else "en",
                "org_unit": f"Unit-{counter % 4}",
                "employment_status": status,
                "is_people_manager": False,
                "manager_pid": None,
                "work_pattern": pattern,
                **extra,
            }
        )
        if persona is not None:
            name, name_he = NAMES.get(persona, ("Unassigned", "לא משויכים"))
            assignments.append(
                {
                    "pid": pid,
                    "persona_id": persona,
                    "persona_name": name,
                    "persona_name_he": name_he,
                    "assignment_source": source,
                    "confidence": 0.912345 if source == "survey" else 0.6666666,
                }
            )
        if source == "survey":
            profile = PROFILES[persona]
            scores.append(
                {
                    "pid": pid,
                    **{
                        c: float(np.clip(profile.get(c, 3.0) + rng.normal(0, 0.25), 1, 5))
                        for c in CONSTRUCTS
                    },
                }
            )
        return employee_id

    for persona in PROFILES:
        for i in range(per_persona):
            add(persona, "survey", PATTERNS[persona][i % 5])
        for i in range(inferred_per_persona):
            add(persona, "inferred", PATTERNS[persona][i % 5])
    for i in range(unassigned):
        add("unassigned", "inferred", ["office", "frontline", "remote"][i % 3])
    # A respondent on leave and a terminated employee: never targeted.
    not_active = [
        add("P1", "survey", "office", status="leave"),
        add(None, None, "office", status="terminated"),
    ]

    frame = pd.DataFrame(people)
    # Manager A (first P1 respondent) leads 8 active people; manager B leads 3.
    manager_a, manager_b = frame.loc[0, "pid"], frame.loc[1, "pid"]
    frame.loc[[0, 1], "is_people_manager"] = True
    frame.loc[2:9, "manager_pid"] = manager_a  # 8 P1 members
    frame.loc[15:17, "manager_pid"] = manager_b  # 3 people (P1 inferred)
    # Opt-outs: one by id, one by e-mail written in upper case with spaces.
    opted = [frame.loc[20, "employee_id"], frame.loc[40, "employee_id"]]

    employees = frame[
        ["pid", "work_pattern", "employment_status", "manager_pid", "is_people_manager", "language"]
    ].assign(
        birth_year=1985,
        hire_date=pd.Timestamp("2018-01-01"),
        department="Ops",
        org_unit=frame["org_unit"],
        site="Haifa",
        job_level="individual_contributor",
        gender="F",
        responded=frame["pid"].isin([s["pid"] for s in scores]),
    )
    contacts = frame[
        [
            "pid",
            "employee_id",
            "email",
            "first_name",
            "last_name",
            "language",
            "org_unit",
            "employment_status",
            "is_people_manager",
            "manager_pid",
        ]
    ].copy()
    return World(
        construct_scores=pd.DataFrame(scores),
        persona_assignments=pd.DataFrame(assignments),
        employees=employees,
        contacts=contacts,
        opted_out_ids=opted,
        not_active_ids=not_active,
    )


def campaign_params() -> dict:
    return load_parameters("campaign")["campaign"]


def questionnaire_params() -> dict:
    return load_parameters("questionnaire")["questionnaire"]


def naming_params() -> dict:
    return load_parameters("personas")["personas"]["naming"]


def anonymity_params() -> dict:
    with open(PROJECT_ROOT / "conf" / "base" / "parameters.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["anonymity"]


def opt_out_table(
    rows: list[list[str]], header: tuple[str, ...] = ("Employee ID", "E-mail")
) -> RawTable:
    """An opt-out file as the dataset reads it: all text, header in row 0."""
    cells = pd.DataFrame([list(header), *rows], dtype=object)
    return RawTable("data/01_raw/campaign/opt_out.csv", "csv", cells, np.arange(1, len(cells) + 1))


def world_opt_outs(world: World) -> RawTable:
    """Opt out the world's first person by id and the second by e-mail, upper-cased and padded."""
    email = world.contacts.set_index("employee_id").loc[world.opted_out_ids[1], "email"]
    return opt_out_table([[world.opted_out_ids[0], ""], ["", f"  {email.upper()} "]])


@dataclass
class Campaign:
    """Every output of the campaign nodes for one world."""

    world: World
    params: dict
    figures: dict
    playbook: dict
    opt_outs: pd.DataFrame
    opt_out_summary: dict
    audience: pd.DataFrame
    memberships: pd.DataFrame
    accounting: dict
    files: dict
    list_counts: dict
    champions: pd.DataFrame
    manager_briefs: pd.DataFrame
    summary: dict
    opt_out_rejects: pd.DataFrame | None = None


def run_campaign(
    world: World,
    params: dict | None = None,
    opt_out: RawTable | None = None,
    questionnaire: dict | None = None,
) -> Campaign:
    """Call the nodes in pipeline order on in-memory data."""
    params = params or campaign_params()
    questionnaire = questionnaire or questionnaire_params()
    naming, anonymity = naming_params(), anonymity_params()
    parts = nodes.check_playbook(
        questionnaire, params["playbook"], params["figures"], params["champions"]
    )
    figures = nodes.compute_persona_figures(
        world.construct_scores,
        world.persona_assignments,
        world.employees,
        params["figures"],
        naming,
        questionnaire,
        params["languages"],
    )
    playbook = nodes.build_playbook(
        figures,
        params["playbook"],
        params["labels"],
        params["figures"],
        naming,
        questionnaire,
        params["languages"],
    )
    entries, opt_out_file = nodes.parse_opt_out(
        opt_out if opt_out is not None else world_opt_outs(world), params["opt_out"]
    )
    opt_outs, opt_out_summary, opt_out_rejects = nodes.match_opt_outs(
        entries, opt_out_file, world.contacts, params["opt_out"]
    )
    audience, memberships, accounting = nodes.select_audience(
        world.persona_assignments,
        world.employees,
        world.contacts,
        opt_outs,
        playbook,
        params["playbook"]["channels"],
        params["targeting"],
        naming,
        params["languages"],
    )
    lazy_files, list_counts = nodes.export_targeting_lists(
        audience, memberships, playbook, params["targeting"]
    )
    files = {
        name: as_text(text()) for name, text in lazy_files.items()
    }  # as the dataset writes them
    champions = nodes.select_champions(
        world.construct_scores,
        world.persona_assignments,
        world.contacts,
        opt_outs,
        params["champions"],
        params["targeting"],
        questionnaire,
    )
    briefs = nodes.brief_managers(
        world.employees,
        world.contacts,
        world.persona_assignments,
        opt_outs,
        playbook,
        anonymity,
        params["managers"],
        params["targeting"],
        naming,
        params["languages"],
    )
    summary = nodes.summarise_campaign(
        accounting,
        opt_out_summary,
        list_counts,
        champions,
        briefs,
        parts,
        anonymity,
        params["targeting"],
    )
    return Campaign(
        world,
        params,
        figures,
        playbook,
        opt_outs,
        opt_out_summary,
        audience,
        memberships,
        accounting,
        files,
        list_counts,
        champions,
        briefs,
        summary,
        opt_out_rejects,
    )


def as_text(pieces: Any) -> str:
    """A list's text from what the node gives for it (a string, or strings and UTF-8 buffers)."""
    if isinstance(pieces, str):
        return pieces
    return "".join(
        p if isinstance(p, str) else bytes(memoryview(p)).decode("utf-8") for p in pieces
    )


def read_list(text: str, sep: str = ",", header: bool = True) -> pd.DataFrame:
    """A rendered list read back as its tool would: text cells, BOM stripped."""
    return pd.read_csv(
        io.StringIO(text.removeprefix("\ufeff")),
        sep=sep,
        dtype=str,
        keep_default_na=False,
        header=0 if header else None,
    )
