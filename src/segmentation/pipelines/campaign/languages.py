"""The languages of people and persona names (``campaign.languages``, from ``globals.yml``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def language_of(value: Any, available: Any, languages: Sequence[str]) -> str:
    """The person's language when it is one of ``available``, else the first of ``languages``."""
    return value if isinstance(value, str) and value in available else languages[0]


def assigned_name(assignments: Any, language: str) -> Any:
    """The assignments' persona names in ``language``: ``persona_name_<language>`` where
    the personas stage wrote one, else ``persona_name`` (a row or a table)."""
    return assignments.get(f"persona_name_{language}", assignments["persona_name"])
