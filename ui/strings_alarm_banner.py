"""Strings of the alarm banner, the audible alert and the alarm marks in the device tree and
point table (English, Chinese); merged into ui.i18n.STRINGS."""

ALARM_BANNER_STRINGS: dict[str, dict[str, str]] = {}
