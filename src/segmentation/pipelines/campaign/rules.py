"""The one rule engine of the playbook: rules are data, this evaluates them.

A rule is a mapping from ``conf/base/parameters_campaign.yml``::

    {id: gamification.quiet,
     when: {gamification_appeal_z: {lte: -0.3}},
     recommend: {en: ..., he: ...}}

``when`` maps a persona figure to ``{operator: threshold}``; all of them
must hold. ``any: [when, ...]`` holds when one of its conditions holds and
``not: when`` when its condition does not. An empty or absent ``when``
always holds (a default). A figure that is missing (NaN, None) never
satisfies a comparison, so a rule never fires on data nobody gave.

A *rule set* is ``{match: first | all, rules: [...]}``; ``first`` keeps the
first rule that fires (tiers), ``all`` keeps every rule that fires. Rule
sets may be nested in mappings (``four_ps.product.tone``); the result has
the same shape. Every recommendation carries its rule's ``id`` and a
``why`` that names the figures that made it fire.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Mapping
from typing import Any

OPERATORS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "gt": (">", lambda value, limit: value > limit),
    "gte": ("≥", lambda value, limit: value >= limit),
    "lt": ("<", lambda value, limit: value < limit),
    "lte": ("≤", lambda value, limit: value <= limit),
    "eq": ("=", lambda value, limit: value == limit),
    "ne": ("≠", lambda value, limit: value != limit),
    "between": ("in", lambda value, limit: limit[0] <= value <= limit[1]),
    "in": ("in", lambda value, limit: value in limit),
    "not_in": ("not in", lambda value, limit: value not in limit),
}
COMBINATORS = ("any", "not")
MATCH_MODES = ("first", "all")
ALWAYS = "always"


class RuleError(ValueError):
    """A rule in the playbook cannot be evaluated (unknown figure or operator)."""


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) >= 1000 else f"{value:.3f}".rstrip("0").rstrip(".")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def condition_problems(
    when: Mapping[str, Any] | None, known_figures: set[str], rule_id: str
) -> list[str]:
    """Every unknown figure or operator ``when`` names, one text each."""
    problems: list[str] = []
    for key, test in (when or {}).items():
        if key == "any":
            for branch in test:
                problems.extend(condition_problems(branch, known_figures, rule_id))
        elif key == "not":
            problems.extend(condition_problems(test, known_figures, rule_id))
        elif key not in known_figures:
            problems.append(f"rule '{rule_id}' reads unknown figure '{key}'")
        elif not isinstance(test, Mapping) or not test:
            problems.append(f"rule '{rule_id}': '{key}' needs {{operator: value}}, got {test!r}")
        else:
            unknown = [op for op in test if op not in OPERATORS]
            if unknown:
                problems.append(
                    f"rule '{rule_id}': unknown operator(s) {unknown}; use one of {list(OPERATORS)}"
                )
    return problems


def check_condition(when: Mapping[str, Any] | None, known_figures: set[str], rule_id: str) -> None:
    """Raise :class:`RuleError` when ``when`` names an unknown figure or operator."""
    problems = condition_problems(when, known_figures, rule_id)
    if problems:
        raise RuleError("; ".join(problems) + f"; known: {sorted(known_figures)}")


def figures_read(when: Mapping[str, Any] | None) -> set[str]:
    """Every figure ``when`` reads, in any branch."""
    names: set[str] = set()
    for key, test in (when or {}).items():
        if key == "any":
            for branch in test:
                names |= figures_read(branch)
        elif key == "not":
            names |= figures_read(test)
        else:
            names.add(key)
    return names


def prune_condition(
    when: Mapping[str, Any] | None, available: set[str]
) -> Mapping[str, Any] | None:
    """``when`` without what reads figures this survey lacks; ``None`` when nothing of it can hold.

    An ``any`` keeps its branches that can be read; every other condition
    must be readable as a whole, or the rule is left out.
    """
    kept: dict[str, Any] = {}
    for key, test in (when or {}).items():
        if key == "any":
            branches = [
                b for b in (prune_condition(branch, available) for branch in test) if b is not None
            ]
            if not branches:
                return None
            kept[key] = branches
        elif key == "not":
            if not figures_read(test) <= available:
                return None
            kept[key] = test
        elif key not in available:
            return None
        else:
            kept[key] = test
    return kept


def prune_rule_sets(
    node: Any, available: set[str], dropped: list[str] | None = None
) -> tuple[Any, list[str]]:
    """A (nested) rule set without the rules that read figures the survey lacks, and their ids."""
    dropped = [] if dropped is None else dropped
    if is_rule_set(node):
        rules = []
        for rule in node["rules"]:
            when = prune_condition(rule.get("when"), available)
            if when is None:
                dropped.append(str(rule["id"]))
            else:
                rules.append({**rule, "when": when} if rule.get("when") else dict(rule))
        return {**node, "rules": rules}, dropped
    if isinstance(node, Mapping):
        return {
            name: prune_rule_sets(child, available, dropped)[0] for name, child in node.items()
        }, dropped
    return node, dropped


def condition_holds(
    when: Mapping[str, Any] | None, figures: Mapping[str, Any]
) -> tuple[bool, list[str]]:
    """Whether ``when`` holds on ``figures``, and the facts that decided it."""
    reasons: list[str] = []
    for key, test in (when or {}).items():
        if key == "any":
            for branch in test:
                holds, why = condition_holds(branch, figures)
                if holds:
                    reasons.extend(why)
                    break
            else:
                return False, []
        elif key == "not":
            holds, _ = condition_holds(test, figures)
            if holds:
                return False, []
            reasons.append(f"not ({describe_condition(test)})")
        else:
            value = figures.get(key)
            if is_missing(value):
                return False, []
            for op, limit in test.items():
                symbol, compare = OPERATORS[op]
                if not compare(value, limit):
                    return False, []
                reasons.append(f"{key} = {_show(value)} {symbol} {_show(limit)}")
    return True, reasons


def describe_condition(when: Mapping[str, Any] | None) -> str:
    """The condition as a reader would say it (``barriers_z ≥ 0.3``)."""
    parts = []
    for key, test in (when or {}).items():
        if key == "any":
            parts.append("(" + " or ".join(describe_condition(b) for b in test) + ")")
        elif key == "not":
            parts.append(f"not ({describe_condition(test)})")
        else:
            parts.extend(f"{key} {OPERATORS[op][0]} {_show(limit)}" for op, limit in test.items())
    return " and ".join(parts) or ALWAYS


class _Figures(dict):
    """Placeholders a text names but the figures lack stay as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill_text(template: Any, figures: Mapping[str, Any]) -> Any:
    """``template`` with ``{figure}`` placeholders filled; any other value as is.

    A content editor's typo in a placeholder never breaks the run: a text
    that cannot be filled is returned unchanged.
    """
    if isinstance(template, str):
        if "{" not in template:
            return template
        try:
            return string.Formatter().vformat(template, (), _Figures(figures))
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            return template
    if isinstance(template, Mapping):
        return {k: fill_text(v, figures) for k, v in template.items()}
    if isinstance(template, list):
        return [fill_text(v, figures) for v in template]
    return template


