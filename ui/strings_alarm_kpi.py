"""The alarm KPI report's labels (ui/alarm_kpi.py), English and Chinese; merged into
ui.i18n.STRINGS. Priority names come from ``alarms.priority.*`` (ui/strings_alarm_list.py)."""

from __future__ import annotations

ALARM_KPI_STRINGS: dict[str, dict[str, str]] = {
    "kpi.title": {"en": "Alarm KPIs", "zh": "报警指标"},
    "kpi.period": {"en": "Period", "zh": "统计周期"},
    "kpi.period.24h": {"en": "Last 24 h", "zh": "最近 24 小时"},
    "kpi.period.7d": {"en": "Last 7 days", "zh": "最近 7 天"},
    "kpi.period.30d": {"en": "Last 30 days", "zh": "最近 30 天"},
    "kpi.compute": {"en": "Compute", "zh": "计算"},
    "kpi.computing": {"en": "Computing…", "zh": "正在计算…"},
    "kpi.computed": {"en": "Computed at {time}", "zh": "计算于 {time}"},
    "kpi.failed": {"en": "Not computed: {error}", "zh": "未能计算：{error}"},
    "kpi.range": {"en": "From … to ({zone})", "zh": "起止时间（{zone}）"},
    "kpi.range_value": {"en": "{start} … {end}", "zh": "{start} … {end}"},
    "kpi.activations": {"en": "Alarms (activations)", "zh": "报警次数（触发）"},
    "kpi.average": {"en": "Per day on average", "zh": "日均报警次数"},
    "kpi.average_value": {"en": "{n} per day", "zh": "每天 {n} 次"},
    "kpi.average_high": {
        "en": "{n} per day — above the ISA-18.2 guide of about 150",
        "zh": "每天 {n} 次 — 高于 ISA-18.2 建议的约 150 次",
    },
    "kpi.flood_time": {"en": "Time in flood", "zh": "报警泛滥时长"},
    "kpi.export": {"en": "Export violations", "zh": "逆流超限"},
    "kpi.export_value": {
        "en": "{n} · {kwh} kWh above the limit · longest {longest} min",
        "zh": "{n} 次 · 超限电量 {kwh} kWh · 最长 {longest} 分钟",
    },
    "kpi.export_hint": {
        "en": "Export above the limit + tolerance for longer than the alarm delay "
        "(protection.export_limit)",
        "zh": "逆流超过限值加容差且持续超过报警延时（protection.export_limit）",
    },
    "kpi.flood_value": {
        "en": "{minutes} min in {n} flood(s)",
        "zh": "{minutes} 分钟，共 {n} 次泛滥",
    },
    "kpi.flood_hint": {
        "en": "A flood is more than 10 alarms in 10 minutes.",
        "zh": "10 分钟内超过 10 条报警即为报警泛滥。",
    },
    "kpi.per_day": {"en": "Alarms per day", "zh": "每日报警次数"},
    "kpi.col.day": {"en": "Day (UTC)", "zh": "日期（UTC）"},
    "kpi.col.count": {"en": "Alarms", "zh": "次数"},
    "kpi.mix": {"en": "Priority mix", "zh": "优先级分布"},
    "kpi.col.priority": {"en": "Priority", "zh": "优先级"},
    "kpi.col.share": {"en": "Share", "zh": "占比"},
    "kpi.col.target": {"en": "Target", "zh": "目标"},
    "kpi.col.note": {"en": "Note", "zh": "说明"},
    "kpi.mix.above": {"en": "above target", "zh": "高于目标"},
    "kpi.mix.below": {"en": "below target", "zh": "低于目标"},
    "kpi.mix.few": {
        "en": "Fewer than {n} alarms: too few to judge the mix.",
        "zh": "报警少于 {n} 次：不足以评价优先级分布。",
    },
    "kpi.top": {"en": "Top 10 most frequent", "zh": "最频繁的 10 条报警"},
    "kpi.col.alarm": {"en": "Alarm", "zh": "报警"},
    "kpi.chattering": {
        "en": "Chattering (3 or more within 60 s)",
        "zh": "振荡报警（60 秒内 3 次及以上）",
    },
    "kpi.col.peak": {"en": "Most within 60 s", "zh": "60 秒内最多次数"},
    "kpi.stale": {"en": "Stale (active > 24 h)", "zh": "长期报警（持续 > 24 小时）"},
    "kpi.col.since": {"en": "Active since ({zone})", "zh": "开始时间（{zone}）"},
    "kpi.col.hours": {"en": "Hours active", "zh": "持续小时数"},
    "kpi.none": {"en": "none", "zh": "无"},
}
