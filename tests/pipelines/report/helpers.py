"""A small organisation with every input of the report stage, in the other stages' formats.

The shapes follow the code of the stages that make them: employees
(ingestion.pseudonymise), construct and item scores, persona assignments,
profiles and summary (personas), the playbook (campaign.build_playbook) and
the ingestion summary (ingestion.summarise_ingestion). Departments include a
3-person ``Legal`` department that must never be shown.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from segmentation.pipelines.report.nodes import resolve_report_settings
from tests.conftest import PROJECT_ROOT, catalog_config_under, load_parameters

WAVE = "2030-01"
SMALL_DEPARTMENT = "Legal"
FORMULA_TEXT = '=HYPERLINK("http://evil.example","click")'

DEPARTMENTS = {
    "Operations": 150,
    "R&D": 110,
    "Sales": 80,
    "Finance": 40,
    "HR": 24,
    SMALL_DEPARTMENT: 3,
}
SITES = ["Tel Aviv", "Haifa", "Beersheba"]
PATTERNS = ["office", "hybrid", "remote", "frontline"]
NEEDS = [
    "need_expertise",
    "need_email_overload",
    "need_company_news",
    "need_recognition",
    "need_cross_team",
    "need_knowledge_reuse",
]
CHANNELS = [
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
CONSTRUCTS = [
    "social_media_use",
    "mobile_use",
    "innovativeness",
    "barriers",
    "gamification_appeal",
    *NEEDS,
    *CHANNELS,
]

# Persona profiles: mean score per construct (others 3.0).
PERSONAS = {
    "P1": {
        "name": ("Social Trailblazers", "פורצי דרך חברתיים"),
        "means": {
            "social_media_use": 4.4,
            "mobile_use": 4.2,
            "innovativeness": 4.2,
            "barriers": 1.8,
            "gamification_appeal": 4.2,
            "need_recognition": 4.1,
            "channel_chat": 4.4,
            "channel_video": 4.1,
        },
    },
    "P2": {
        "name": ("Desk Veterans", "ותיקים שולחניים"),
        "means": {
            "social_media_use": 1.8,
            "mobile_use": 2.0,
            "innovativeness": 2.0,
            "barriers": 4.0,
            "gamification_appeal": 1.9,
            "need_email_overload": 4.3,
            "channel_email": 4.3,
            "channel_manager": 4.0,
        },
    },
    "P3": {
        "name": ("Out-of-the-loop Pragmatists", "מעשיים מנותקים"),
        "means": {
            "mobile_use": 4.3,
            "need_company_news": 4.5,
            "channel_signage": 4.4,
            "channel_mobile_push": 4.2,
        },
    },
    "P4": {
        "name": ("Expert-seeking Explorers", "סקרנים מחפשי מומחים"),
        "means": {
            "innovativeness": 3.6,
            "need_expertise": 4.4,
            "need_knowledge_reuse": 4.0,
            "channel_peer_champion": 4.3,
        },
    },
}
OPEN_TEXTS = [
    "Less noise, better search",
    "Ask Dana Cohen, she knows: dana.cohen@corp.example or +972-54-123-4567",
    "Screens in the break room",
    "A place to ask questions across sites",
    "Keep it simple",
]


def report_params(**overrides: Any) -> dict:
    """The report's parameters as the pipeline resolves them for the standard questionnaire."""
    params = resolve_report_settings(
        load_parameters("report")["report"], load_parameters("questionnaire")["questionnaire"]
    )
    params = copy.deepcopy(params)
    params.update(overrides)
    return params


def anonymity_params() -> dict:
    with open(PROJECT_ROOT / "conf" / "base" / "parameters.yml", encoding="utf-8") as handle:
        return copy.deepcopy(yaml.safe_load(handle)["anonymity"])


@dataclass
class World:
    employees: pd.DataFrame
    construct_scores: pd.DataFrame
    item_scores: pd.DataFrame
    persona_assignments: pd.DataFrame
    persona_profiles: dict
    persona_summary: dict
    playbook: dict
    ingestion_summary: dict
    open_text: pd.DataFrame
    waves: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def inputs(self) -> dict[str, Any]:
        return {
            "employees": self.employees,
            "construct_scores": self.construct_scores,
            "item_scores": self.item_scores,
            "persona_assignments": self.persona_assignments,
            "persona_profiles": self.persona_profiles,
            "persona_summary": self.persona_summary,
            "playbook": self.playbook,
            "ingestion_summary": self.ingestion_summary,
            "open_text": self.open_text,
            **self.waves,
        }


