"""Persona names and descriptions in English and Hebrew, by the rules in parameters.

A name depends only on a persona's profile (its Cohen's d values), never on a
cluster number, so the same people get the same name whatever order the
clusterer found them in. Duplicates are resolved in persona-id order, which
is itself canonical. Names and descriptions are written in every language of
``naming.languages`` (``${globals:languages}``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from segmentation.demographics import band_translation
from segmentation.handoff import language_key as name_key  # the profiles' hand-over to the report
from segmentation.roles import SINGLE, role_construct, survey_roles


def level(d: float | None, threshold: float, words: tuple[str, str, str]) -> str:
    """``words`` = (high, middle, low) by whether d passes +-threshold; missing is middle."""
    high, middle, low = words
    if d is None:
        return middle
    if d >= threshold:
        return high
    if d <= -threshold:
        return low
    return middle


def noun_for(profile: Mapping[str, Any], naming: Mapping[str, Any]) -> dict[str, str]:
    """The noun: by level of the noun construct (e.g. innovativeness) and relative age."""
    rule = naming["noun_by"]
    innov = level(
        profile["construct_d"].get(rule["construct"]), naming["level_d"], ("high", "mid", "low")
    )
    age = level(
        profile["hr_d"].get(rule["age_feature"]), naming["level_d"], ("older", "middle", "younger")
    )
    return dict(naming["nouns"][innov][age])


def ranked_trait_words(
    profile: Mapping[str, Any], naming: Mapping[str, Any], min_d: float
) -> list[dict]:
    """Trait words for this persona, strongest |d| first, skipping the noun's construct.

    Each word carries ``order``, its construct's place in ``naming.trait_words``:
    a name lists its words in that order, so that "Low-key Desk Veterans" never
    becomes "Desk Low-key Veterans" when two traits swap strength between runs.
    """
    skip = {naming["noun_by"]["construct"]}
    ranked = []
    for order, (construct, words) in enumerate(naming["trait_words"].items()):
        d = profile["construct_d"].get(construct)
        if construct in skip or d is None or abs(d) < min_d:
            continue
        direction = "high" if d > 0 else "low"
        if words.get(direction):
            ranked.append((-abs(d), construct, {**dict(words[direction]), "order": order}))
    return [words for _, _, words in sorted(ranked, key=lambda t: (t[0], t[1]))]


def defining_hr_word(profile: Mapping[str, Any], naming: Mapping[str, Any]) -> dict | None:
    """The word of an HR value most of the persona shares (``naming.hr_words``), e.g. Frontline at 87%."""
    rule = naming.get("hr_words") or {}
    best = None
    for field, values in (rule.get("fields") or {}).items():
        cells = ((profile.get("demographics") or {}).get(field) or {}).get("cells") or {}
        for value, words in values.items():
            share = (cells.get(value) or {}).get("share")
            if (
                share is not None
                and share >= rule["min_share"]
                and (best is None or share > best[0])
            ):
                best = (share, dict(words))
    return best[1] if best else None


def compose_name(
    noun: Mapping[str, str],
    words: list[dict],
    templates: Mapping[str, str],
    languages: Iterable[str],
) -> dict[str, str]:
    """Fill each language's template; Hebrew puts the adjectives after the noun."""
    names = {}
    for lang in languages:
        traits = " ".join(w[lang] for w in words)
        names[lang] = " ".join(templates[lang].format(traits=traits, noun=noun[lang]).split())
    return names


def _unique_candidates(profile, naming):
    """Names from the preferred one to ever longer, less preferred ones."""
    noun = noun_for(profile, naming)
    hr_word = defining_hr_word(profile, naming)
    preferred = ranked_trait_words(profile, naming, naming["trait_min_d"])
    extra = [w for w in ranked_trait_words(profile, naming, 0.0) if w not in preferred]
    words = preferred + extra
    # A defining HR trait takes the place of the weaker trait word, nearest the noun.
    n_first = min(naming["max_trait_words"] - (1 if hr_word else 0), len(preferred))

    def chosen(n: int) -> list[dict]:
        return sorted(words[:n], key=lambda w: w["order"]) + ([hr_word] if hr_word else [])

    languages = naming["languages"]
    for n in range(n_first, len(words) + 1):
        yield compose_name(noun, chosen(n), naming["templates"], languages)
    last = compose_name(noun, chosen(n_first), naming["templates"], languages)
    yield {lang: f"{last[lang]} ({profile['persona_id']})" for lang in languages}


def name_all(
    profiles: list[Mapping[str, Any]], naming: Mapping[str, Any], taken: Iterable[str] = ()
) -> list[dict[str, str]]:
    """One unique name per profile in both languages, in the given (canonical) order,
    never one of the ``taken`` names (those of earlier waves' personas)."""
    taken = set(taken)
    names = []
    for profile in profiles:
        for candidate in _unique_candidates(profile, naming):
            if not taken.intersection(candidate.values()):
                break
        taken.update(candidate.values())
        names.append(candidate)
    return names


