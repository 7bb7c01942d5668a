"""The questionnaire (codebook) as an object: items, scales, constructs, labels.

The codebook lives in ``conf/base/parameters_questionnaire.yml`` under the key
``questionnaire`` so that a user adds, renames or translates an item without
touching code. Every stage that speaks of items or constructs goes through
:class:`Codebook`, so the rules (which items are reverse-coded, which labels
mean "missing") are written once.

Scales are any length (2 to 11 points) and any range (1-5, 1-7, 0-10): a
:class:`Scale` knows its bounds, its labels in every language, how to
reverse an answer (``min + max - x``), which answers *agree*, which scores are
*low* or *high*, and how to put a score on the common 0-100 scale. Other
stages ask the scale (through :class:`Codebook`) rather than writing a 1-5
number of their own.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from segmentation.errors import InputFileError

logger = logging.getLogger(__name__)

TEXT_SCALE = "text"
MIN_POINTS, MAX_POINTS = 2, 11
COMMON_BOUNDS = (0.0, 100.0)
# Score levels as shares of a scale's range: on 1-5 these are 2.5 and 3.5.
DEFAULT_LOW_BELOW_SHARE = 0.375
DEFAULT_HIGH_FROM_SHARE = 0.625
_SCALE_FIELDS = {"labels", "min", "max", "agree", "levels"}
_ITEM_FIELDS = {"scale", "reverse"}
QUESTIONNAIRE_SOURCE = "the questionnaire (parameters_questionnaire.yml)"

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


class QuestionnaireError(InputFileError):
    """The ``questionnaire`` parameters are not coherent: stops the run with one line (exit 2)."""

    def __init__(self, problem: str, expected: str = "") -> None:
        super().__init__(QUESTIONNAIRE_SOURCE, problem, expected)


def _fraction_of_range(value: Any, what: str, scale: str) -> float:
    share = float(value)
    if not 0.0 <= share <= 1.0:
        raise QuestionnaireError(
            f"scale {scale}: {what} is {value}, not a share of the range between 0 and 1."
        )
    return share


@dataclass(frozen=True)
class Scale:
    """An answer scale: its values ``min``..``max``, their labels, and what its answers mean.

    ``labels`` maps a language to one label per point, lowest value first; a
    numeric scale (answers written as digits, e.g. 0-10) has none.
    ``agree_from`` is the lowest answer that counts as agreeing (or
    preferring, or "often"): the top box(es) of the scale. ``low_below`` and
    ``high_from`` cut a *score* (a mean of answers) into low / medium / high.
    """

    name: str
    min: int
    max: int
    labels: Mapping[str, tuple[str, ...]]
    agree_from: int
    low_below: float
    high_from: float

    @classmethod
    def from_params(cls, name: str, spec: Mapping[str, Any]) -> Scale:
        """Build one scale from its parameters, checking the points and thresholds.

        Accepts ``{labels: {lang: [...]}, min, max, agree, levels}`` and the
        short form ``{lang: [...], ...}`` (labels only, values from 1).
        ``agree`` is ``{top_box: N}`` (the N highest answers) or ``{share: s}``
        (answers from that share of the range on); by default every answer
        above the midpoint agrees (4-5 on 1-5, 5-7 on 1-7, 6-10 on 0-10).
        ``levels`` gives ``low_below`` and ``high_from`` as shares of the
        range (default 0.375 and 0.625: 2.5 and 3.5 on 1-5).
        """
        if not isinstance(spec, Mapping):
            raise QuestionnaireError(f"scale {name} is not a mapping of its labels and range.")
        if "labels" in spec:
            raw_labels = spec["labels"] or {}
        else:
            raw_labels = {k: v for k, v in spec.items() if k not in _SCALE_FIELDS}
        labels = {str(lang): tuple(str(v) for v in values) for lang, values in raw_labels.items()}
        lengths = {len(v) for v in labels.values()}
        if len(lengths) > 1:
            raise QuestionnaireError(
                f"scale {name} has a different number of labels per language ({', '.join(f'{k}: {len(v)}' for k, v in labels.items())}).",
                "one label per point of the scale in every language, lowest first.",
            )
        low = int(spec.get("min", 1))
        if "max" in spec:
            high = int(spec["max"])
        elif lengths:
            high = low + lengths.pop() - 1
        else:
            raise QuestionnaireError(
                f"scale {name} has neither labels nor a max.",
                "labels (one per point) or min and max (e.g. min: 1, max: 7).",
            )
        points = high - low + 1
        if not MIN_POINTS <= points <= MAX_POINTS:
            raise QuestionnaireError(
                f"scale {name} runs from {low} to {high} ({points} points).",
                f"{MIN_POINTS} to {MAX_POINTS} points.",
            )
        for lang, values in labels.items():
            if len(values) != points:
                raise QuestionnaireError(
                    f"scale {name} has {len(values)} labels in {lang} for {points} points ({low}-{high}).",
                    "one label per point, lowest first.",
                )
        agree = spec.get("agree") or {}
        if "top_box" in agree:
            boxes = int(agree["top_box"])
            if not 1 <= boxes < points:
                raise QuestionnaireError(
                    f"scale {name}: agree.top_box is {boxes} on a {points}-point scale.",
                    f"1 to {points - 1}.",
                )
            agree_from = high - boxes + 1
        elif "share" in agree:
            share = _fraction_of_range(agree["share"], "agree.share", name)
            agree_from = low + math.ceil(round(share * (high - low), 9))
            agree_from = min(max(agree_from, low + 1), high)
        elif agree:
            raise QuestionnaireError(
                f"scale {name}: agree must be {{top_box: N}} or {{share: s}}, not {dict(agree)}."
            )
        else:
            agree_from = math.floor((low + high) / 2) + 1
        levels = spec.get("levels") or {}
        low_share = _fraction_of_range(
            levels.get("low_below", DEFAULT_LOW_BELOW_SHARE), "levels.low_below", name
        )
        high_share = _fraction_of_range(
            levels.get("high_from", DEFAULT_HIGH_FROM_SHARE), "levels.high_from", name
        )
        if low_share > high_share:
            raise QuestionnaireError(
                f"scale {name}: levels.low_below ({low_share}) is above levels.high_from ({high_share})."
            )
        span = high - low
        return cls(
            name, low, high, labels, agree_from, low + low_share * span, low + high_share * span
        )

    @property
    def points(self) -> int:
        """How many answers the scale offers (5 on 1-5, 11 on 0-10)."""
        return self.max - self.min + 1

    @property
    def bounds(self) -> tuple[int, int]:
        """``(min, max)``: the axis of a chart of answers or scores on this scale."""
        return self.min, self.max

    @property
    def midpoint(self) -> float:
        """The neutral middle of the range (3 on 1-5, 4 on 1-7, 5 on 0-10)."""
        return (self.min + self.max) / 2

    @property
    def values(self) -> list[int]:
        return list(range(self.min, self.max + 1))

    def reverse(self, values: Any) -> Any:
        """Reverse-score answers: ``min + max - x`` (6 - x on 1-5, 8 - x on 1-7, 10 - x on 0-10)."""
        return self.min + self.max - values

    def agrees(self, values: Any) -> Any:
        """True where an answer is in the scale's agreeing top box(es); missing stays missing (<NA>).

        A nullable boolean Series: ``.mean()`` is the share agreeing among those who answered.
        """
        series = (
            values.astype(float)
            if isinstance(values, pd.Series)
            else pd.Series(np.asarray(values, dtype=float))
        )
        return (series >= self.agree_from).astype("boolean").mask(series.isna())

    @property
    def disagree_to(self) -> int:
        """The highest answer that counts as disagreeing: the mirror of ``agree_from``."""
        return self.min + self.max - self.agree_from

    def level(self, scores: pd.Series) -> pd.Series:
        """``low`` / ``medium`` / ``high`` of scores on this scale; a missing score stays missing."""
        out = np.select(
            [scores < self.low_below, scores >= self.high_from], ["low", "high"], default="medium"
        ).astype(object)
        return pd.Series(out, index=scores.index).where(scores.notna(), None)

    def to_common(self, scores: Any) -> Any:
        """Scores on the common 0-100 scale: ``100 * (x - min) / (max - min)``."""
        return (scores - self.min) * (COMMON_BOUNDS[1] / (self.max - self.min))

    def from_common(self, scores: Any) -> Any:
        """The inverse of :meth:`to_common`."""
        return scores * ((self.max - self.min) / COMMON_BOUNDS[1]) + self.min

    def answer_lookup(self, missing_labels: Iterable[str] = ()) -> dict[str, float]:
        """Normalised answer (a label in any language, or a number in range) -> value; NaN for a missing label.

        A blank cell is always missing (unanswered), whether or not the
        questionnaire lists ``""`` among its missing labels.
        """
        lookup: dict[str, float] = {
            normalise_text(label): float("nan") for label in ["", *missing_labels]
        }
        for labels in self.labels.values():
            for value, label in zip(self.values, labels, strict=True):
                lookup[normalise_text(label)] = float(value)
        for value in self.values:
            lookup[str(value)] = float(value)
            lookup[f"{value}.0"] = float(value)
        return lookup

    def label(self, value: int, language: str) -> str:
        """The label a respondent saw for ``value``; the number itself on a numeric scale.

        A language the scale lacks falls back to the first one it has
        (one warning per language).
        """
        if not self.labels:
            return str(value)
        language = fall_back_language(
            language, [lang for lang in self.labels], f"scale {self.name}"
        )
        return self.labels[language][int(value) - self.min]


_WARNED_FALLBACKS: set[tuple[str, str]] = set()


def fall_back_language(language: str, available: Sequence[str], what: str) -> str:
    """``language`` when available, else the first available one, warning once per language pair.

    The one rule for every text that may lack the language asked for (item
    texts, scale labels, the report's own words): never a KeyError.
    """
    if language in available:
        return language
    if not available:
        raise QuestionnaireError(f"{what} has no text in any language.")
    chosen = available[0]
    if (language, chosen) not in _WARNED_FALLBACKS:
        _WARNED_FALLBACKS.add((language, chosen))
        logger.warning(
            "No '%s' text for %s (and maybe others); using '%s' instead.", language, what, chosen
        )
    return chosen


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


def _parse_items(raw: Mapping[str, Any], scales: Mapping[str, Scale]) -> dict[str, Item]:
    items = {}
    for item_id, spec in raw.items():
        if not isinstance(spec, Mapping) or "scale" not in spec:
            raise QuestionnaireError(
                f"item {item_id} has no scale.", f"scale: one of {sorted(scales)} or {TEXT_SCALE}."
            )
        scale = str(spec["scale"])
        if scale != TEXT_SCALE and scale not in scales:
            raise QuestionnaireError(
                f"item {item_id} uses unknown scale '{scale}'.",
                f"one of {sorted(scales)} or {TEXT_SCALE}.",
            )
        texts = {str(k): str(v) for k, v in spec.items() if k not in _ITEM_FIELDS}
        items[str(item_id)] = Item(str(item_id), scale, texts, bool(spec.get("reverse", False)))
    return items


@dataclass(frozen=True)
class Codebook:
    """The parsed ``questionnaire`` parameters."""

    items: Mapping[str, Item]
    scales: Mapping[str, Scale]
    missing_labels: Mapping[str, list[str]]
    constructs: Mapping[str, list[str]]
    # the questionnaire's own languages, in first use; from_params always fills it
    languages: tuple[str, ...] = ()

    @classmethod
    def from_params(cls, questionnaire: Mapping[str, Any]) -> Codebook:
        """Build from the ``questionnaire`` parameters, checking they are coherent.

        Languages are kept in the order the questionnaire first uses them
        (the first is the fallback for a text missing in another language).
        A construct's items must share one range: a mean of a 1-5 and a 1-7
        answer means nothing.
        """
        scales = {
            str(name): Scale.from_params(str(name), spec)
            for name, spec in (questionnaire.get("scales") or {}).items()
        }
        items = _parse_items(questionnaire.get("items") or {}, scales)
        constructs = {
            str(name): [str(i) for i in ids]
            for name, ids in (questionnaire.get("constructs") or {}).items()
        }
        for name, ids in constructs.items():
            unknown = [i for i in ids if i not in items]
            if unknown:
                raise QuestionnaireError(
                    f"construct {name} names unknown items {unknown}.",
                    "item ids listed under questionnaire.items.",
                )
            ranges = {scales[items[i].scale].bounds for i in ids if items[i].is_scored}
            if len(ranges) > 1:
                raise QuestionnaireError(
                    f"construct {name} mixes items on different ranges ({', '.join(f'{a}-{b}' for a, b in sorted(ranges))}).",
                    "all items of a construct on one range; split the construct or use one scale.",
                )
        languages: dict[str, None] = {}
        for item in items.values():
            languages.update(dict.fromkeys(item.texts))
        for scale in scales.values():
            languages.update(dict.fromkeys(scale.labels))
        return cls(
            items=items,
            scales=scales,
            missing_labels={
                k: list(v) for k, v in (questionnaire.get("missing_labels") or {}).items()
            },
            constructs=constructs,
            languages=tuple(languages),
        )

    @cached_property
    def scored_items(self) -> list[str]:
        """Item ids answered on a scale (not free text), in codebook order."""
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

    def item_scale(self, item_id: str) -> Scale:
        """The scale an item is answered on."""
        return self.scales[self.items[item_id].scale]

    def construct_scale(self, construct: str) -> Scale:
        """The scale a construct's score is on: that of its (first scored) item.

        All items of a construct share one range (checked on loading), so the
        score's bounds, levels and 0-100 conversion are the item scale's.
        """
        scored = [i for i in self.constructs[construct] if self.items[i].is_scored]
        if not scored:
            raise QuestionnaireError(f"construct {construct} has no scored item.")
        return self.item_scale(scored[0])

    def shared_bounds(self, constructs: Iterable[str]) -> tuple[int, int] | None:
        """The one range of these constructs' scores, or None when they are on different ranges."""
        bounds = {self.construct_scale(c).bounds for c in constructs}
        return bounds.pop() if len(bounds) == 1 else None

    def comparable_scores(
        self, scores: pd.DataFrame, constructs: Sequence[str]
    ) -> tuple[pd.DataFrame, tuple[float, float]]:
        """Construct scores ready to be drawn or compared side by side, and the axis to draw them on.

        Constructs on one range keep their values and that range (1-5 for the
        standard questionnaire); constructs on different ranges meet on the
        common 0-100 scale.
        """
        bounds = self.shared_bounds(constructs)
        if bounds is not None:
            return scores[list(constructs)].astype(float), (float(bounds[0]), float(bounds[1]))
        common = pd.DataFrame(
            {c: self.construct_scale(c).to_common(scores[c].astype(float)) for c in constructs},
            index=scores.index,
        )
        return common, COMMON_BOUNDS

    def to_common(self, construct: str, scores: Any) -> Any:
        """A construct's scores on the common 0-100 scale."""
        return self.construct_scale(construct).to_common(scores)

    def agrees(self, item_or_construct: str, values: Any) -> Any:
        """True where answers (of an item) or scores (of a single-item construct) are in the agreeing top box(es)."""
        return self._scale_of(item_or_construct).agrees(values)

    def level(self, construct: str, scores: pd.Series) -> pd.Series:
        """``low`` / ``medium`` / ``high`` of a construct's scores, by its scale's levels."""
        return self.construct_scale(construct).level(scores)

    def _scale_of(self, name: str) -> Scale:
        if name in self.items:
            return self.item_scale(name)
        if name in self.constructs:
            return self.construct_scale(name)
        raise KeyError(f"{name} is neither an item nor a construct of the questionnaire")

    def answer_lookup(self, scale: str) -> dict[str, float]:
        """Normalised answer -> value on the scale, or NaN for a missing label."""
        missing = [label for labels in self.missing_labels.values() for label in labels]
        return self.scales[scale].answer_lookup(missing)

    def label(self, scale: str, value: int, language: str = "en") -> str:
        """The label a respondent sees for ``value`` in ``language`` (falling back to the first language that has it)."""
        return self.scales[scale].label(value, language)

    def item_text(self, item_id: str, language: str = "en") -> str:
        """The item's text in ``language``, else in the first questionnaire language that has it (one warning)."""
        texts = self.items[item_id].texts
        available = [lang for lang in self.languages if lang in texts] + [
            lang for lang in texts if lang not in self.languages
        ]
        if not available:
            return item_id
        return texts[fall_back_language(language, available, f"item {item_id}")]
