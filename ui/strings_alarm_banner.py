"""Strings of the alarm banner, the audible alert and the alarm marks in the device tree and
point table (English, Chinese); merged into ui.i18n.STRINGS."""

ALARM_BANNER_STRINGS: dict[str, dict[str, str]] = {
    # priority words and states (the words beside every alarm colour: colour is never the
    # only cue)
    "mark.priority.critical": {"en": "CRITICAL", "zh": "紧急"},
    "mark.priority.high": {"en": "HIGH", "zh": "高"},
    "mark.priority.medium": {"en": "MEDIUM", "zh": "中"},
    "mark.priority.low": {"en": "LOW", "zh": "低"},
    "mark.state.unack": {"en": "unack", "zh": "未确认"},
    "mark.state.acked": {"en": "acked", "zh": "已确认"},
    "mark.state.rtn_unack": {"en": "cleared, unack", "zh": "已恢复未确认"},
    "mark.chattering": {"en": "chattering", "zh": "频繁报警"},
    # point table column and cell, device tree mark
    "mark.col.alarm": {"en": "Alarm", "zh": "报警"},
    "mark.cell": {"en": "{priority} · {state}", "zh": "{priority} · {state}"},
    "mark.cell_more": {"en": "{priority} · {state} (+{n})", "zh": "{priority} · {state}（+{n}）"},
    "mark.tree": {"en": "{priority} · {n}", "zh": "{priority} · {n}"},
    "mark.more": {"en": "… and {n} more", "zh": "……另有 {n} 条"},
    "mark.tree_tip": {"en": "{n} active alarms:", "zh": "{n} 条活动报警："},
    "mark.line": {
        "en": "{priority} · {state} — {message}",
        "zh": "{priority} · {state} — {message}",
    },
    # banner
    "banner.none": {"en": "No unacknowledged alarms", "zh": "无未确认报警"},
    "banner.more": {"en": "+{n} more unacknowledged", "zh": "另有 {n} 条未确认"},
    "banner.count": {"en": "{priority} {n}", "zh": "{priority} {n}"},
    "banner.count_unack": {
        "en": "{priority} {n} ({unack} unack)",
        "zh": "{priority} {n}（{unack} 未确认）",
    },
    "banner.count_tip": {
        "en": "{priority}: {n} active, {unack} unacknowledged",
        "zh": "{priority}：活动 {n} 条，未确认 {unack} 条",
    },
    "banner.ack": {"en": "Acknowledge", "zh": "确认"},
    "banner.ack_tip": {
        "en": "Acknowledge the alarm shown, as {user}",
        "zh": "以 {user} 的身份确认所示报警",
    },
    "banner.ack_comment": {"en": "acknowledged from banner", "zh": "从报警横幅确认"},
    "banner.ack_failed": {"en": "Not acknowledged: {error}", "zh": "未确认：{error}"},
    "banner.list": {"en": "Alarm list", "zh": "报警列表"},
    "banner.list_tip": {"en": "Open the list of active alarms", "zh": "打开活动报警列表"},
    "banner.sound_on": {"en": "Sound on", "zh": "声音开"},
    "banner.sound_muted": {"en": "Sound muted", "zh": "已静音"},
    "banner.sound_tip": {
        "en": "Audible alert for new high and critical alarms on this workstation "
        "(the setting is kept for this workstation)",
        "zh": "本工作站对新的高级和紧急报警发出声音提示（设置保存在本工作站）",
    },
    "banner.shown_tip": {
        "en": "{time}\n{alarm_id} ({source})\n{message}",
        "zh": "{time}\n{alarm_id}（{source}）\n{message}",
    },
}
