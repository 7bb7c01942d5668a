"""What one stage hands the next: one defined structure per hand-over, checked once where it is read.

Each structure below describes exactly what its stage writes today, and each
``read_*`` function turns the loaded JSON into it or stops the run with one
line naming the field that is missing or of the wrong type (a file left by an
older version of the pipeline: run the stage that writes it again). Nothing
here guesses between formats: a stage that changes what it writes changes the
structure here, and its readers follow.

========================= ============================================ ==========
hand-over                 written by                                   read by
========================= ============================================ ==========
``playbook.json``         ``campaign.nodes.build_playbook``            report
``persona_profiles.json`` ``personas`` (profiles, then names)          report
``persona_summary.json``  ``personas.nodes.summarise_personas``        report
========================= ============================================ ==========

Texts: a :data:`Text` is ``{language: text}`` with at least one of the
configured languages (``${globals:languages}``); readers fall back to the first
language. Persona profiles keep the first language's text under the plain key
(``name``) and every other under ``<key>_<language>`` (``name_he``), see
:func:`language_key`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from segmentation.errors import RunStopped

Text = dict[str, str]
FOUR_PS = ("product", "price", "place", "promotion")


class HandoffError(RunStopped):
    """A stage's output is not what that stage writes (a stale or hand-edited file)."""


def language_key(language: str, languages: Sequence[str], key: str = "name") -> str:
    """Where a persona profile keeps ``key`` in ``language``: the first language under the
    plain key (``name``), every other under ``<key>_<language>`` (``name_he``)."""
    return key if language == languages[0] else f"{key}_{language}"


# A language tag as the configuration writes one (en, he, de, pt-BR): what follows ``<key>_``.
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def is_language_key(name: str, key: str = "name") -> bool:
    """Whether ``name`` is ``key`` or ``<key>_<language>`` (see :func:`language_key`)."""
    return name == key or (
        name.startswith(f"{key}_") and _LANGUAGE_TAG.fullmatch(name[len(key) + 1 :]) is not None
    )


def names_in(record: Mapping[str, Any], key: str = "name") -> dict[str, Any]:
    """A record's ``key`` in every language it holds (``name``, ``name_he``, ...), in its order:
    a stage that passes names on copies whichever languages the personas were named in."""
    return {k: v for k, v in record.items() if is_language_key(k, key)}


def persona_names(personas: Any, persona: str) -> dict[str, str]:
    """One persona's names from an assignments-like table indexed by persona: its
    ``persona_name`` and ``persona_name_<language>`` columns as ``name``, ``name_<language>``."""
    return {
        "name" + c[len("persona_name") :]: str(personas.at[persona, c])
        for c in personas.columns
        if is_language_key(c, "persona_name")
    }


# ------------------------------------------------------------------ checking