def _recommendation(rule: str, en: str, he: str) -> dict:
    return {"rule": rule, "en": en, "he": he, "why": "always"}


def make_playbook(persona_ids: list[str]) -> dict:
    """Playbook entries in the campaign stage's shape (build_playbook)."""
    playbook = {}
    for i, pid in enumerate(persona_ids):
        need = NEEDS[i % len(NEEDS)]
        playbook[pid] = {
            "persona_id": pid,
            "name": {"en": PERSONAS[pid]["name"][0], "he": PERSONAS[pid]["name"][1]},
            "broad": False,
            "figures": {"size": 100},
            "value_propositions": [
                {
                    "rule": "value_propositions.strongest_needs",
                    "need": need,
                    "rank": 1,
                    "mean": 4.1,
                    "z": 0.8,
                    "en": {
                        "title": "Find who knows, in minutes",
                        "headline": "Ask once, and the right expert answers",
                        "proof_point": "Profiles list skills.",
                        "example_post": "Who has run a supplier audit in Germany?",
                    },
                    "he": {
                        "title": "למצוא מי יודע, תוך דקות",
                        "headline": "שואלים פעם אחת",
                        "proof_point": "בפרופילים מופיעים כישורים.",
                        "example_post": "מישהו כבר ערך ביקורת ספקים בגרמניה?",
                    },
                    "reason": {"en": "need is +0.80 sd", "he": "צורך +0.80"},
                    "why": "rank 1",
                }
            ],
            "channels": {
                "top": [
                    {
                        "rule": "channels.scoring",
                        "channel": "mobile_push",
                        "construct": "channel_mobile_push",
                        "label": {"en": "Mobile notifications", "he": "התראות בנייד"},
                        "score": 1.1,
                        "rank": 1,
                        "reason": {
                            "en": "Stated preference 4.29/5; reaches 97% of the persona (2% remote reached at 0%).",
                            "he": "העדפה מוצהרת 4.29/5.",
                        },
                        "why": "rank 1",
                    },
                    {
                        "rule": "channels.scoring",
                        "channel": "manager",
                        "construct": "channel_manager",
                        "label": {"en": "Their manager", "he": "המנהל/ת"},
                        "score": 1.0,
                        "rank": 2,
                        "reason": {"en": "Stated preference 4.0/5.", "he": "העדפה 4.0/5."},
                        "why": "rank 2",
                    },
                ],
                "ranking": [],
            },
            "four_ps": {
                "product": {
                    "message_angle": [
                        _recommendation(
                            "product.message_angle",
                            "Lead with 'Find who knows'.",
                            "לפתוח ב'למצוא מי יודע'.",
                        )
                    ],
                    "tone": [
                        _recommendation(
                            "product.tone.plain", "Friendly and concrete.", "ידידותי וקונקרטי."
                        )
                    ],
                },
                "price": {
                    "barriers": [
                        _recommendation(
                            "price.time", "Show a two-minute start.", "התחלה בשתי דקות."
                        )
                    ]
                },
                "place": {
                    "where_they_work": [
                        _recommendation(
                            "place.frontline",
                            "Meet them on the floor, since 92% have no computer.",
                            "לפגוש אותם בשטח.",
                        )
                    ]
                },
                "promotion": {
                    "tactics": [
                        _recommendation(
                            "promotion.management", "Leaders answer questions.", "מנהלים עונים."
                        )
                    ]
                },
            },
            "gamification": {
                "style": [
                    {
                        **_recommendation(
                            "gamification.light", "Optional badges.", "תגים אופציונליים."
                        ),
                        "mechanics": ["badges"],
                    }
                ]
            },
            "training": {
                "formats": [
                    _recommendation(
                        "training.short_videos", "Short video tutorials.", "מדריכי וידאו."
                    )
                ],
                "help_desk": [
                    _recommendation(
                        "training.help_desk.standard", "An FAQ is enough.", "שאלות נפוצות מספיקות."
                    )
                ],
            },
            "lists": [f"{pid}__mobile_push"],
        }
    playbook["unassigned"] = {
        "persona_id": "unassigned",
        "name": {"en": "Unassigned", "he": "לא משויכים"},
        "broad": True,
        "note": {"en": "Broad channels.", "he": "ערוצים רחבים."},
        "channels": {"top": [], "ranking": []},
        "lists": [],
    }
    return playbook


