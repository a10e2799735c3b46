"""Strategy 7's optimiser: the day-ahead LP (HiGHS) and its MPC re-planning helper.

Plain numpy arrays in, a :class:`Plan` out; Qt-free, no I/O. See docs/optimizer.md.
"""

from app.optimizer.cost import ScheduleCost, schedule_cost, soc_trajectory, thirds_rule
from app.optimizer.executor import (
    INLINE,
    InlineExecutor,
    PlanExecutor,
    ThreadExecutor,
    on_event_loop,
)
from app.optimizer.inputs import PlanInputs, full_power_soc_window
from app.optimizer.mpc import REPLAN_PERIOD_S, replan, step_start
from app.optimizer.plan import Plan
from app.optimizer.planner import plan_day
from app.optimizer.solve import solver_version

__all__ = [
    "INLINE",
    "REPLAN_PERIOD_S",
    "InlineExecutor",
    "Plan",
    "PlanExecutor",
    "PlanInputs",
    "ScheduleCost",
    "ThreadExecutor",
    "full_power_soc_window",
    "on_event_loop",
    "plan_day",
    "replan",
    "schedule_cost",
    "soc_trajectory",
    "solver_version",
    "step_start",
    "thirds_rule",
]
