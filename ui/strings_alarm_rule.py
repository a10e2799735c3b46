"""Strings of the alarm-rule editor, the point table's context menu and the permission
tooltips of the console's panels (English, Chinese); merged into ui.i18n.STRINGS."""

ALARM_RULE_STRINGS: dict[str, dict[str, str]] = {
    # permissions: a greyed-out control says which one is missing
    "perm.name.acknowledge": {"en": "Acknowledge alarms", "zh": "确认报警"},
    "perm.name.shelve": {"en": "Shelve alarms", "zh": "搁置报警"},
    "perm.name.control": {"en": "Control", "zh": "控制操作"},
    "perm.name.edit_alarms": {"en": "Edit alarm limits", "zh": "修改报警限值"},
    "perm.missing": {
        "en": "Not permitted: {user} lacks the “{name}” permission ({permission})",
        "zh": "无权限：用户 {user} 没有“{name}”权限（{permission}）",
    },
    # point table context menu
    "table.menu.trend": {"en": "Add to trend", "zh": "加入趋势图"},
    "table.menu.alarm_rule": {"en": "Alarm limits…", "zh": "报警限值…"},
    # the alarm-rule dialog
    "rule.title": {"en": "Alarm limits — {point}", "zh": "报警限值 — {point}"},
    "rule.point": {"en": "{name} ({point}) · {kind}", "zh": "{name}（{point}）· {kind}"},
    "rule.unit": {"en": "Limits in {unit}", "zh": "限值单位：{unit}"},
    "rule.no_rule": {
        "en": "The point has no alarm rule yet: set a limit to add one.",
        "zh": "该测点尚无报警规则：设置限值即可新增。",
    },
    "rule.col.level": {"en": "Level", "zh": "等级"},
    "rule.col.limit": {"en": "Limit", "zh": "限值"},
    "rule.col.priority": {"en": "Priority", "zh": "优先级"},
    "rule.level.hh": {"en": "HH (high-high)", "zh": "高高限 (HH)"},
    "rule.level.h": {"en": "H (high)", "zh": "高限 (H)"},
    "rule.level.l": {"en": "L (low)", "zh": "低限 (L)"},
    "rule.level.ll": {"en": "LL (low-low)", "zh": "低低限 (LL)"},
    "rule.level_tip": {
        "en": "Unticked: the point has no {level} alarm",
        "zh": "不勾选：该测点无{level}报警",
    },
    "rule.deadband": {"en": "Deadband", "zh": "死区"},
    "rule.deadband_tip": {
        "en": "An active high alarm clears only below limit − deadband (a low one only above"
        " limit + deadband)",
        "zh": "高限报警须低于“限值 − 死区”才恢复（低限报警须高于“限值 + 死区”）",
    },
    "rule.on_delay": {"en": "On-delay", "zh": "触发延时"},
    "rule.on_delay_tip": {
        "en": "The condition must hold this long before the alarm becomes active",
        "zh": "条件须持续该时长，报警才触发",
    },
    "rule.off_delay": {"en": "Off-delay", "zh": "恢复延时"},
    "rule.off_delay_tip": {
        "en": "The condition must be clear this long before the alarm returns to normal",
        "zh": "条件须消失该时长，报警才恢复",
    },
    "rule.when": {"en": "Abnormal when the value is", "zh": "异常值"},
    "rule.when.0": {"en": "0 (off)", "zh": "0（分）"},
    "rule.when.1": {"en": "1 (on)", "zh": "1（合）"},
    "rule.priority": {"en": "Priority", "zh": "优先级"},
    "rule.reason": {"en": "Reason", "zh": "原因"},
    "rule.reason_hint": {
        "en": "Why the rule changes (required)",
        "zh": "修改原因（必填）",
    },
    "rule.user": {"en": "User: {user}", "zh": "用户：{user}"},
    "rule.audited": {
        "en": "Applied at once; journaled and audited with the user and the reason; kept"
        " across restarts.",
        "zh": "立即生效；连同用户和原因记入报警日志和审计记录；重启后仍保留。",
    },
    "rule.read_only": {
        "en": "Read only: {user} lacks the “Edit alarm limits” permission (edit_alarms).",
        "zh": "只读：用户 {user} 没有“修改报警限值”权限（edit_alarms）。",
    },
    "rule.ok": {"en": "Apply", "zh": "应用"},
    "rule.cancel": {"en": "Cancel", "zh": "取消"},
    "rule.close": {"en": "Close", "zh": "关闭"},
    "rule.reset": {"en": "Reset to station rule", "zh": "恢复电站规则"},
    "rule.reset_tip": {
        "en": "Drop the console's edits of this point: the rule of the device template and"
        " the station file applies again (needs a reason too)",
        "zh": "撤销控制台对该测点的修改：恢复设备模板和电站配置中的规则（同样需填写原因）",
    },
    "rule.nothing": {"en": "Nothing changed.", "zh": "没有修改。"},
    "rule.busy": {"en": "Applying…", "zh": "正在应用…"},
    "rule.error": {"en": "Not applied: {error}", "zh": "未应用：{error}"},
    "rule.unreadable": {
        "en": "The alarm rule of {point} cannot be read: {error}",
        "zh": "无法读取 {point} 的报警规则：{error}",
    },
}