def make_world(seed: int = 7) -> World:
    rng = np.random.default_rng(seed)
    departments = np.concatenate([[d] * n for d, n in DEPARTMENTS.items()])
    n = len(departments)
    pids = np.array([f"pid{i:04d}" for i in range(n)])
    employees = pd.DataFrame(
        {
            "pid": pids,
            "birth_year": pd.array(rng.integers(1962, 2006, n), dtype="Int64"),
            "hire_date": pd.to_datetime("2015-01-01")
            + pd.to_timedelta(rng.integers(0, 5000, n), unit="D"),
            "department": departments,
            "org_unit": [f"{d[:3]}-{i % 3}" for i, d in enumerate(departments)],
            "site": rng.choice(SITES, n, p=[0.5, 0.3, 0.2]),
            "job_level": rng.choice(
                ["individual_contributor", "team_lead", "manager"], n, p=[0.8, 0.12, 0.08]
            ),
            "is_people_manager": rng.random(n) < 0.1,
            "manager_pid": None,
            "work_pattern": rng.choice(PATTERNS, n, p=[0.3, 0.3, 0.1, 0.3]),
            "employment_status": np.where(rng.random(n) < 0.96, "active", "leave"),
            "language": rng.choice(["en", "he"], n),
            "gender": rng.choice(["F", "M"], n),
        }
    )
    responded = (rng.random(n) < 0.68) & (employees["department"] != SMALL_DEPARTMENT).to_numpy()
    responded[np.where(employees["department"] == SMALL_DEPARTMENT)[0][:2]] = (
        True  # 2 of the 3 answer
    )
    employees["responded"] = responded
    persona_ids = list(PERSONAS)
    persona = rng.choice(persona_ids, n, p=[0.3, 0.3, 0.25, 0.15])
    resp_idx = np.where(responded)[0]
    scores = {"pid": pids[resp_idx]}
    for c in CONSTRUCTS:
        means = np.array([PERSONAS[p]["means"].get(c, 3.0) for p in persona[resp_idx]])
        values = np.clip(np.round((means + rng.normal(0, 0.7, len(resp_idx))) * 3) / 3, 1, 5)
        if c in NEEDS or c in CHANNELS or c == "gamification_appeal":
            values = np.clip(np.round(means + rng.normal(0, 0.9, len(resp_idx))), 1, 5)
        values[rng.random(len(resp_idx)) < 0.02] = np.nan
        scores[c] = values
    construct_scores = pd.DataFrame(scores)
    items = {"pid": pids[resp_idx]}
    for j, item in enumerate(["BR1", "BR2", "BR3"]):
        items[item] = np.clip(
            np.round(
                construct_scores["barriers"].fillna(3).to_numpy()
                + rng.normal(0, 0.8, len(resp_idx))
                + (j - 1) * 0.2
            ),
            1,
            5,
        )
    item_scores = pd.DataFrame(items)

    # Assignments: respondents from the survey; active non-respondents inferred or unassigned.
    names = {p: v["name"] for p, v in PERSONAS.items()}
    rows = []
    for i in range(n):
        if responded[i]:
            rows.append((pids[i], persona[i], "survey", 0.9))
        elif employees.at[i, "employment_status"] == "active":
            confident = rng.random() < 0.8
            rows.append(
                (
                    pids[i],
                    persona[i] if confident else "unassigned",
                    "inferred",
                    0.7 if confident else 0.4,
                )
            )
    persona_assignments = pd.DataFrame(
        rows, columns=["pid", "persona_id", "assignment_source", "confidence"]
    )
    persona_assignments["persona_name"] = persona_assignments["persona_id"].map(
        lambda p: names.get(p, ("Unassigned", ""))[0]
    )
    persona_assignments["persona_name_he"] = persona_assignments["persona_id"].map(
        lambda p: names.get(p, ("", "לא משויכים"))[1]
    )
    persona_assignments = persona_assignments[
        ["pid", "persona_id", "persona_name", "persona_name_he", "assignment_source", "confidence"]
    ]

    sizes = pd.Series(persona[resp_idx]).value_counts()
    persona_profiles = {}
    for p in persona_ids:
        persona_profiles[p] = {
            "name": names[p][0],
            "name_he": names[p][1],
            "persona_id": p,
            "size": int(sizes.get(p, 0)),
            "share": float(sizes.get(p, 0) / len(resp_idx)),
            "suppressed": False,
            "top_traits": [
                {
                    "construct": "social_media_use",
                    "direction": "high",
                    "d": 1.2,
                    "p_value": 1e-9,
                    "mean": 4.4,
                    "others_mean": 3.0,
                }
            ],
            "description": f"{names[p][0]} are {sizes.get(p, 0) / len(resp_idx):.0%} of respondents ({sizes.get(p, 0)} people).",
            "description_he": f"{names[p][1]} הם {sizes.get(p, 0) / len(resp_idx):.0%} מהמשיבים.",
        }
    persona_profiles["P4"]["description"] = FORMULA_TEXT
    k_table = [
        {
            "k": k,
            "reproducibility": r,
            "reproducibility_sd": 0.03,
            "min_persona_stability": s,
            "silhouette": 0.2,
            "smallest_persona_size": size,
            "smallest_persona_share": size / len(resp_idx),
            "reference_reproducibility": 0.14,
            "reference_silhouette": 0.06,
            "meets_reproducibility": r >= 0.8,
            "meets_stability": s >= 0.75,
            "meets_size": size >= 5,
            "eligible": r >= 0.8 and s >= 0.75 and size >= 5,
        }
        for k, r, s, size in [(3, 0.71, 0.82, 60), (4, 0.93, 0.95, 40), (5, 0.78, 0.40, 3)]
    ]
    persona_summary = {
        "basis": CONSTRUCTS[:11],
        "n_respondents": len(resp_idx),
        "k_table": k_table,
        "chosen_k": 4,
        "k_rule": "largest k whose reproducibility >= 0.8",
        "k_rule_outcome": "rule",
        "structure_free_reference": {
            "method": "shuffled",
            "k": 4,
            "reproducibility": 0.93,
            "reference_reproducibility": 0.14,
            "reproducibility_gain": 0.79,
            "silhouette": 0.21,
            "reference_silhouette": 0.06,
            "silhouette_gain": 0.15,
            "clearly_better_than_reference": True,
        },
        "alphas": {
            "social_media_use": 0.8,
            "mobile_use": 0.81,
            "innovativeness": 0.87,
            "barriers": 0.55,
        },
        "personas": [],
        "innovators_vs_conservatives": {},
        "typing_accuracy": 0.47,
        "typing_baseline": 0.3,
        "typing_calibration_error": 0.03,
        "warnings": [
            "construct barriers: Cronbach's alpha 0.55 is below 0.6; its score is unreliable",
            "persona P9 has 3 people, under the anonymity threshold; only its size is shown",
        ],
    }
    open_text = pd.DataFrame(
        {
            "pid": pids[resp_idx],
            "OPEN1": [
                OPEN_TEXTS[i % len(OPEN_TEXTS)] if i % 3 else "" for i in range(len(resp_idx))
            ],
        }
    )
    survey_rows = int(len(resp_idx) + 7)
    ingestion_summary = {
        "files": {
            "roster": {
                "file": "data/01_raw/hr/roster.xlsx",
                "rows_read": n + 2,
                "rows_used": n,
                "rows_rejected": 2,
                "rejected_by_reason": {"duplicate_employee_id": 1, "invalid_date": 1},
            },
            "survey": {
                "file": "data/01_raw/waves/2030-01/survey.csv",
                "rows_read": survey_rows,
                "rows_used": len(resp_idx),
                "rows_rejected": 7,
                "rejected_by_reason": {"incomplete": 4, "unknown_employee": 3},
                "shape": "qualtrics",
                "items_found": 32,
                "items_missing": [],
            },
        },
        "rejects_by_reason": {
            "duplicate_employee_id": 1,
            "incomplete": 4,
            "invalid_date": 1,
            "unknown_employee": 3,
        },
        "answers_set_missing": 2,
        "respondents": int(len(resp_idx)),
        "employees": n,
        "response_rate_active": 0.66,
    }
    return World(
        employees,
        construct_scores,
        item_scores,
        persona_assignments,
        persona_profiles,
        persona_summary,
        make_playbook(persona_ids),
        ingestion_summary,
        open_text,
        make_waves_inputs(employees, persona_assignments, rng),
    )


