"""Adapters: the other stages' outputs in the shapes the report reads.

Everything the report knows about another stage's format is in this module,
one function per input, so that a change of format upstream is fixed here
and nowhere else. Each adapter accepts the documented shape and a few
plausible variants, fills what is missing with ``None`` or empty lists, and
never raises on an optional field.

===================== =====================================================
input                 produced by
===================== =====================================================
``ingestion_summary`` ``ingestion.nodes.summarise_ingestion``
``employees``         ``ingestion.nodes.pseudonymise``
``construct_scores``  ``personas.nodes.score_constructs``
``item_scores``       ``ingestion.nodes.score_items`` (barrier items only)
``persona_assignments`` ``personas.nodes.assign_personas``
``persona_profiles``  ``personas.nodes.name_personas``
``persona_summary``   ``personas.nodes.summarise_personas``
``playbook``          the campaign stage (dict per persona id)
``open_text``         ``ingestion.nodes.pseudonymise`` (pid + OPEN1)
===================== =====================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from segmentation.jsonable import to_plain
from segmentation.persona_ids import persona_sort_key

EMPLOYEE_COLUMNS = [
    "pid",
    "birth_year",
    "hire_date",
    "department",
    "org_unit",
    "site",
    "job_level",
    "is_people_manager",
    "work_pattern",
    "employment_status",
    "language",
    "gender",
]
ASSIGNMENT_COLUMNS = [
    "pid",
    "persona_id",
    "persona_name",
    "persona_name_he",
    "assignment_source",
    "confidence",
]
LANGUAGES = ("en", "he")


def _number(value: Any) -> float | None:
    value = to_plain(value)
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# ------------------------------------------------------------------ ingestion


def adapt_ingestion_summary(summary: Mapping[str, Any] | None) -> dict[str, Any]:
    """Files (role, file name, rows read/used/rejected, reasons) and rejects by reason.

    Only file *names* are kept (no folders). Returns empty tables when the
    summary is missing.
    """
    summary = dict(summary or {})
    files = []
    for role, entry in (summary.get("files") or {}).items():
        entry = dict(entry or {})
        files.append(
            {
                "role": str(role),
                "file": PurePosixPath(str(entry.get("file", ""))).name,
                "rows_read": int(entry.get("rows_read", 0) or 0),
                "rows_used": int(entry.get("rows_used", 0) or 0),
                "rows_rejected": int(entry.get("rows_rejected", 0) or 0),
                "rejected_by_reason": {
                    str(k): int(v) for k, v in (entry.get("rejected_by_reason") or {}).items()
                },
            }
        )
    return {
        "files": files,
        "rejects_by_reason": {
            str(k): int(v) for k, v in (summary.get("rejects_by_reason") or {}).items()
        },
        "answers_set_missing": int(summary.get("answers_set_missing", 0) or 0),
        "response_rate_active": _number(summary.get("response_rate_active")),
    }


_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def _is_str(values: pd.Series) -> bool:
    """Whether ``values`` has pandas' default text dtype and some text (then ``str``-mapping keeps it as is)."""
    return values.dtype == _STR and bool(values.notna().any())


def _all_text(values: pd.Series) -> bool:
    """Whether every non-missing value is a ``str`` (exactly, not a subclass)."""
    if isinstance(values.dtype, pd.StringDtype):
        return True
    if values.dtype != object:
        return False
    known = values[values.notna()]
    return bool(known.map(type).eq(str).all()) if len(known) else True


def adapt_employees(employees: pd.DataFrame) -> pd.DataFrame:
    """The employee columns the report uses, as text (missing text as None)."""
    frame = employees.copy()
    for column in EMPLOYEE_COLUMNS:
        if column not in frame:
            frame[column] = None
    out = pd.DataFrame({"pid": frame["pid"].astype(str).to_numpy()})
    for column in [
        "department",
        "org_unit",
        "site",
        "job_level",
        "work_pattern",
        "employment_status",
        "language",
        "gender",
    ]:
        if _is_str(frame[column]):
            # Already pandas' text dtype, which the conversion below gives back unchanged.
            out[column] = frame[column].array
            continue
        values = frame[column].astype(object)
        values = values.where(values.notna(), None)
        if _all_text(frame[column]):
            # Text already: str(v) is v, so only the missing values change.
            out[column] = values.to_numpy()
        else:
            out[column] = values.map(lambda v: None if v is None else str(v)).to_numpy()
    out["birth_year"] = pd.to_numeric(frame["birth_year"], errors="coerce").astype(float).to_numpy()
    out["hire_date"] = pd.to_datetime(frame["hire_date"], errors="coerce").to_numpy()
    return out