class _Reader:
    """Reads one hand-over file, naming the file and the field path in every error."""

    def __init__(self, source: str, stage: str, languages: Sequence[str] = ()):
        self.source = source
        self.stage = stage
        self.languages = list(languages)

    def fail(self, where: str, problem: str) -> HandoffError:
        return HandoffError(
            self.source,
            f"{where} {problem}.",
            f"the {self.source} that the {self.stage} stage writes "
            f"(run `kedro run --pipeline {self.stage}` again).",
        )

    def mapping(self, node: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(node, Mapping):
            raise self.fail(where, f"is {type(node).__name__}, not a mapping")
        return node

    def get(self, node: Mapping[str, Any], key: str, where: str, kind: Any, optional: bool = False):
        """``node[key]`` checked to be of ``kind`` (``float`` accepts ints); None when optional and absent or null."""
        value = node.get(key)
        if value is None:
            if optional:
                return None
            raise self.fail(where, f"has no '{key}'")
        kinds = (int, float) if kind is float else kind
        if isinstance(value, bool) and kind is not bool or not isinstance(value, kinds):
            raise self.fail(f"{where}.{key}", f"is {type(value).__name__}, not {_kind_name(kind)}")
        return float(value) if kind is float else value

    def number(self, node: Mapping[str, Any], key: str, where: str) -> float | None:
        """A number that may be missing (null, or absent): None, never NaN."""
        value = self.get(node, key, where, float, optional=True)
        return None if value is None or not math.isfinite(value) else value

    def text(self, node: Any, where: str) -> Text:
        """``{language: text}`` with at least one configured language."""
        node = self.mapping(node, where)
        text = {lang: node[lang] for lang in self.languages if isinstance(node.get(lang), str)}
        if not text:
            raise self.fail(where, f"has no text in any of {', '.join(self.languages)}")
        return text

    def items(self, node: Any, where: str) -> list[Any]:
        if not isinstance(node, list):
            raise self.fail(where, f"is {type(node).__name__}, not a list")
        return node


def _kind_name(kind: Any) -> str:
    names = {str: "text", float: "a number", int: "a whole number", bool: "true or false"}
    names.update({list: "a list", Mapping: "a mapping", dict: "a mapping"})
    return names.get(kind, getattr(kind, "__name__", str(kind)))


# ------------------------------------------------------------------ playbook (campaign)


@dataclass(frozen=True)
class Recommendation:
    """One fired rule: ``{rule, <language>: text, ..., why}`` at ``topic`` of its family."""

    rule: str
    text: Text
    why: str
    topic: str


@dataclass(frozen=True)
class ValueProposition:
    """``value_propositions[i]``: the texts written for one of the persona's strongest needs."""

    rule: str
    need: str
    rank: int
    title: Text
    headline: Text
    proof_point: Text
    example_post: Text
    reason: Text
    why: str


@dataclass(frozen=True)
class ChannelChoice:
    """``channels.top[i]``: a chosen channel (the broad ones of ``unassigned`` have no construct or reason)."""

    rule: str
    channel: str
    construct: str | None
    label: Text
    rank: int
    score: float | None
    reason: Text
    why: str


@dataclass(frozen=True)
class PlaybookEntry:
    """One persona's playbook (``broad`` entries, the unassigned, carry channels and a note only).

    ``four_ps[p]``, ``gamification`` and ``training`` are the fired rules in
    the order of their rule sets, each with its ``topic`` (the rule set's key:
    ``tone``, ``message_angle``, ``formats``, ``help_desk`` ...).
    """

    persona_id: str
    name: Text
    broad: bool
    value_propositions: list[ValueProposition] = field(default_factory=list)
    channels: list[ChannelChoice] = field(default_factory=list)
    four_ps: dict[str, list[Recommendation]] = field(default_factory=dict)
    gamification: list[Recommendation] = field(default_factory=list)
    training: list[Recommendation] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)

    def topic(self, family: str, topic: str) -> list[Recommendation]:
        """The recommendations of one topic (``four_ps.product`` + ``tone``)."""
        recommendations = (
            self.four_ps.get(family.split(".", 1)[1], [])
            if family.startswith("four_ps.")
            else getattr(self, family)
        )
        return [r for r in recommendations if r.topic == topic]


def _recommendations(read: _Reader, node: Any, where: str, topic: str) -> list[Recommendation]:
    """A rule family as the campaign's ``apply_rules`` writes it: mappings of topics down to lists of fired rules."""
    if isinstance(node, list):
        out = []
        for i, item in enumerate(node):
            at = f"{where}[{i}]"
            item = read.mapping(item, at)
            out.append(
                Recommendation(
                    rule=read.get(item, "rule", at, str),
                    text=read.text(item, at),
                    why=read.get(item, "why", at, str),
                    topic=topic,
                )
            )
        return out
    node = read.mapping(node, where)
    return [
        r
        for key, child in node.items()
        for r in _recommendations(read, child, f"{where}.{key}", str(key))
    ]


