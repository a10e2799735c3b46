"""Every label the console shows, in English and Chinese.

Point and device names come from the station files (``I18nText.text(lang)``); everything
else on screen goes through ``tr``. A missing Chinese text falls back to English, a missing
key shows the key itself (visible, so it gets noticed and fixed).
"""

from __future__ import annotations

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


def tr(key: str, lang: str = "en", **fmt: object) -> str:
    """The text for ``key`` in ``lang`` (English fallback), formatted with ``fmt``."""
    entry = STRINGS.get(key)
    if entry is None:
        text = key
    else:
        text = entry.get("zh" if lang.startswith("zh") else "en") or entry["en"]
    return text.format(**fmt) if fmt else text