def adapt_scores(scores: pd.DataFrame | None, columns: Sequence[str]) -> pd.DataFrame:
    """pid plus the listed score columns (absent ones all missing), as floats."""
    if scores is None or len(scores.columns) == 0:
        return pd.DataFrame(
            {"pid": pd.Series([], dtype=str), **{c: pd.Series([], dtype=float) for c in columns}}
        )
    out = pd.DataFrame({"pid": scores["pid"].astype(str).to_numpy()})
    for column in columns:
        out[column] = (
            pd.to_numeric(scores[column], errors="coerce").astype(float).to_numpy()
            if column in scores
            else np.nan
        )
    return out.drop_duplicates("pid", keep="last")


def adapt_open_text(open_text: pd.DataFrame | None, column: str) -> pd.DataFrame:
    """pid and the free-text answer (empty answers dropped)."""
    if open_text is None or column not in getattr(open_text, "columns", []):
        return pd.DataFrame({"pid": pd.Series([], dtype=str), "text": pd.Series([], dtype=str)})
    text = (
        open_text[column]
        .astype(object)
        .where(open_text[column].notna(), "")
        .astype(str)
        .str.strip()
    )
    out = pd.DataFrame({"pid": open_text["pid"].astype(str).to_numpy(), "text": text.to_numpy()})
    return out[out["text"].ne("") & out["text"].str.lower().ne("nan")].reset_index(drop=True)


# ------------------------------------------------------------------ personas


def adapt_assignments(persona_assignments: pd.DataFrame | None) -> pd.DataFrame:
    """pid, persona_id, names, assignment_source (survey/inferred) and confidence."""
    if persona_assignments is None or len(persona_assignments.columns) == 0:
        return pd.DataFrame(
            {
                c: pd.Series([], dtype=float if c == "confidence" else str)
                for c in ASSIGNMENT_COLUMNS
            }
        )
    frame = persona_assignments.copy()
    if "persona_name_he" not in frame:
        frame["persona_name_he"] = frame.get("persona_name")
    if "assignment_source" not in frame:
        frame["assignment_source"] = "survey"
    if "confidence" not in frame:
        frame["confidence"] = np.nan
    out = frame[ASSIGNMENT_COLUMNS].copy()
    for column in ASSIGNMENT_COLUMNS[:-1]:
        if _is_str(out[column]):
            continue  # already what the conversion below gives
        out[column] = (
            out[column]
            .astype(object)
            .where(out[column].notna(), None)
            .map(lambda v: None if v is None else str(v))
        )
    out["confidence"] = pd.to_numeric(out["confidence"], errors="coerce").astype(float)
    return out.drop_duplicates("pid", keep="last").reset_index(drop=True)