def _join(parts: list[str], text: Mapping[str, str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return text["joiner"].join(parts[:-1]) + text["last_joiner"] + parts[-1]


def _strength(d: float, naming: Mapping[str, Any], lang: str) -> str:
    direction = "high" if d > 0 else "low"
    for band in naming["strength_words"]:
        if abs(d) >= band["min_d"]:
            return band[direction][lang]
    return naming["strength_words"][-1][direction][lang]


def _largest_cell(mix: Mapping[str, Any] | None) -> tuple[str, float] | None:
    cells = (mix or {}).get("cells", {})
    if not cells:
        return None
    label = max(cells, key=lambda c: (cells[c]["count"], c))
    return label, cells[label]["share"]


def describe(
    profile: Mapping[str, Any],
    name: str,
    lang: str,
    naming: Mapping[str, Any],
    age_band_labels: Mapping[str, str],
) -> str:
    """Two or three sentences: size, strongest traits, and the typical adopter and age mix."""
    text = naming["description"][lang]
    if profile.get("suppressed"):
        return text["suppressed"].format(name=name)
    sentences = [
        text["size"].format(
            name=name, share_pct=round(100 * profile["share"]), size=profile["size"]
        )
    ]
    traits = [
        text["trait"].format(
            strength=_strength(t["d"], naming, lang),
            label=naming["labels"].get(t["construct"], {}).get(lang, t["construct"]),
        )
        for t in profile["top_traits"]
    ]
    sentences.append(
        text["traits"].format(traits=_join(traits, text)) if traits else text["no_traits"]
    )
    adopter = _largest_cell(profile.get("adopter_mix"))
    age_band = _largest_cell(profile.get("demographics", {}).get("age_band"))
    if adopter and age_band:
        sentences.append(
            text["mix"].format(
                adopter=naming["adopter_labels"].get(adopter[0], {}).get(lang, adopter[0]),
                adopter_pct=round(100 * adopter[1]),
                age_band=age_band_labels.get(age_band[0], age_band[0]),
            )
        )
    return " ".join(sentences)


# --------------------------------------------------------------------------- the node


def naming_for_survey(naming: dict, questionnaire: dict) -> dict:
    """The naming settings with role names read as the survey's constructs.

    ``noun_by.construct: innovativeness`` reads the survey's innovativeness
    construct, whatever it is called; its trait words and label serve that
    construct when the settings have none of its own.
    """
    roles = survey_roles(questionnaire)
    aliases = {
        role: construct
        for role in SINGLE
        if (construct := role_construct(roles, role)) and construct != role
    }
    noun_by = {
        **naming["noun_by"],
        "construct": aliases.get(naming["noun_by"]["construct"], naming["noun_by"]["construct"]),
    }
    trait_words = {
        **{aliases[k]: v for k, v in naming["trait_words"].items() if k in aliases},
        **naming["trait_words"],
    }
    labels = {
        **{aliases[k]: v for k, v in naming["labels"].items() if k in aliases},
        **naming["labels"],
    }
    return {**naming, "noun_by": noun_by, "trait_words": trait_words, "labels": labels}


def name_personas(
    persona_statistics: dict,
    naming: dict,
    hr_params: dict,
    questionnaire: dict,
    persona_alignment: dict | None = None,
) -> dict:
    """Add unique English and Hebrew names and a short description to every profile.

    With a ``persona_alignment``, a persona matched to the previous wave keeps
    its name; a new one gets a name no earlier persona had.
    """
    naming = naming_for_survey(naming, questionnaire)
    profiles = [persona_statistics[p] for p in persona_statistics]
    languages = list(naming["languages"])
    kept = {
        p["persona_id"]: {lang: p.get(name_key(lang, languages)) for lang in languages}
        for p in (persona_alignment or {}).get("personas", [])
        if all(p.get(name_key(lang, languages)) for lang in languages)
    }
    taken = {
        *(persona_alignment or {}).get("used_names", []),
        *(n for v in kept.values() for n in v.values()),
    }
    fresh = iter(name_all([p for p in profiles if p["persona_id"] not in kept], naming, taken))
    names = [kept.get(p["persona_id"]) or next(fresh) for p in profiles]
    bands = hr_params["age_bands"]
    named = {}
    for profile, name in zip(profiles, names, strict=True):
        entry = {name_key(lang, languages): name[lang] for lang in languages} | profile
        for lang in languages:
            band_labels = band_translation(bands, lang)  # from the stored band labels
            entry[name_key(lang, languages, "description")] = describe(
                profile, name[lang], lang, naming, band_labels
            )
        named[profile["persona_id"]] = entry
    return named
