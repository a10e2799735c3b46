"""Strings of the alarm lists (active, shelved), their dialogs and the alarm history view
(English, Chinese); merged into ui.i18n.STRINGS."""

ALARM_LIST_STRINGS: dict[str, dict[str, str]] = {}
