"""The questionnaire (codebook) as an object: items, scales, constructs, labels.

The codebook lives in ``conf/base/parameters_questionnaire.yml`` under the key
``questionnaire`` so that a user adds, renames or translates an item without
touching code. Every stage that speaks of items or constructs goes through
:class:`Codebook`, so the rules (which items are reverse-coded, which labels
mean "missing") are written once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

TEXT_SCALE = "text"
SCALE_MAX = 5

_QUOTES = "\"'`\u201c\u201d\u2018\u2019\u05f3\u05f4\u00ab\u00bb"
_TRAILING_PUNCT = ".?!:;,\u061f\u3002 "


def normalise_text(value: Any) -> str:
    """Fold a header or label to a comparable key.

    Tolerates what exports and spreadsheets do to text: Unicode variants,
    non-breaking and repeated spaces, surrounding quotes, trailing
    punctuation and letter case.
    """
    text = unicodedata.normalize("NFKC", str(value))
    text = re.sub(r"\s+", " ", text.replace("\u200f", "").replace("\u200e", ""))
    text = text.strip().strip(_QUOTES).strip()
    text = text.rstrip(_TRAILING_PUNCT).strip(_QUOTES).strip()
    return text.casefold()


@dataclass(frozen=True)
class Item:
    """One questionnaire item."""

    item_id: str
    scale: str
    texts: Mapping[str, str]
    reverse: bool = False

    @property
    def is_scored(self) -> bool:
        return self.scale != TEXT_SCALE


@dataclass(frozen=True)
class Codebook:
    """The parsed ``questionnaire`` parameters."""

    items: Mapping[str, Item]
    scales: Mapping[str, Mapping[str, list[str]]]
    missing_labels: Mapping[str, list[str]]
    constructs: Mapping[str, list[str]]
    languages: tuple[str, ...] = field(default=("en", "he"))

    @classmethod
    def from_params(cls, questionnaire: Mapping[str, Any]) -> Codebook:
        """Build from the ``questionnaire`` parameters, checking they are coherent."""
        scales = {name: dict(labels) for name, labels in questionnaire["scales"].items()}
        items = {}
        languages: set[str] = set()
        for item_id, spec in questionnaire["items"].items():
            scale = spec["scale"]
            if scale != TEXT_SCALE and scale not in scales:
                raise ValueError(f"questionnaire item {item_id} uses unknown scale '{scale}'")
            texts = {k: v for k, v in spec.items() if k not in {"scale", "reverse"}}
            languages.update(texts)
            items[str(item_id)] = Item(str(item_id), scale, texts, bool(spec.get("reverse", False)))
        constructs = {name: [str(i) for i in ids] for name, ids in questionnaire["constructs"].items()}
        for name, ids in constructs.items():
            unknown = [i for i in ids if i not in items]
            if unknown:
                raise ValueError(f"construct {name} names unknown items {unknown}")
        for labels in scales.values():
            languages.update(labels)
        return cls(
            items=items,
            scales=scales,
            missing_labels={k: list(v) for k, v in questionnaire.get("missing_labels", {}).items()},
            constructs=constructs,
            languages=tuple(sorted(languages)),
        )

    @cached_property
    def scored_items(self) -> list[str]:
        """Item ids answered on a 1-5 scale, in codebook order."""
        return [i for i, item in self.items.items() if item.is_scored]

    @cached_property
    def text_items(self) -> list[str]:
        return [i for i, item in self.items.items() if not item.is_scored]

    @cached_property
    def reverse_items(self) -> list[str]:
        return [i for i, item in self.items.items() if item.reverse]

    @cached_property
    def header_lookup(self) -> dict[str, str]:
        """Normalised header (item id, or item text in any language) -> item id."""
        lookup: dict[str, str] = {}
        for item_id, item in self.items.items():
            lookup[normalise_text(item_id)] = item_id
            for text in item.texts.values():
                lookup[normalise_text(text)] = item_id
        return lookup

    def answer_lookup(self, scale: str) -> dict[str, float]:
        """Normalised answer -> value 1-5, or NaN for a missing label."""
        lookup: dict[str, float] = {}
        for labels in self.missing_labels.values():
            for label in labels:
                lookup[normalise_text(label)] = float("nan")
        for labels in self.scales[scale].values():
            for value, label in enumerate(labels, start=1):
                lookup[normalise_text(label)] = float(value)
        for value in range(1, SCALE_MAX + 1):
            lookup[str(value)] = float(value)
            lookup[f"{value}.0"] = float(value)
        return lookup

    def label(self, scale: str, value: int, language: str = "en") -> str:
        """The label a respondent sees for ``value`` (1-5) in ``language``."""
        return self.scales[scale][language][value - 1]

    def item_text(self, item_id: str, language: str = "en") -> str:
        return self.items[item_id].texts[language]
