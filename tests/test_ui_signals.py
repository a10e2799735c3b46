"""The bus-to-Qt adapter: batches merge, the screen refreshes at a bounded rate."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from app.drivers_api import LinkState
from app.events import LINK, POINTS, EventBus
from app.points import PointValue
from tests import ui_support  # noqa: F401  (sets QT_QPA_PLATFORM before Qt starts)
from ui.signals import BusAdapter

pytestmark = pytest.mark.timeout(30)


def test_a_burst_of_batches_becomes_one_merged_refresh(qtbot):
    bus = EventBus()
    adapter = BusAdapter(bus, max_rate_hz=4.0)
    received: list[dict] = []
    adapter.points_changed.connect(received.append)
    with qtbot.waitSignal(adapter.points_changed, timeout=2000):
        for i in range(200):
            bus.publish(POINTS, {"pv1.p": PointValue(float(i), i), f"x.p{i % 3}": PointValue(1, i)})
    assert len(received) == 1
    assert received[0]["pv1.p"].value == 199.0  # latest value per point wins
    assert set(received[0]) == {"pv1.p", "x.p0", "x.p1", "x.p2"}
    adapter.close()


def test_refreshes_are_spaced_by_the_interval(qtbot):
    bus = EventBus()
    adapter = BusAdapter(bus, max_rate_hz=10.0)  # 100 ms
    stamps: list[float] = []
    adapter.points_changed.connect(lambda _: stamps.append(time.monotonic()))
    for round_ in range(3):
        with qtbot.waitSignal(adapter.points_changed, timeout=2000):
            bus.publish(POINTS, {"a.b": PointValue(round_, round_)})
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert len(stamps) == 3 and all(g >= 0.09 for g in gaps), gaps
    adapter.close()


def test_link_states_coalesce_per_device(qtbot):
    bus = EventBus()
    adapter = BusAdapter(bus)
    with qtbot.waitSignal(adapter.links_changed, timeout=2000) as blocker:
        bus.publish(LINK, LinkState("pv1", False, "timeout", 1.0))
        bus.publish(LINK, LinkState("pv1", True, "ok", 2.0))
        bus.publish(LINK, LinkState("pv2", False, "refused", 2.0))
    links = blocker.args[0]
    assert links["pv1"].up and not links["pv2"].up
    adapter.close()


def test_events_from_another_thread_arrive_on_the_gui_thread(qtbot):
    bus = EventBus()
    adapter = BusAdapter(bus)
    seen: list[threading.Thread] = []
    adapter.points_changed.connect(lambda _: seen.append(threading.current_thread()))
    with qtbot.waitSignal(adapter.points_changed, timeout=2000):
        worker = threading.Thread(target=bus.publish, args=(POINTS, {"a.b": PointValue(1, 1)}))
        worker.start()
        worker.join()
    assert seen == [threading.main_thread()]
    adapter.close()


def test_close_stops_delivery(qtbot):
    bus = EventBus()
    adapter = BusAdapter(bus)
    received: list[dict] = []
    adapter.points_changed.connect(received.append)
    adapter.close()
    bus.publish(POINTS, {"a.b": PointValue(1, 1)})
    with qtbot.assertNotEmitted(adapter.points_changed, wait=300):
        pass
    assert received == []