def is_rule_set(node: Any) -> bool:
    return isinstance(node, Mapping) and "rules" in node


def rule_ids(node: Any) -> list[str]:
    """Every rule id in a (nested) rule set, in order."""
    if is_rule_set(node):
        return [str(rule["id"]) for rule in node["rules"]]
    if isinstance(node, Mapping):
        return [i for child in node.values() for i in rule_ids(child)]
    return []


def rule_set_problems(node: Any, known_figures: set[str], where: str = "playbook") -> list[str]:
    """Every problem of a (nested) rule set: bad match mode, rule without id, unknown figure or operator."""
    if is_rule_set(node):
        problems = []
        match = node.get("match", "all")
        if match not in MATCH_MODES:
            problems.append(f"{where}: match must be one of {MATCH_MODES}, got '{match}'")
        for rule in node["rules"]:
            if "id" not in rule:
                problems.append(f"{where}: a rule has no id: {rule!r}")
            else:
                problems.extend(
                    condition_problems(rule.get("when"), known_figures, str(rule["id"]))
                )
        return problems
    if isinstance(node, Mapping):
        return [
            p
            for name, child in node.items()
            for p in rule_set_problems(child, known_figures, f"{where}.{name}")
        ]
    return []


def check_rule_sets(node: Any, known_figures: set[str], where: str = "playbook") -> None:
    """Validate a (nested) rule set before any persona is evaluated."""
    problems = rule_set_problems(node, known_figures, where)
    if problems:
        raise RuleError("; ".join(problems))


def recommendation(
    rule_id: str, content: Mapping[str, Any], why: str, figures: Mapping[str, Any]
) -> dict[str, Any]:
    """One recommendation: what to do, the rule that says so, and why."""
    return {"rule": rule_id, **fill_text(dict(content), figures), "why": why}


def apply_rule_set(rule_set: Mapping[str, Any], figures: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The recommendations of the rules that fire on ``figures``."""
    fired = []
    for rule in rule_set["rules"]:
        holds, reasons = condition_holds(rule.get("when"), figures)
        if holds:
            fired.append(
                recommendation(
                    str(rule["id"]),
                    rule.get("recommend", {}),
                    " and ".join(reasons) or ALWAYS,
                    figures,
                )
            )
            if rule_set.get("match", "all") == "first":
                break
    return fired


def apply_rules(node: Mapping[str, Any], figures: Mapping[str, Any]) -> Any:
    """Evaluate a (nested) rule set; the result keeps the nesting."""
    if is_rule_set(node):
        return apply_rule_set(node, figures)
    return {name: apply_rules(child, figures) for name, child in node.items()}
