"""The report's words in its language, from ``report.labels`` and ``report.values``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from segmentation.codebook import fall_back_language


class Labels:
    """Look up the report's texts in the configured language.

    ``ui("overview.response_rate")`` reads ``report.labels.<lang>``;
    ``value("constructs", "mobile_use")`` reads ``report.values`` and falls
    back to the first language, then to the key itself. The languages and which of them
    read right to left are ``report.languages`` and ``report.rtl_languages``
    (``${globals:languages}``, ``${globals:rtl_languages}``).
    """

    def __init__(self, report: Mapping[str, Any]):
        language = str(report.get("language") or report["languages"][0])
        self.language = fall_back_language(
            language, list(report["labels"]), "the report's labels (report.labels)"
        )
        self.languages = list(report["languages"])
        self._rtl_languages = set(report["rtl_languages"])
        self._ui = report["labels"][self.language]
        self._fallback = report["labels"][report["languages"][0]]
        self._values = report.get("values") or {}
        # the range the report's means are on ("1-5", "1-7", "0-100"), for texts that name it as {scale_range}
        self._scale_range = (report.get("score_axis") or {}).get("range", "")

    @property
    def rtl(self) -> bool:
        return self.language in self._rtl_languages

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    def ui(self, path: str, **figures: Any) -> str:
        text = self._walk(self._ui, path)
        if text is None:
            text = self._walk(self._fallback, path)
        if text is None:
            return path
        if "{scale_range}" in str(text):
            figures = {"scale_range": self._scale_range, **figures}
        if figures:
            try:
                return str(text).format(**figures)
            except (KeyError, ValueError, TypeError, IndexError):
                return str(text)
        return str(text)

    def section(self, path: str) -> dict[str, str]:
        found = self._walk(self._ui, path)
        return dict(found) if isinstance(found, Mapping) else {}

    @staticmethod
    def _walk(tree: Any, path: str) -> Any:
        node = tree
        for part in path.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node

    def value(self, kind: str, key: Any) -> str:
        entry = (self._values.get(kind) or {}).get(str(key))
        if isinstance(entry, Mapping):
            return self.localised(entry) or str(key)
        if isinstance(entry, str):
            return entry
        return str(key)

    def construct(self, key: str) -> str:
        return self.value("constructs", key)

    def localised(self, text: Any) -> str:
        """A ``{language: text}`` mapping (or a plain string) in the report's language, else
        in the first configured language that has it."""
        if isinstance(text, Mapping):
            found = [text.get(lang) for lang in [self.language, *self.languages]]
            return str(next((t for t in found if t), ""))
        return "" if text is None else str(text)

    def other_language(self, text: Mapping[str, str]) -> str:
        """``text`` in the first configured language other than the report's ('' without one)."""
        return next(
            (text[lang] for lang in self.languages if lang != self.language and text.get(lang)), ""
        )
