"""Strings of the control panel's setpoint entry, its confirmation and the controlled unit's
link line (English, Chinese); merged into ui.i18n.STRINGS."""

CONTROL_STRINGS: dict[str, dict[str, str]] = {
    # the setpoint entry starts blank: nothing stale can be sent
    "control.entry_empty": {"en": "type a value", "zh": "请输入数值"},
    "control.enter_value": {
        "en": "Type the value to set first.",
        "zh": "请先输入要设定的数值。",
    },
    # the confirmation: exactly what is written, and what the battery does now
    "control.writes": {
        "en": "Writes {point} = {value} (> 0 discharges): {action}.",
        "zh": "将写入 {point} = {value}（> 0 为放电）：{action}。",
    },
    "control.writes_plain": {"en": "Writes {point} = {value}.", "zh": "将写入 {point} = {value}。"},
    "control.action.discharge": {"en": "discharge {power}", "zh": "放电 {power}"},
    "control.action.charge": {"en": "charge {power}", "zh": "充电 {power}"},
    "control.action.idle": {"en": "neither charge nor discharge", "zh": "不充不放"},
    "control.measured": {
        "en": "Measured battery power now: {value} ({state}).",
        "zh": "当前实测储能功率：{value}（{state}）。",
    },
    "control.measured_none": {
        "en": "Measured battery power now: not available ({quality}).",
        "zh": "当前实测储能功率：不可用（{quality}）。",
    },
    "control.state.discharging": {"en": "discharging", "zh": "放电中"},
    "control.state.charging": {"en": "charging", "zh": "充电中"},
    "control.state.idle": {"en": "idle", "zh": "待机"},
    # the controlled unit's link: shown in red while commands do not reach it
    "control.link_lost": {
        "en": "PCS {device} link lost since {time} — commands not delivered",
        "zh": "PCS {device} 通信中断（自 {time} 起）— 指令未下发",
    },
    "control.commands_failing": {
        "en": "Commands to PCS {device} failing since {time} — not delivered",
        "zh": "PCS {device} 指令下发失败（自 {time} 起）— 未送达",
    },
}