def _value_proposition(read: _Reader, node: Any, where: str) -> ValueProposition:
    node = read.mapping(node, where)
    texts = {
        lang: read.mapping(node[lang], f"{where}.{lang}") for lang in read.languages if lang in node
    }
    if not texts:
        raise read.fail(where, f"has no texts in any of {', '.join(read.languages)}")

    def part(key: str, optional: bool = True) -> Text:
        found = {
            lang: read.get(t, key, f"{where}.{lang}", str, optional=optional)
            for lang, t in texts.items()
        }
        return {lang: value for lang, value in found.items() if value}

    return ValueProposition(
        rule=read.get(node, "rule", where, str),
        need=read.get(node, "need", where, str),
        rank=read.get(node, "rank", where, int),
        title=part("title", optional=False),
        headline=part("headline"),
        proof_point=part("proof_point"),
        example_post=part("example_post"),
        reason=read.text(node["reason"], f"{where}.reason") if node.get("reason") else {},
        why=read.get(node, "why", where, str),
    )


def _channel(read: _Reader, node: Any, where: str) -> ChannelChoice:
    node = read.mapping(node, where)
    return ChannelChoice(
        rule=read.get(node, "rule", where, str),
        channel=read.get(node, "channel", where, str),
        construct=read.get(node, "construct", where, str, optional=True),
        label=read.text(read.get(node, "label", where, Mapping), f"{where}.label"),
        rank=read.get(node, "rank", where, int),
        score=read.number(node, "score", where),
        reason=read.text(node["reason"], f"{where}.reason") if node.get("reason") else {},
        why=read.get(node, "why", where, str),
    )


def _playbook_entry(read: _Reader, persona_id: str, node: Any) -> PlaybookEntry:
    where = persona_id
    node = read.mapping(node, where)
    if read.get(node, "persona_id", where, str) != persona_id:
        raise read.fail(f"{where}.persona_id", f"is not '{persona_id}'")
    channels = read.mapping(read.get(node, "channels", where, Mapping), f"{where}.channels")
    top = read.items(read.get(channels, "top", f"{where}.channels", list), f"{where}.channels.top")
    entry = {
        "persona_id": persona_id,
        "name": read.text(read.get(node, "name", where, Mapping), f"{where}.name"),
        "broad": read.get(node, "broad", where, bool),
        "channels": [_channel(read, c, f"{where}.channels.top[{i}]") for i, c in enumerate(top)],
        "lists": [
            str(x) for x in read.items(read.get(node, "lists", where, list), f"{where}.lists")
        ],
    }
    if entry["broad"]:
        return PlaybookEntry(**entry)
    four_ps = read.get(node, "four_ps", where, Mapping)
    unknown = sorted(set(four_ps) - set(FOUR_PS))
    if unknown:
        raise read.fail(f"{where}.four_ps", f"has '{unknown[0]}', not one of {', '.join(FOUR_PS)}")
    propositions = read.get(node, "value_propositions", where, list)
    return PlaybookEntry(
        **entry,
        value_propositions=[
            _value_proposition(read, v, f"{where}.value_propositions[{i}]")
            for i, v in enumerate(propositions)
        ],
        four_ps={
            p: _recommendations(read, four_ps[p], f"{where}.four_ps.{p}", p)
            for p in FOUR_PS
            if p in four_ps
        },
        # {} when the survey did not ask the appeal of gamification
        gamification=_recommendations(
            read,
            read.get(node, "gamification", where, Mapping),
            f"{where}.gamification",
            "gamification",
        ),
        training=_recommendations(
            read, read.get(node, "training", where, Mapping), f"{where}.training", "training"
        ),
    )


def read_playbook(playbook: Any, languages: Sequence[str]) -> dict[str, PlaybookEntry]:
    """``playbook.json`` (``{persona id: entry}``, the unassigned as a ``broad`` entry), checked."""
    read = _Reader("playbook.json", "campaign", languages)
    playbook = read.mapping(playbook, "the playbook")
    return {str(pid): _playbook_entry(read, str(pid), entry) for pid, entry in playbook.items()}


# ------------------------------------------------------------------ persona profiles (personas)


@dataclass(frozen=True)
class Trait:
    """``top_traits[i]``: a construct the persona stands out on, by Cohen's d against everyone else."""

    construct: str
    direction: str
    d: float | None


@dataclass(frozen=True)
class PersonaProfile:
    """One persona's words: names and descriptions in every language, its top traits."""

    persona_id: str
    name: Text
    description: Text
    top_traits: list[Trait]
    suppressed: bool


