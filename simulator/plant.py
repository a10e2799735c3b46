"""The whole plant: PV, load, PCS + battery, meters, transformer and breakers, stepped as one.

Everything of one instant is computed in one step and published as one Snapshot, so the
grid meter always equals load - PV - BESS for readings of the same snapshot: the energy
balance a client checks is physics, not a formula applied afterwards.

Topology (one LV bus behind a 10/0.4 kV transformer)::

    grid ── transformer ── brk_grid ──┬── meter_load ── load
                              meter_grid├── brk_pv ── pv1, pv2
                                      └── brk_bess ── pcs1 ── battery (bms1)

The meters sit on the LV side (high-voltage supply, low-voltage metering, 高供低计), so
transformer losses show only in the transformer's own HV-side readings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from app.battery import Battery, BatteryParams
from simulator.bms import Bms, BmsParams
from simulator.breaker import Breaker
from simulator.clock import Clock
from simulator.errors import WriteRejected
from simulator.grid import DEAD_BUS, Bus, GridSource, Meter
from simulator.load import Load, LoadParams
from simulator.pcs import MODE_LOCAL, Pcs, PcsParams
from simulator.pv import PvInverter, PvInverterParams
from simulator.scenarios import SCENARIOS, Scenario
from simulator.site import Site
from simulator.solar import ArrayGeometry, ClearSky
from simulator.transformer import Transformer, TransformerParams
from simulator.weather import ClimateParams, Weather

# a catch-up after a long pause takes at most this many steps (bounded work on the loop)
MAX_SUBSTEPS = 600
BREAKERS = ("grid", "pv", "bess")


@dataclass(frozen=True)
class Counters:
    """Lifetime counters at start-up, so registers look like a plant that has run for years."""

    grid_import_kwh: float = 1_284_530.0
    grid_export_kwh: float = 86_251.0
    load_import_kwh: float = 2_101_337.0
    load_export_kwh: float = 0.0
    pv_e_total_kwh: tuple[float, ...] = (612_400.0, 609_850.0)
    pcs_charge_kwh: float = 148_220.0
    pcs_discharge_kwh: float = 133_410.0
    breaker_operations: int = 37


@dataclass(frozen=True)
class PlantParams:
    pv: tuple[PvInverterParams, ...] = (
        PvInverterParams(),
        PvInverterParams(cloud_lag_s=25.0),
    )
    geometry: ArrayGeometry = field(default_factory=ArrayGeometry)
    load: LoadParams = field(default_factory=LoadParams)
    battery: BatteryParams = field(default_factory=BatteryParams)
    initial_soc: float = 0.6  # the demo starts at 60 % (issue 3)
    initial_soh: float = 0.985
    pcs: PcsParams = field(default_factory=PcsParams)
    bms: BmsParams = field(default_factory=BmsParams)
    transformer: TransformerParams = field(default_factory=TransformerParams)
    climate: ClimateParams = field(default_factory=ClimateParams)
    counters: Counters = field(default_factory=Counters)
    # longest physics step; the container's air conditioning holds the battery room near
    # 25 °C, following the outdoor air only a little
    step_s: float = 1.0
    battery_room_c: float = 25.0
    battery_room_coupling: float = 0.15


@dataclass(frozen=True)
class Snapshot:
    """Every device's readings at one instant ``t``: role -> point id -> value."""

    t: float
    readings: dict[str, dict[str, float]]

    def value(self, role: str, point: str) -> float:
        return float(self.readings[role][point])

    @property
    def pv_p(self) -> float:
        return sum(r["p"] for role, r in self.readings.items() if role.startswith("pv_inverter"))

    @property
    def load_p(self) -> float:
        return self.value("load_meter", "p")

    @property
    def grid_p(self) -> float:
        return self.value("grid_meter", "p")

    @property
    def bess_p(self) -> float:
        return self.value("pcs", "p")

    @property
    def bess_soc(self) -> float:
        return self.value("bms", "soc")


