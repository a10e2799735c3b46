"""Every label the console shows, in English and Chinese.

Point and device names come from the station files (``I18nText.text(lang)``); everything
else on screen goes through ``tr``. A missing Chinese text falls back to English, a missing
key shows the key itself (visible, so it gets noticed and fixed).
"""

from __future__ import annotations

from ui.strings_alarm_banner import ALARM_BANNER_STRINGS
from ui.strings_alarm_kpi import ALARM_KPI_STRINGS
from ui.strings_alarm_list import ALARM_LIST_STRINGS
from ui.strings_alarm_rule import ALARM_RULE_STRINGS
from ui.strings_control import CONTROL_STRINGS
from ui.strings_trend import TREND_STRINGS
from ui.strings_tune import TUNE_STRINGS

LANGUAGES = {"en": "English", "zh": "中文"}

STRINGS: dict[str, dict[str, str]] = {
    # window and menus
    "app.name": {"en": "EMS Console", "zh": "能量管理控制台"},
    "menu.view": {"en": "&View", "zh": "视图(&V)"},
    "menu.language": {"en": "Language", "zh": "语言"},
    # overview: power tiles
    "overview.power": {"en": "Station power", "zh": "电站功率"},
    "overview.energy": {"en": "Today's energy", "zh": "今日电量"},
    "tile.pv": {"en": "PV", "zh": "光伏"},
    "tile.load": {"en": "Load", "zh": "负荷"},
    "tile.grid": {"en": "Grid", "zh": "电网"},
    "tile.bess": {"en": "Battery", "zh": "储能"},
    "tile.soc": {"en": "Battery SOC", "zh": "储能 SOC"},
    "dir.importing": {"en": "importing", "zh": "下网（购电）"},
    "dir.exporting": {"en": "exporting", "zh": "上网（售电）"},
    "dir.charging": {"en": "charging", "zh": "充电"},
    "dir.discharging": {"en": "discharging", "zh": "放电"},
    "dir.idle": {"en": "idle", "zh": "待机"},
    "dir.generating": {"en": "generating", "zh": "发电"},
    "dir.consuming": {"en": "consuming", "zh": "用电"},
    # overview: energy tiles
    "energy.pv": {"en": "PV generation", "zh": "光伏发电"},
    "energy.load": {"en": "Consumption", "zh": "用电量"},
    "energy.grid_import": {"en": "Grid import", "zh": "下网电量"},
    "energy.grid_export": {"en": "Grid export", "zh": "上网电量"},
    "energy.bess_charge": {"en": "BESS charge", "zh": "储能充电"},
    "energy.bess_discharge": {"en": "BESS discharge", "zh": "储能放电"},
    "value.none": {"en": "—", "zh": "—"},
    "value.no_data": {"en": "no data", "zh": "无数据"},
    "value.on": {"en": "on", "zh": "开"},
    "value.off": {"en": "off", "zh": "关"},
    # device tree and point table
    "tree.title": {"en": "Devices", "zh": "设备"},
    "tree.site": {"en": "Site / calculated", "zh": "站点 / 计算量"},
    "tree.points": {"en": "{n} points", "zh": "{n} 个测点"},
    "table.title": {"en": "Points", "zh": "测点"},
    "col.id": {"en": "Point id", "zh": "测点编号"},
    "col.name": {"en": "Name", "zh": "名称"},
    "col.value": {"en": "Value", "zh": "数值"},
    "col.quality": {"en": "Quality", "zh": "品质"},
    "col.time": {"en": "Time ({zone})", "zh": "时间（{zone}）"},
    "table.hint": {
        "en": "Double-click a point to add it to the trend",
        "zh": "双击测点将其加入趋势图",
    },
    # trend
    "trend.title": {"en": "Trend", "zh": "趋势"},
    "trend.span.15m": {"en": "15 min", "zh": "15 分钟"},
    "trend.span.1h": {"en": "1 h", "zh": "1 小时"},
    "trend.span.24h": {"en": "24 h", "zh": "24 小时"},
    "trend.clear": {"en": "Clear", "zh": "清除"},
    "trend.loading": {"en": "loading history…", "zh": "正在加载历史…"},
    "trend.history_failed": {"en": "history unavailable", "zh": "历史数据不可用"},
    "trend.empty": {
        "en": "No points — double-click a point in the table",
        "zh": "无测点——在测点表中双击添加",
    },
    "trend.full": {
        "en": "At most {n} curves: remove one first",
        "zh": "最多 {n} 条曲线，请先移除一条",
    },
    "trend.remove": {"en": "Click to remove from the trend", "zh": "单击从趋势图中移除"},
    "trend.time_axis": {"en": "Time ({zone})", "zh": "时间（{zone}）"},
    # status bar
    "link.ok": {"en": "ok", "zh": "正常"},
    "link.down": {"en": "down", "zh": "中断"},
    "link.unknown": {"en": "not known yet", "zh": "未知"},
    "link.tooltip": {"en": "{name}: {state}\n{detail}", "zh": "{name}：{state}\n{detail}"},
    "stat.loop_lag_ms": {"en": "loop lag", "zh": "事件循环延迟"},
    "stat.loop_lag_max_ms": {"en": "max", "zh": "最大"},
    "stat.cycle": {
        "en": "cycle {took} ms, late {late} ms",
        "zh": "控制周期 {took} ms，延迟 {late} ms",
    },
    "stat.history_ok": {"en": "history ok", "zh": "历史库正常"},
    "stat.history_failing": {"en": "history not writing", "zh": "历史库写入失败"},
    "stat.history_lost": {"en": "history: {n} samples lost", "zh": "历史库丢失 {n} 条"},
    "status.clock": {"en": "Station time", "zh": "站点时间"},
    # control panel and its confirmation
    "control.title": {"en": "Control", "zh": "控制"},
    "control.mode": {"en": "Control mode", "zh": "控制模式"},
    "mode.auto": {"en": "Auto", "zh": "自动"},
    "mode.manual": {"en": "Manual", "zh": "手动"},
    "mode.standby": {"en": "Standby", "zh": "待机"},
    "mode.auto.note": {
        "en": "The strategies control the station again.",
        "zh": "恢复由控制策略调节电站。",
    },
    "mode.manual.note": {
        "en": "Strategies stop; operator setpoints apply, points without one go to "
        "0 kW / 100 %. Protection still limits them.",
        "zh": "策略停止；执行人工设定值，未设定的测点回到 0 kW / 100 %。保护限值仍然有效。",
    },
    "mode.standby.note": {
        "en": "Strategies stop and the PCS goes to 0 kW.",
        "zh": "策略停止，储能变流器功率回到 0 kW。",
    },
    "control.setpoint": {"en": "Operator setpoint", "zh": "人工设定值"},
    "control.set": {"en": "Set…", "zh": "设定…"},
    "control.range": {"en": "range {low} … {high}", "zh": "范围 {low} … {high}"},
    "control.pcs_sign": {"en": "> 0 discharges", "zh": "> 0 为放电"},
    "control.manual_only": {"en": "used in manual mode", "zh": "手动模式下生效"},
    "control.manual_now": {"en": "Operator setpoint now: {value}", "zh": "当前人工设定：{value}"},
    "control.none": {"en": "none", "zh": "无"},
    "control.no_points": {
        "en": "No setpoint of this station is driven by the control loop.",
        "zh": "本站没有由控制回路调节的设定点。",
    },
    "control.applies_now": {
        "en": "Applies from the next control cycle; protection may limit it.",
        "zh": "从下一个控制周期起执行；保护可能限制其数值。",
    },
    "control.applies_in_manual": {
        "en": "Stored now, applied in manual mode only (the mode is {mode}).",
        "zh": "现在保存，仅在手动模式下执行（当前模式：{mode}）。",
    },
    "control.last": {"en": "Last command — {point}", "zh": "最近指令 — {point}"},
    "control.written": {"en": "Written", "zh": "下发值"},
    "control.read_back": {"en": "Read back", "zh": "回读值"},
    "control.result": {"en": "Result", "zh": "结果"},
    "control.time": {"en": "Time", "zh": "时间"},
    "control.busy": {"en": "sending…", "zh": "正在发送…"},
    "control.mode_done": {"en": "Control mode is now {mode}.", "zh": "控制模式已切换为{mode}。"},
    "control.setpoint_done": {
        "en": "Operator setpoint {point} = {value}.",
        "zh": "人工设定值 {point} = {value}。",
    },
    "control.error": {"en": "Not done: {error}", "zh": "未执行：{error}"},
    "control.unavailable": {
        "en": "This station has no control section: the console monitors it only.",
        "zh": "本站未配置控制段：控制台仅作监视。",
    },
    "cmd.ok": {"en": "ok", "zh": "成功"},
    "cmd.sent": {"en": "sent", "zh": "已发送"},
    "cmd.mismatch": {"en": "mismatch", "zh": "回读不符"},
    "cmd.timeout": {"en": "timeout", "zh": "回读超时"},
    "cmd.failed": {"en": "failed", "zh": "失败"},
    "cmd.rejected": {"en": "rejected", "zh": "被拒绝"},
    "confirm.title": {"en": "Confirm command", "zh": "确认操作"},
    "confirm.user": {"en": "User", "zh": "用户"},
    "confirm.reason": {"en": "Reason", "zh": "原因"},
    "confirm.reason_hint": {
        "en": "required; recorded in the audit trail",
        "zh": "必填；记入审计日志",
    },
    "confirm.reason_required": {"en": "A reason is required.", "zh": "必须填写原因。"},
    "confirm.ok": {"en": "Confirm", "zh": "确认"},
    "confirm.cancel": {"en": "Cancel", "zh": "取消"},
    # quality: status and reasons (str(Quality) is 'status' or 'status:reason')
    "q.good": {"en": "good", "zh": "好"},
    "q.uncertain": {"en": "uncertain", "zh": "可疑"},
    "q.bad": {"en": "bad", "zh": "坏"},
    "q.comm_lost": {"en": "comm lost", "zh": "通信中断"},
    "q.timeout": {"en": "timeout", "zh": "超时"},
    "q.device_exception": {"en": "device exception", "zh": "设备异常"},
    "q.invalid": {"en": "invalid", "zh": "无效"},
    "q.overflow": {"en": "overflow", "zh": "溢出"},
    "q.not_topical": {"en": "not topical", "zh": "非当前值"},
    "q.blocked": {"en": "blocked", "zh": "闭锁"},
    "q.config": {"en": "config error", "zh": "配置错误"},
    "q.substituted": {"en": "substituted", "zh": "取代值"},
    "q.stale": {"en": "stale", "zh": "陈旧"},
}

# the alarm console's strings live beside its widgets (one table per part of the console)
STRINGS.update(ALARM_BANNER_STRINGS)
STRINGS.update(ALARM_KPI_STRINGS)
STRINGS.update(ALARM_LIST_STRINGS)
STRINGS.update(ALARM_RULE_STRINGS)
STRINGS.update(CONTROL_STRINGS)  # the control panel's newer texts
STRINGS.update(TUNE_STRINGS)  # Tune rules… (ui/tune_dialog.py)
STRINGS.update(TREND_STRINGS)  # the trend's pens (ui/trend_legend.py, ui/trend.py)


def tr(key: str, lang: str = "en", **fmt: object) -> str:
    """The text for ``key`` in ``lang`` (English fallback), formatted with ``fmt``."""
    entry = STRINGS.get(key)
    if entry is None:
        text = key
    else:
        text = entry.get("zh" if lang.startswith("zh") else "en") or entry["en"]
    return text.format(**fmt) if fmt else text
