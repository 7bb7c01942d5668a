"""The planted personas of the sample organisation.

A persona is a latent profile: the mean, on the scored 1-5 scale (after
reverse-coding), of every construct of the codebook. A respondent's answers are
the persona means plus a stable personal offset per construct plus answer noise.

Persona membership depends on HR fields (age, work pattern, department, job
level, tenure) through a multinomial logit with sampling noise, so a model on
HR fields alone predicts it clearly better than chance but far from perfectly.
Between waves a minority of people move to another persona, in a structured way
(careful desk veterans most often become overloaded connectors once the new
network reaches them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Persona:
    persona_id: str
    name: str
    description: str
    profile: dict[str, float]
    preferred_channels: tuple[str, ...] = field(default=())


# Constructs a persona does not name sit at this neutral level.
NEUTRAL = 3.0

PERSONAS: tuple[Persona, ...] = (
    Persona(
        "mobile_first_trailblazers",
        "Mobile-first trailblazers",
        "Young, mobile and social; first to try anything new; want push, chat, video and peers.",
        {
            "social_media_use": 4.4,
            "mobile_use": 4.4,
            "innovativeness": 4.4,
            "barriers": 1.8,
            "gamification_appeal": 4.3,
            "need_expertise": 3.3,
            "need_email_overload": 3.0,
            "need_company_news": 2.7,
            "need_recognition": 3.5,
            "need_cross_team": 3.0,
            "need_knowledge_reuse": 3.3,
            "channel_email": 1.8,
            "channel_intranet": 2.2,
            "channel_mobile_push": 4.4,
            "channel_chat": 4.3,
            "channel_signage": 2.4,
            "channel_manager": 2.3,
            "channel_town_hall": 2.5,
            "channel_workshop": 2.1,
            "channel_video": 4.4,
            "channel_peer_champion": 4.1,
        },
        ("channel_mobile_push", "channel_chat", "channel_video", "channel_peer_champion"),
    ),
    Persona(
        "careful_desk_veterans",
        "Careful desk veterans",
        "Long-tenured desk workers; little social or mobile use; sceptical of new systems; "
        "want e-mail, their manager and a proper workshop.",
        {
            "social_media_use": 1.8,
            "mobile_use": 1.9,
            "innovativeness": 1.8,
            "barriers": 4.2,
            "gamification_appeal": 1.7,
            "need_expertise": 2.8,
            "need_email_overload": 3.1,
            "need_company_news": 2.8,
            "need_recognition": 2.5,
            "need_cross_team": 2.7,
            "need_knowledge_reuse": 2.6,
            "channel_email": 4.4,
            "channel_intranet": 3.4,
            "channel_mobile_push": 1.5,
            "channel_chat": 2.0,
            "channel_signage": 2.4,
            "channel_manager": 4.3,
            "channel_town_hall": 3.3,
            "channel_workshop": 4.3,
            "channel_video": 1.9,
            "channel_peer_champion": 2.8,
        },
        ("channel_email", "channel_manager", "channel_workshop"),
    ),
    Persona(
        "overloaded_connectors",
        "Overloaded connectors",
        "Managers and senior specialists drowning in e-mail, hunting for expertise across "
        "teams; want chat and the intranet.",
        {
            "social_media_use": 3.1,
            "mobile_use": 3.2,
            "innovativeness": 3.3,
            "barriers": 3.3,
            "gamification_appeal": 2.5,
            "need_expertise": 4.5,
            "need_email_overload": 4.6,
            "need_company_news": 3.0,
            "need_recognition": 3.1,
            "need_cross_team": 4.5,
            "need_knowledge_reuse": 4.2,
            "channel_email": 2.0,
            "channel_intranet": 4.2,
            "channel_mobile_push": 2.6,
            "channel_chat": 4.5,
            "channel_signage": 1.8,
            "channel_manager": 2.8,
            "channel_town_hall": 2.4,
            "channel_workshop": 2.7,
            "channel_video": 2.8,
            "channel_peer_champion": 3.2,
        },
        ("channel_chat", "channel_intranet"),
    ),
    Persona(
        "frontline_mobile",
        "Frontline mobile",
        "No desk and no company computer; the phone is their only screen; they miss "
        "company news; want push notifications, screens at work and their manager.",
        {
            "social_media_use": 3.4,
            "mobile_use": 4.5,
            "innovativeness": 2.9,
            "barriers": 3.0,
            "gamification_appeal": 3.6,
            "need_expertise": 2.4,
            "need_email_overload": 1.6,
            "need_company_news": 4.5,
            "need_recognition": 4.1,
            "need_cross_team": 2.6,
            "need_knowledge_reuse": 2.4,
            "channel_email": 1.5,
            "channel_intranet": 1.5,
            "channel_mobile_push": 4.4,
            "channel_chat": 2.2,
            "channel_signage": 4.4,
            "channel_manager": 4.3,
            "channel_town_hall": 3.4,
            "channel_workshop": 2.4,
            "channel_video": 3.5,
            "channel_peer_champion": 3.3,
        },
        ("channel_mobile_push", "channel_signage", "channel_manager"),
    ),
    Persona(
        "recognition_seekers",
        "Recognition seekers",
        "Mid-career individual contributors whose work is not seen beyond their team; "
        "like badges and competitions; want company events and peer champions.",
        {
            "social_media_use": 3.8,
            "mobile_use": 3.3,
            "innovativeness": 3.4,
            "barriers": 2.5,
            "gamification_appeal": 4.5,
            "need_expertise": 3.0,
            "need_email_overload": 2.8,
            "need_company_news": 3.4,
            "need_recognition": 4.6,
            "need_cross_team": 3.1,
            "need_knowledge_reuse": 3.0,
            "channel_email": 3.0,
            "channel_intranet": 3.1,
            "channel_mobile_push": 3.0,
            "channel_chat": 3.0,
            "channel_signage": 3.2,
            "channel_manager": 3.3,
            "channel_town_hall": 4.4,
            "channel_workshop": 3.0,
            "channel_video": 3.4,
            "channel_peer_champion": 4.2,
        },
        ("channel_town_hall", "channel_peer_champion"),
    ),
)

PERSONA_IDS: tuple[str, ...] = tuple(p.persona_id for p in PERSONAS)
PERSONA_BY_ID: dict[str, Persona] = {p.persona_id: p for p in PERSONAS}
UNKNOWN_PERSONA = "unknown"

# How likely a panel member is to change persona between consecutive waves,
# by the persona they come from, and where they go when they do (rows follow
# PERSONA_IDS, columns too; the diagonal is unused).
DRIFT_PROBABILITY = np.array([0.09, 0.20, 0.10, 0.08, 0.11])
DRIFT_DESTINATION = np.array(
    [
        # trail  careful overl  front  recog
        [0.00, 0.10, 0.45, 0.05, 0.40],  # from trailblazers
        [0.10, 0.00, 0.62, 0.08, 0.20],  # from careful desk veterans
        [0.40, 0.25, 0.00, 0.05, 0.30],  # from overloaded connectors
        [0.50, 0.05, 0.10, 0.00, 0.35],  # from frontline mobile
        [0.50, 0.10, 0.30, 0.10, 0.00],  # from recognition seekers
    ]
)

_DEPARTMENT_EFFECTS = {
    # department: logit shifts per persona, in PERSONA_IDS order
    "Operations": [-0.3, 0.2, -0.3, 0.5, -0.1],
    "Customer Service": [-0.1, 0.0, -0.4, 0.4, 0.4],
    "Sales": [0.5, -0.2, 0.2, -0.6, 0.4],
    "R&D": [0.7, -0.3, 0.4, -1.0, 0.0],
    "Finance": [-0.4, 0.8, 0.3, -1.0, -0.2],
    "HR": [0.0, 0.5, 0.2, -0.8, 0.3],
}
_PATTERN_EFFECTS = {
    "office": [-0.4, 0.9, 0.2, -1.3, 0.0],
    "hybrid": [0.4, 0.0, 0.5, -1.3, 0.2],
    "remote": [0.8, -0.3, 0.5, -1.5, 0.0],
    "frontline": [-0.4, -0.5, -1.1, 1.9, 0.1],
}
_LEVEL_EFFECTS = {
    "individual_contributor": [0.0, 0.0, -0.4, 0.2, 0.3],
    "team_lead": [0.1, -0.1, 0.5, 0.0, 0.0],
    "manager": [-0.1, 0.1, 1.2, -0.4, -0.4],
    "director": [-0.2, 0.3, 1.6, -1.5, -0.8],
    "executive": [-0.2, 0.4, 1.6, -2.0, -1.0],
}
_INTERCEPT = np.array([-0.55, 0.35, -0.25, -0.35, -0.5])


def persona_logits(
    age: np.ndarray,
    tenure: np.ndarray,
    department: np.ndarray,
    work_pattern: np.ndarray,
    job_level: np.ndarray,
) -> np.ndarray:
    """Logits (n x personas) of persona membership from HR fields."""
    n = len(age)
    logits = np.tile(_INTERCEPT, (n, 1)).astype(float)
    young = np.clip((38.0 - age) / 10.0, -1.5, 1.8)  # + young, - old
    old = np.clip((age - 45.0) / 8.0, -1.2, 2.5)
    logits[:, 0] += 1.1 * young
    logits[:, 1] += 0.9 * old + 0.35 * np.clip((tenure - 10.0) / 6.0, -1.0, 2.0)
    logits[:, 3] += 0.2 * young
    logits[:, 4] += 0.4 * np.clip(1.0 - np.abs(age - 37.0) / 10.0, -1.0, 1.0)
    for table, column in (
        (_DEPARTMENT_EFFECTS, department),
        (_PATTERN_EFFECTS, work_pattern),
        (_LEVEL_EFFECTS, job_level),
    ):
        keys = np.array(list(table))
        effects = np.array([table[k] for k in keys])
        codes = _codes(column, keys)
        known = codes >= 0
        logits[known] += effects[codes[known]]
    return logits


def sample_personas(logits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Persona index per row, drawn from the softmax of ``logits`` (Gumbel trick)."""
    gumbel = rng.gumbel(size=logits.shape)
    return np.argmax(logits + gumbel, axis=1)


def drift_personas(persona: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The next wave's persona index: most stay, some move as DRIFT_DESTINATION says."""
    moves = rng.random(len(persona)) < DRIFT_PROBABILITY[persona]
    cumulative = np.cumsum(DRIFT_DESTINATION, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(persona))
    destination = (u[:, None] > cumulative[persona]).sum(axis=1)
    return np.where(moves, destination, persona)


def _codes(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Position of each value in ``keys``, -1 when absent (hash-based, vectorised)."""
    return pd.Index(list(keys), dtype=object).get_indexer(np.asarray(values, dtype=object))


def profile_matrix(constructs: list[str], rng: np.random.Generator) -> np.ndarray:
    """Persona x construct means; constructs no persona names get a random but fixed level."""
    matrix = np.full((len(PERSONAS), len(constructs)), NEUTRAL)
    for j, construct in enumerate(constructs):
        extra = rng.uniform(2.0, 4.0, size=len(PERSONAS))
        for i, persona in enumerate(PERSONAS):
            matrix[i, j] = persona.profile.get(construct, extra[i])
    return matrix
