"""Alarm texts in the operator's two languages (English and Chinese).

A rule's ``message:`` is a string (the same text in both languages) or a mapping
``{en: ..., zh: ...}``; ``message_text`` validates either with an error on the field that
names the bad key or value. The engine builds every message in both languages; a journal
entry keeps the Chinese beside the English (``JournalEntry.message_zh``, empty when the
same).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.config.schema import I18nText

_KEYS = ("en", "zh")

AlarmText = I18nText
"""``message: {en: Breaker tripped, zh: 断路器跳闸}``: the labels' own two-language text."""


def message_text(value: Any) -> Any:
    """A field validator (mode before) for ``message``: a string, or a mapping of en/zh."""
    if isinstance(value, str) and not value:
        raise ValueError("give a non-empty text")
    if value is None or isinstance(value, str | AlarmText):
        return value
    if not isinstance(value, Mapping):
        raise ValueError("give a text, or a mapping {en: ..., zh: ...}")
    unknown = [str(k) for k in value if k not in _KEYS]
    if unknown:
        raise ValueError(f"unknown key {', '.join(map(repr, unknown))} (keys: en, zh)")
    for key in _KEYS:
        text = value.get(key)
        if (key == "en" or text is not None) and (not isinstance(text, str) or not text):
            raise ValueError(f"{key}: give a non-empty text (got {text!r})")
    return AlarmText.model_validate(dict(value))  # only the keys given: dumps as written


def en_zh(message: str | AlarmText | None, default_en: str, default_zh: str) -> tuple[str, str]:
    """The rule's message in English and Chinese, or the defaults when it has none."""
    if message is None:
        return default_en, default_zh
    if isinstance(message, str):
        return message, message
    return message.en, message.zh or message.en