def _trait(read: _Reader, node: Any, where: str) -> Trait:
    node = read.mapping(node, where)
    return Trait(
        construct=read.get(node, "construct", where, str),
        direction=read.get(node, "direction", where, str),
        d=read.number(node, "d", where),
    )


def read_profiles(persona_profiles: Any, languages: Sequence[str]) -> dict[str, PersonaProfile]:
    """``persona_profiles.json`` (``{persona id: profile}``), checked."""
    read = _Reader("persona_profiles.json", "personas", languages)
    out = {}
    for pid, node in read.mapping(persona_profiles, "the profiles").items():
        where = str(pid)
        node = read.mapping(node, where)
        if read.get(node, "persona_id", where, str) != pid:
            raise read.fail(f"{where}.persona_id", f"is not '{pid}'")

        def texts(key: str, optional: bool, node=node, where=where) -> Text:
            found = {
                lang: read.get(node, language_key(lang, languages, key), where, str, optional)
                for lang in languages
            }
            return {lang: text for lang, text in found.items() if text}

        traits = read.items(read.get(node, "top_traits", where, list), f"{where}.top_traits")
        out[where] = PersonaProfile(
            persona_id=where,
            name=texts("name", optional=False),
            description=texts("description", optional=True),
            top_traits=[_trait(read, t, f"{where}.top_traits[{i}]") for i, t in enumerate(traits)],
            suppressed=read.get(node, "suppressed", where, bool),
        )
    return out


# ------------------------------------------------------------------ persona summary (personas)


@dataclass(frozen=True)
class KCandidate:
    """``k_table[i]``: one candidate number of personas and how it did."""

    k: int
    reproducibility: float | None
    min_persona_stability: float | None
    silhouette: float | None
    smallest_persona_size: float | None
    smallest_persona_share: float | None
    reference_reproducibility: float | None
    eligible: bool


@dataclass(frozen=True)
class PersonaSummary:
    """What the report's method section reads of ``persona_summary.json``."""

    k_table: list[KCandidate]
    chosen_k: int
    k_rule: str
    k_rule_outcome: str
    structure_free_reference: dict[str, Any]
    alphas: dict[str, float | None]
    typing_accuracy: float | None
    typing_baseline: float | None
    typing_calibration_error: float | None
    warnings: list[str]


def read_persona_summary(persona_summary: Any) -> PersonaSummary:
    """``persona_summary.json``, checked (the figures the report reads)."""
    read = _Reader("persona_summary.json", "personas")
    node = read.mapping(persona_summary, "the summary")
    rows = read.items(read.get(node, "k_table", "the summary", list), "k_table")
    k_table = []
    for i, row in enumerate(rows):
        where = f"k_table[{i}]"
        row = read.mapping(row, where)
        k_table.append(
            KCandidate(
                k=read.get(row, "k", where, int),
                **{
                    key: read.number(row, key, where)
                    for key in (
                        "reproducibility",
                        "min_persona_stability",
                        "silhouette",
                        "smallest_persona_size",
                        "smallest_persona_share",
                        "reference_reproducibility",
                    )
                },
                eligible=read.get(row, "eligible", where, bool),
            )
        )
    alphas = read.get(node, "alphas", "the summary", Mapping)
    return PersonaSummary(
        k_table=k_table,
        chosen_k=read.get(node, "chosen_k", "the summary", int),
        k_rule=read.get(node, "k_rule", "the summary", str),
        k_rule_outcome=read.get(node, "k_rule_outcome", "the summary", str),
        structure_free_reference=dict(
            read.get(node, "structure_free_reference", "the summary", Mapping)
        ),
        alphas={str(k): read.number(alphas, k, "alphas") for k in alphas},
        **{
            key: read.number(node, key, "the summary")
            for key in ("typing_accuracy", "typing_baseline", "typing_calibration_error")
        },
        warnings=[
            str(w) for w in read.items(read.get(node, "warnings", "the summary", list), "warnings")
        ],
    )