class Plant:
    def __init__(
        self,
        clock: Clock,
        params: PlantParams | None = None,
        site: Site | None = None,
        seed: int = 1,
        cloudiness: float = 0.3,
        pcs_mode: int = MODE_LOCAL,
        scenario: Scenario = SCENARIOS["none"],
    ) -> None:
        self.clock = clock
        self.scenario = scenario
        self.params = prm = params or PlantParams()
        self.site = site or Site()
        self.t = clock.now()
        self.t0 = self.t  # scenarios count from here
        self.load_offset_kw = 0.0  # a step a test or benchmark adds to the load
        self.sky = ClearSky(self.site, prm.geometry)
        self.weather = Weather(seed, cloudiness, prm.climate)
        self.grid_source = GridSource(seed)
        counters = prm.counters
        self.pv = [
            PvInverter(p, e_total_kwh=counters.pv_e_total_kwh[i % len(counters.pv_e_total_kwh)])
            for i, p in enumerate(prm.pv)
        ]
        self.load = Load(prm.load, seed)
        self.battery = Battery(prm.battery, soc=prm.initial_soc, soh=prm.initial_soh)
        self.pcs = Pcs(prm.pcs, now=self.t, mode=pcs_mode)
        self.pcs.e_charge_kwh = counters.pcs_charge_kwh
        self.pcs.e_discharge_kwh = counters.pcs_discharge_kwh
        self.bms = Bms(prm.bms, self.battery)
        self.grid_meter = Meter(counters.grid_import_kwh, counters.grid_export_kwh)
        self.load_meter = Meter(counters.load_import_kwh, counters.load_export_kwh)
        self.transformer = Transformer(prm.transformer)
        self.breakers = {
            name: Breaker(f"brk_{name}", counters.breaker_operations) for name in BREAKERS
        }
        self.bus: Bus = DEAD_BUS
        self.env: dict[str, float] = {}
        self._step(0.0)
        self.snapshot = self._readings()

    # ---- time --------------------------------------------------------------------------
    def advance_to(self, t_end: float) -> None:
        """Run the physics up to ``t_end`` in steps of at most ``step_s`` (more after a pause)."""
        gap = t_end - self.t
        if gap <= 0:
            return
        step = max(self.params.step_s, gap / MAX_SUBSTEPS)
        while t_end - self.t > 1e-9:
            self._step(min(step, t_end - self.t))

    def publish(self) -> Snapshot:
        """Freeze the current state as the snapshot that clients read."""
        self.snapshot = self._readings()
        return self.snapshot

    def refresh(self, max_age_s: float = 0.5) -> Snapshot:
        """The snapshot, renewed first if it is older than ``max_age_s`` of simulated time.

        Holding a snapshot for a while means a client's reads of all devices within one
        poll see the same instant, so their values balance exactly.
        """
        now = self.clock.now()
        if now - self.snapshot.t >= max_age_s:
            self.advance_to(now)
            self.publish()
        return self.snapshot

    # ---- control -----------------------------------------------------------------------
    def settings(self, role: str) -> dict[str, float]:
        """The live values of a device's writable points (they read back at once)."""
        target = self._writable(role)
        return target.settings() if target is not None else {}

    def write(self, role: str, point: str, value: float) -> None:
        """Apply a write from ``now`` on and publish; raises WriteRejected if refused."""
        now = self.clock.now()
        self.advance_to(now)  # the past ran with the old setting
        target = self._writable(role)
        if target is None:
            raise WriteRejected(f"{role} has no writable points")
        if isinstance(target, Pcs):
            target.write(point, value, now)
        else:
            target.write(point, value)
        self.publish()  # status bits show the command at once, as on a real device

    def trip_breaker(self, name: str) -> None:
        """Protection (or a test) opens a breaker and marks it tripped."""
        self.breakers[name].trip()

    def _writable(self, role: str) -> Pcs | PvInverter | Transformer | Breaker | None:
        kind, _, index = role.partition(":")
        if kind == "pcs":
            return self.pcs
        if kind == "pv_inverter":
            return self.pv[int(index or 0)]
        if kind == "transformer":
            return self.transformer
        if kind == "breaker":
            return self.breakers[index or "grid"]
        return None

    @property
    def roles(self) -> list[str]:
        return list(self.snapshot.readings)

    # ---- physics -----------------------------------------------------------------------
    def _step(self, dt: float) -> None:
        prm = self.params
        t = self.t + dt
        local = datetime.fromtimestamp(t, self.site.zone)
        hour = local.hour + local.minute / 60.0 + (local.second + local.microsecond / 1e6) / 3600.0
        t_amb = self.weather.ambient_c(t, hour, local.timetuple().tm_yday)
        wind = self.weather.wind_ms(t)
        ghi_clear, poa_clear = self.sky.irradiance(t)
        kt = self.weather.transmittance(t)

        grid_ok = self.breakers["grid"].closed
        pv_ok = grid_ok and self.breakers["pv"].closed
        bess_ok = grid_ok and self.breakers["bess"].closed

        for inv in self.pv:
            inv_kt = self.weather.transmittance(t - inv.params.cloud_lag_s)
            inv.step(dt, poa_clear * inv_kt, t_amb, wind, pv_ok, local.date())
        pv_kw = sum(inv.p_kw for inv in self.pv)
        load_kw = self.load.step(t, hour, local.weekday(), t_amb, ghi_clear * kt, grid_ok)
        if grid_ok:
            load_kw = self.scenario.load(t - self.t0, load_kw) + self.load_offset_kw
            self.load.p_kw = load_kw
        room_c = prm.battery_room_c + prm.battery_room_coupling * (t_amb - prm.battery_room_c)
        bess_kw = self.pcs.step(t, dt, self.battery, room_c, bess_ok, load_kw - pv_kw, hour)
        self.battery.temp_c += self.scenario.heating(t - self.t0) * dt

        grid_kw = load_kw - pv_kw - bess_kw  # Kirchhoff on the LV bus; PV and PCS at pf 1
        grid_kvar = self.load.q_kvar
        self.grid_meter.step(t, dt, grid_kw, grid_kvar)
        self.load_meter.step(t, dt, load_kw, self.load.q_kvar)
        self.transformer.step(dt, grid_kw, grid_kvar, t_amb)
        if self.transformer.over_trip:
            self.breakers["grid"].trip()

        self.bus = self.grid_source.bus(t, grid_kw, grid_ok)
        self.breakers["grid"].s_kva = math.hypot(grid_kw, grid_kvar)
        self.breakers["pv"].s_kva = pv_kw
        self.breakers["bess"].s_kva = abs(bess_kw)
        self.env = {
            "ghi": ghi_clear * kt,
            "poa": poa_clear * kt,
            "t_amb": t_amb,
            "t_module": next((i.t_module_c for i in self.pv if i.t_module_c is not None), t_amb),
            "wind": wind,
            "humidity": self.weather.humidity_pct(hour, t),
        }
        self.t = t

    def _readings(self) -> Snapshot:
        bus = self.bus
        readings: dict[str, dict[str, float]] = {}
        for i, inv in enumerate(self.pv):
            readings[f"pv_inverter:{i}"] = inv.reading(bus)
        readings["pcs"] = self.pcs.reading(bus, self.battery)
        readings["bms"] = self.bms.reading()
        readings["grid_meter"] = self.grid_meter.reading(bus)
        readings["load_meter"] = self.load_meter.reading(bus)
        readings["transformer"] = self.transformer.reading(self.grid_source.u_wander(self.t))
        for name, brk in self.breakers.items():
            readings[f"breaker:{name}"] = brk.reading(bus)
        readings["environment"] = dict(self.env)
        return Snapshot(self.t, readings)
