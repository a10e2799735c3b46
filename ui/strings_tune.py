"""Strings of *Tune rules…* (the control panel's button and ui/tune_dialog.py), English and
Chinese; merged into ui.i18n.STRINGS."""

TUNE_STRINGS: dict[str, dict[str, str]] = {
    # the control panel's button
    "control.tune": {"en": "Tune rules…", "zh": "规则自整定…"},
    "control.tune.tip": {
        "en": "Backtest the rule strategies' parameters on this station's recorded history "
        "(up to the last 28 days) and propose the cheapest as a new control version.",
        "zh": "用本站记录的历史数据（最多最近 28 天）回测规则策略的参数，"
        "并将费用最低的一组作为新的控制配置版本提出。",
    },
    "control.tune_done": {
        "en": "Tuned rules stored as {version}; the control loop runs them.",
        "zh": "整定后的规则已保存为 {version}，控制回路正在运行该版本。",
    },
    # the dialog
    "tune.title": {"en": "Tune rules", "zh": "规则自整定"},
    "tune.intro": {
        "en": "Backtests candidate parameters of the rule strategies (demand limit, reserve "
        "and charge windows, SOC targets) on the station's recorded history and proposes the "
        "cheapest. Nothing changes until you apply it.",
        "zh": "在本站记录的历史数据上回测规则策略的候选参数（需量限值、储备与充电时段、SOC "
        "目标），给出费用最低的方案。在您应用之前，不会做任何更改。",
    },
    "tune.reading": {"en": "Reading the history…", "zh": "正在读取历史数据…"},
    "tune.running": {
        "en": "Backtesting candidates… {n} done ({elapsed} s). This takes up to a minute.",
        "zh": "正在回测候选参数…已完成 {n} 个（{elapsed} 秒），最长约需一分钟。",
    },
    "tune.error": {"en": "Tuning failed: {error}", "zh": "自整定失败：{error}"},
    # not enough history (the demo's data folder usually has minutes of it)
    "tune.refused.no_history": {
        "en": "Cannot tune: this station's data folder has no recorded history of {point}. "
        "Tuning needs at least {need} days of it.",
        "zh": "无法自整定：本站数据目录中没有 {point} 的历史记录。自整定至少需要 {need} 天的数据。",
    },
    "tune.refused.short_history": {
        "en": "Not enough history to tune on: the data folder holds {have} of recorded "
        "history{span}. Tuning needs at least {need} whole days without a gap. Let the "
        "station run longer, or tune on exported CSVs with “main.py tune --load --pv”.",
        "zh": "历史数据不足，无法自整定：数据目录中只有 {have} 的记录{span}。自整定至少需要"
        "连续无缺口的 {need} 个完整天。请让电站运行更长时间，或用导出的 CSV 运行"
        "“main.py tune --load --pv”。",
    },
    "tune.refused.span": {"en": " ({first} – {last})", "zh": "（{first} – {last}）"},
    "tune.refused.gap": {
        "en": " The recorded history has a gap at {time}.",
        "zh": "历史记录在 {time} 处有缺口。",
    },
    "tune.amount.days": {"en": "{n} days", "zh": "{n} 天"},
    "tune.amount.hours": {"en": "{n} hours", "zh": "{n} 小时"},
    "tune.amount.minutes": {"en": "{n} minutes", "zh": "{n} 分钟"},
    # the proposal
    "tune.window": {"en": "Tuned on", "zh": "整定区间"},
    "tune.window.value": {
        "en": "{start} – {end} ({days} days; {n} backtests at {step} s)",
        "zh": "{start} – {end}（{days} 天；{n} 次回测，步长 {step} 秒）",
    },
    "tune.proposal": {"en": "Proposal", "zh": "方案"},
    "tune.bill_current": {"en": "Bill, running {label}", "zh": "电费（当前 {label}）"},
    "tune.bill_proposed": {"en": "Bill, proposal", "zh": "电费（方案）"},
    "tune.bill_without": {"en": "Bill, no storage", "zh": "电费（无储能）"},
    "tune.bill.value": {
        "en": "{bill} ({ratio} of the optimal saving)",
        "zh": "{bill}（达到最优节省的 {ratio}）",
    },
    "tune.not_backtested": {
        "en": "not available (the running section does not backtest)",
        "zh": "不可用（当前配置无法回测）",
    },
    "tune.saving": {
        "en": "The proposal saves {amount} on the window against {label}.",
        "zh": "在该区间上，方案比 {label} 节省 {amount}。",
    },
    "tune.dearer": {
        "en": "The proposal costs {amount} more on the window than {label}.",
        "zh": "在该区间上，方案比 {label} 多花 {amount}。",
    },
    "tune.notes": {"en": "Notes", "zh": "说明"},
    "tune.diff": {"en": "Changes against {label}", "zh": "相对 {label} 的更改"},
    "tune.no_change": {
        "en": "The proposal equals the running version {label}: nothing to apply.",
        "zh": "方案与当前运行的版本 {label} 相同：无需应用。",
    },
    "tune.apply": {"en": "Apply…", "zh": "应用…"},
    "tune.cancel": {"en": "Cancel", "zh": "取消"},
    "tune.close": {"en": "Close", "zh": "关闭"},
    # the confirmation
    "tune.confirm.what": {
        "en": "Control configuration: tuned rule parameters",
        "zh": "控制配置：整定后的规则参数",
    },
    "tune.confirm.new": {"en": "new version (tuned)", "zh": "新版本（整定）"},
    "tune.confirm.note": {
        "en": "Stores the proposal as a new control version and runs it at once (changes to "
        "cycle, heartbeat or takeover at the next start). Audited; a rollback restores {label}.",
        "zh": "将方案保存为新的控制配置版本并立即运行（周期、心跳或接管的更改在下次启动时生效）。"
        "操作将记入审计；可回滚到 {label}。",
    },
    "tune.applying": {"en": "Storing the new version…", "zh": "正在保存新版本…"},
    "tune.apply_failed": {"en": "Not applied: {error}", "zh": "未应用：{error}"},
}