PREVIOUS_WAVE = "2029-07"


def _activity(
    employees: pd.DataFrame, wave_end: str, share: float, rng: np.random.Generator
) -> pd.DataFrame:
    """Visits and some posts and comments by a random ``share`` of the active employees."""
    active = employees.loc[employees["employment_status"] == "active", "pid"].to_numpy()
    users = rng.choice(active, int(share * len(active)), replace=False)
    end = pd.Timestamp(wave_end)
    rows = []
    for pid in users:
        rows.append((pid, end - pd.Timedelta(days=int(rng.integers(0, 40))), "visit"))
        if rng.random() < 0.6:
            rows.append(
                (
                    pid,
                    end - pd.Timedelta(days=int(rng.integers(0, 20))),
                    rng.choice(["post", "comment", "reaction"]),
                )
            )
    return pd.DataFrame(rows, columns=["pid", "timestamp", "action"]).astype(
        {"timestamp": "datetime64[ns]", "action": object}
    )


def make_waves_inputs(
    employees: pd.DataFrame, persona_assignments: pd.DataFrame, rng: np.random.Generator
) -> dict:
    """The waves stage's outputs the report reads, made by the waves stage's own functions from a
    synthetic activity log and a previous wave in which some respondents had another persona."""
    from segmentation.pipelines.personas.nodes import derive_hr_features
    from segmentation.pipelines.waves import gamification, nodes

    waves, personas = load_parameters("waves")["waves"], load_parameters("personas")["personas"]
    adoption, anonymity = waves["adoption"], anonymity_params()
    hr = derive_hr_features(employees, WAVE, None, personas["hr_features"])

    def measure(wave: str, wave_end: str, share: float):
        activity = _activity(employees, wave_end, share, rng)
        accounting = {
            "file": f"data/01_raw/waves/{wave}/activity.csv",
            "present": True,
            "rows_read": len(activity) + 2,
            "rows_used": len(activity),
            "rows_rejected": 2,
            "rejected_by_reason": {"unknown_employee": 2},
        }
        people = nodes.flag_adoption(
            activity,
            employees,
            hr,
            persona_assignments,
            wave,
            adoption,
            personas["hr_features"],
            personas["naming"],
        )
        return (
            activity,
            accounting,
            people,
            nodes.summarise_adoption(
                people, persona_assignments, accounting, wave, adoption, anonymity
            ),
        )

    *_, before = measure(PREVIOUS_WAVE, "2029-07-31", 0.3)
    activity, accounting, people, summary = measure(WAVE, "2030-01-31", 0.55)
    history = {PREVIOUS_WAVE: {"adoption": before, "badges": None}}
    previous = persona_assignments.copy()
    survey = previous.index[previous["assignment_source"] == "survey"]
    moved = rng.choice(survey, len(survey) // 8, replace=False)
    previous.loc[moved, "persona_id"] = rng.choice(list(PERSONAS), len(moved))
    previous["persona_name"] = previous["persona_id"].map(
        lambda p: PERSONAS.get(p, {"name": ("Unassigned", "")})["name"][0]
    )
    previous["persona_name_he"] = previous["persona_id"].map(
        lambda p: PERSONAS.get(p, {"name": ("", "לא משויכים")})["name"][1]
    )
    migration = nodes.migrate_personas(
        persona_assignments,
        {"wave": PREVIOUS_WAVE, "assignments": previous},
        waves["migration"],
        anonymity,
        {"comparable": True},
    )
    trend = nodes.track_adoption(summary, history, WAVE)
    badges = gamification.award_badges(
        people, activity, accounting, history, WAVE, waves["gamification"], adoption, anonymity
    )
    identities = {
        "previous_wave": PREVIOUS_WAVE,
        "previous_wave_source": "latest earlier wave with saved models",
        "refit": True,
        "model_from_wave": WAVE,
        "max_distance": 0.5,
        "personas": [
            {
                "persona_id": p,
                "name": v["name"][0],
                "name_he": v["name"][1],
                "status": "matched" if p != "P4" else "new",
                "distance": 0.1 if p != "P4" else None,
                "nearest_previous": "P5",
                "nearest_distance": 0.9,
            }
            for p, v in PERSONAS.items()
        ],
        "retired": [
            {
                "persona_id": "P5",
                "name": "Quiet Observers",
                "name_he": "צופים שקטים",
                "nearest_current": "P4",
                "nearest_distance": 0.9,
            }
        ],
    }
    return {
        "waves_summary": nodes.summarise_waves(identities, migration, summary, trend, badges),
        "adoption_summary": summary,
        "persona_migration": migration,
    }


def project_catalog_config(root: Path) -> dict:
    """conf/base/catalog_report.yml with the wave resolved and data/ under ``root``."""
    return catalog_config_under(root, WAVE, "catalog_report.yml")
