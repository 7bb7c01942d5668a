"""Persona ids: how they are made and the one order every stage lists them in."""

from __future__ import annotations


def persona_ids(k: int) -> list[str]:
    """Canonical persona ids; P1 is the largest persona."""
    return [f"P{i + 1}" for i in range(k)]


def persona_sort_key(persona_id: str) -> tuple:
    """P1, P2, ... P10 in numeric order; other ids after, alphabetically."""
    text = str(persona_id)
    digits = text[1:] if text[:1].isalpha() else text
    return (0, int(digits), text) if digits.isdigit() else (1, 0, text)