def adapt_profiles(persona_profiles: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per persona id: names, descriptions (en, he) and top traits.

    Accepts ``{persona_id: profile}`` or a list of profiles with
    ``persona_id``. The report recomputes every figure itself (so the
    anonymity rules are its own); from the profiles it takes words only.
    """
    if not persona_profiles:
        return {}
    items = persona_profiles.values() if isinstance(persona_profiles, Mapping) else persona_profiles
    out: dict[str, dict[str, Any]] = {}
    for profile in items:
        profile = dict(profile or {})
        persona_id = str(profile.get("persona_id", ""))
        if not persona_id:
            continue
        traits = []
        for trait in profile.get("top_traits") or []:
            d = _number(trait.get("d"))
            traits.append(
                {
                    "construct": str(trait.get("construct")),
                    "direction": str(trait.get("direction") or ("high" if (d or 0) > 0 else "low")),
                    "d": d,
                }
            )
        out[persona_id] = {
            "persona_id": persona_id,
            "name": {
                "en": profile.get("name") or persona_id,
                "he": profile.get("name_he") or profile.get("name") or persona_id,
            },
            "description": {
                "en": profile.get("description") or "",
                "he": profile.get("description_he") or profile.get("description") or "",
            },
            "top_traits": traits,
            "suppressed": bool(profile.get("suppressed", False)),
        }
    return dict(sorted(out.items(), key=lambda kv: persona_sort_key(kv[0])))


def adapt_persona_summary(persona_summary: Mapping[str, Any] | None) -> dict[str, Any]:
    """The method figures: k table, chosen k and rule, reference, alphas, typing, warnings."""
    summary = dict(persona_summary or {})
    k_table = []
    for row in summary.get("k_table") or []:
        row = dict(row)
        k_table.append(
            {
                "k": int(row.get("k")),
                "reproducibility": _number(row.get("reproducibility")),
                "min_persona_stability": _number(row.get("min_persona_stability")),
                "silhouette": _number(row.get("silhouette")),
                "smallest_persona_size": _number(row.get("smallest_persona_size")),
                "smallest_persona_share": _number(row.get("smallest_persona_share")),
                "reference_reproducibility": _number(row.get("reference_reproducibility")),
                "eligible": bool(row.get("eligible", False)),
            }
        )
    reference = {
        k: to_plain(v) for k, v in dict(summary.get("structure_free_reference") or {}).items()
    }
    return {
        "k_table": k_table,
        "chosen_k": summary.get("chosen_k"),
        "k_rule": summary.get("k_rule") or "",
        "k_rule_outcome": summary.get("k_rule_outcome") or "",
        "reference": reference,
        "alphas": {str(k): _number(v) for k, v in dict(summary.get("alphas") or {}).items()},
        "typing_accuracy": _number(summary.get("typing_accuracy")),
        "typing_baseline": _number(summary.get("typing_baseline")),
        "typing_calibration_error": _number(summary.get("typing_calibration_error")),
        "warnings": [str(w) for w in summary.get("warnings") or []],
    }


# ------------------------------------------------------------------ playbook

_TEXT_KEYS = ("text", "recommendation", "recommend", "message", "value", "description")
_RULE_KEYS = ("rule", "rule_id", "id")


def localise(value: Any, language: str) -> str:
    """Text in ``language`` from a string, ``{en, he}``, ``{text, text_he}`` or a list."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        if language in value and not isinstance(value[language], Mapping | list):
            return str(value[language])
        if "en" in value and not isinstance(value["en"], Mapping | list):
            return str(value["en"])
        for key in _TEXT_KEYS:
            if key in value:
                localised = value.get(f"{key}_{language}")
                return str(localised) if localised else localise(value[key], language)
        return ""
    if isinstance(value, list | tuple):
        return " ".join(t for t in (localise(v, language) for v in value) if t)
    return str(value)


def _rule_id(node: Mapping[str, Any]) -> str:
    for key in _RULE_KEYS:
        if node.get(key):
            return str(node[key])
    return ""


def _is_text_node(node: Any) -> bool:
    if isinstance(node, str):
        return True
    if not isinstance(node, Mapping):
        return False
    if any(k in node for k in _RULE_KEYS):
        return True
    return any(k in node for k in (*LANGUAGES, *_TEXT_KEYS)) and not any(
        isinstance(node.get(k), list) for k in node
    )


def recommendations(node: Any, language: str, topic: str = "") -> list[dict[str, str]]:
    """Flatten a (nested) recommendation tree into ``[{text, rule_id, why, topic}]``.

    A recommendation is a mapping with a rule id (``rule``/``rule_id``/``id``)
    and text in the language (``{en: ..., he: ...}``, ``text``...); nested
    mappings and lists are walked in order, their keys becoming topics.
    """
    if node is None:
        return []
    if isinstance(node, list | tuple):
        return [r for child in node for r in recommendations(child, language, topic)]
    if _is_text_node(node):
        if isinstance(node, str):
            return [{"text": node, "rule_id": "", "why": "", "topic": topic}] if node else []
        text = localise(node, language)
        if not text and isinstance(node.get(language), Mapping):
            text = " ".join(str(v) for v in node[language].values() if isinstance(v, str))
        return (
            [
                {
                    "text": text,
                    "rule_id": _rule_id(node),
                    "why": localise(node.get("why"), language),
                    "topic": topic,
                }
            ]
            if text
            else []
        )
    if isinstance(node, Mapping):
        return [
            r for key, child in node.items() for r in recommendations(child, language, str(key))
        ]
    return []


def _value_proposition(node: Any, language: str) -> dict[str, Any]:
    node = dict(node) if isinstance(node, Mapping) else {"text": str(node)}
    content = (
        node.get(language)
        if isinstance(node.get(language), Mapping)
        else node.get("en")
        if isinstance(node.get("en"), Mapping)
        else node
    )
    content = dict(content or {})

    def pick(*keys: str) -> str:
        for key in keys:
            if content.get(key):
                return localise(content[key], language)
            if node.get(key):
                return localise(node[key], language)
        return ""

    examples = (
        content.get("example_messages") or node.get("example_messages") or node.get("messages")
    )
    example_list = [localise(e, language) for e in examples] if isinstance(examples, list) else []
    single = pick("example_post", "example_message", "example")
    if single and single not in example_list:
        example_list.insert(0, single)
    return {
        "need": str(node.get("need") or node.get("construct") or ""),
        "title": pick("title", "proposition", "value_proposition", "text"),
        "headline": pick("headline"),
        "proof_point": pick("proof_point"),
        "examples": [e for e in example_list if e],
        "reason": localise(node.get("reason"), language),
        "rule_id": _rule_id(node),
    }


def configured_proposition(
    need: str, value_propositions: Mapping[str, Any] | None, language: str
) -> dict[str, Any] | None:
    """The playbook's own texts for ``need`` (``value_propositions.needs``), when it has any.

    A need the card shows but the campaign did not pick as one of the persona's
    strongest still has a message written for it; the card shows that message
    instead of saying none exists.
    """
    texts = ((value_propositions or {}).get("needs") or {}).get(need)
    if not isinstance(texts, Mapping):
        return None
    return _value_proposition({"need": need, **texts}, language)


def _channel(node: Any, rank: int, language: str) -> dict[str, Any]:
    node = dict(node) if isinstance(node, Mapping) else {"channel": str(node)}
    channel = str(node.get("channel") or node.get("id") or node.get("name") or "")
    construct = str(
        node.get("construct")
        or (channel if channel.startswith("channel_") else f"channel_{channel}")
    )
    reason = node.get("reason") or node.get("reasons") or node.get("why")
    return {
        "channel": channel,
        "construct": construct,
        "label": localise(node.get("label"), language) or channel,
        "rank": int(node.get("rank") or rank),
        "score": _number(node.get("score")),
        "reason": localise(reason, language),
        "rule_id": str(node.get("rule") or node.get("rule_id") or ""),
    }


def _first(mapping: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in mapping and mapping[key] is not None:
            return mapping[key]
    return None


def _persona_entries(playbook: Any) -> dict[str, Any]:
    if not playbook:
        return {}
    if isinstance(playbook, Mapping) and isinstance(playbook.get("personas"), Mapping | list):
        playbook = playbook["personas"]
    if isinstance(playbook, list):
        return {
            str(p.get("persona_id")): p
            for p in playbook
            if isinstance(p, Mapping) and p.get("persona_id")
        }
    return {str(k): v for k, v in playbook.items() if isinstance(v, Mapping)}


def adapt_playbook(playbook: Any, language: str) -> dict[str, dict[str, Any]]:
    """Per persona id, the playbook in the report's shape, texts in ``language``.

    ``{value_propositions: [{need, title, headline, proof_point, examples,
    reason, rule_id}], channels: [{channel, construct, label, rank, score,
    reason, rule_id}], four_ps: {product|price|place|promotion: [rec]},
    gamification: [rec], training: [rec], help_desk: [rec], tone_do: [str],
    tone_dont: [str], tone_rule_ids: [str]}`` where ``rec`` is ``{text,
    rule_id, why, topic}``.
    """
    out = {}
    for persona_id, entry in _persona_entries(playbook).items():
        entry = dict(entry)
        vps = _first(entry, "value_propositions", "value_proposition", "needs") or []
        if isinstance(vps, Mapping):
            vps = [
                {"need": k, **(v if isinstance(v, Mapping) else {"text": v})}
                for k, v in vps.items()
            ]
        channels = _first(entry, "channels", "ranked_channels", "top_channels") or []
        if isinstance(channels, Mapping):
            channels = _first(channels, "top", "ranked", "ranking") or [
                {"channel": k, **(v if isinstance(v, Mapping) else {})} for k, v in channels.items()
            ]
        four_ps_node = _first(entry, "four_ps", "4ps", "marketing_mix") or {}
        four_ps = (
            {
                p: recommendations(four_ps_node.get(p), language, p)
                for p in ("product", "price", "place", "promotion")
            }
            if isinstance(four_ps_node, Mapping)
            else {}
        )
        training_node = entry.get("training")
        help_desk_node = entry.get("help_desk")
        if isinstance(training_node, Mapping) and "help_desk" in training_node:
            help_desk_node = help_desk_node or training_node["help_desk"]
            training_node = {k: v for k, v in training_node.items() if k != "help_desk"}
        tone = entry.get("tone") if isinstance(entry.get("tone"), Mapping) else {}
        tone_do = _first(tone, "do", "dos", "tone_do") or entry.get("tone_do") or []
        tone_dont = (
            _first(tone, "dont", "donts", "don't", "tone_dont") or entry.get("tone_dont") or []
        )
        out[persona_id] = {
            "value_propositions": [_value_proposition(v, language) for v in vps],
            "channels": sorted(
                (_channel(c, i, language) for i, c in enumerate(channels, start=1)),
                key=lambda c: c["rank"],
            ),
            "four_ps": four_ps,
            "gamification": recommendations(entry.get("gamification"), language, "gamification"),
            "training": recommendations(training_node, language, "training"),
            "help_desk": recommendations(help_desk_node, language, "help_desk"),
            "tone_do": [r["text"] for r in recommendations(tone_do, language)],
            "tone_dont": [r["text"] for r in recommendations(tone_dont, language)],
            "tone_rule_ids": [str(x) for x in ([tone.get("rule")] if tone.get("rule") else [])],
        }
    return out
