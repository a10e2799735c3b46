"""Test scenarios a commissioning engineer can play on the demo plant (`--scenario NAME`).

Each scenario changes the plant as a function of the time elapsed since the simulator
started (simulated seconds), so a run is repeatable:

- ``load_spike``: from the 10th second the load steps up to about 900 kW for five minutes
  (a large press or chiller starting), then falls back to its profile.
- ``pv_surplus``: clear sky and the load at a third of its profile, so PV runs well above
  load (export limiting has work to do); starts at noon unless --sim-start says otherwise.
- ``over_temperature``: from the 10th second the battery container's cooling fails and the
  cells heat by 0.12 °C/s, through the BMS's derate band (45 °C) and its stop limit (55 °C).
- ``comm_fault``: the PCS stops answering from the 10th to the 30th second, then resumes.
"""

from __future__ import annotations

from dataclasses import dataclass

FAULT_START_S = 10.0


@dataclass(frozen=True)
class Scenario:
    name: str
    load_kw: float | None = None  # load held at this level during the window
    load_window_s: tuple[float, float] | None = None
    load_scale: float = 1.0  # whole-run factor on the load profile
    cloudiness: float | None = None  # overrides the configured cloudiness
    default_start: str | None = None  # sim start when none is given
    heating_c_per_s: float = 0.0  # extra cell heating from FAULT_START_S on
    silent_device: str | None = None
    silent_window_s: tuple[float, float] | None = None

    def load(self, elapsed_s: float, profile_kw: float) -> float:
        """The load with the scenario applied (kW)."""
        kw = profile_kw * self.load_scale
        window = self.load_window_s
        if self.load_kw is not None and window and window[0] <= elapsed_s < window[1]:
            # keep the profile's small wiggle on top of the held level
            kw = self.load_kw + 0.02 * (profile_kw - 600.0)
        return kw

    def heating(self, elapsed_s: float) -> float:
        """Extra cell heating (°C/s)."""
        return self.heating_c_per_s if elapsed_s >= FAULT_START_S else 0.0

    def silent(self, device_id: str, elapsed_s: float) -> bool:
        window = self.silent_window_s
        return (
            device_id == self.silent_device
            and window is not None
            and (window[0] <= elapsed_s < window[1])
        )


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("none"),
        Scenario("load_spike", load_kw=900.0, load_window_s=(FAULT_START_S, FAULT_START_S + 300)),
        Scenario("pv_surplus", load_scale=1 / 3, cloudiness=0.0, default_start="12:00"),
        Scenario("over_temperature", heating_c_per_s=0.12),
        Scenario(
            "comm_fault",
            silent_device="pcs1",
            silent_window_s=(FAULT_START_S, FAULT_START_S + 20),
        ),
    )
}


def scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        known = ", ".join(sorted(SCENARIOS))
        raise ValueError(f"unknown scenario {name!r} (known: {known})") from None
