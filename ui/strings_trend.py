"""Strings of the trend's pens (legend chips, remove / undo / restore), English and Chinese;
merged into ui.i18n.STRINGS."""

TREND_STRINGS: dict[str, dict[str, str]] = {
    "trend.chip.tip": {
        "en": "{point}\nClick to hide or show; × or right click to remove",
        "zh": "{point}\n单击隐藏或显示；点 × 或右键移除",
    },
    "trend.chip.hidden": {"en": "{label} — hidden", "zh": "{label}（已隐藏）"},
    "trend.hide": {"en": "Hide", "zh": "隐藏"},
    "trend.show": {"en": "Show", "zh": "显示"},
    "trend.remove_pen": {"en": "Remove pen", "zh": "移除曲线"},
    "trend.remove_pen.tip": {"en": "Remove {label} from the trend", "zh": "从趋势图中移除{label}"},
    "trend.undo": {"en": "Undo remove", "zh": "撤销移除"},
    "trend.undo.tip": {
        "en": "Put back the pens the last remove, Clear or Restore took away (Ctrl+Z)",
        "zh": "恢复上一次移除、清除或恢复默认时去掉的曲线（Ctrl+Z）",
    },
    "trend.defaults": {"en": "Default pens", "zh": "默认曲线"},
    "trend.defaults.tip": {
        "en": "Show the default pens (site balance) again; Undo remove brings back the others",
        "zh": "重新显示默认曲线（站点功率平衡）；“撤销移除”可找回其他曲线",
    },
}
