"""Hand a :class:`LinearProgram` to HiGHS (highspy) and return status and column values."""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from app.optimizer.inputs import FloatArray
from app.optimizer.lp import LinearProgram

SOLVER_NAME = "HiGHS (highspy)"
# relative MIP gap at which the (rare) exclusivity MIP stops: 0.1 % of a day's cost is well
# inside the forecast error, and the default 0.01 % can take HiGHS tens of seconds on a plan
# whose demand charge is small (many near-equal schedules)
MIP_REL_GAP = 1e-3


def solver_version() -> str:
    h = highspy.Highs()
    return f"{SOLVER_NAME} {h.version()}"


@dataclass(frozen=True)
class Solution:
    status: str  # "optimal" | "infeasible" | "unbounded" | other HiGHS status text
    x: FloatArray
    objective: float
    note: str = ""  # e.g. a MIP stopped at the time limit with a feasible solution


def solve(lp: LinearProgram, time_limit_s: float = 30.0) -> Solution:
    n_col, n_row = lp.layout.num_col, lp.num_row
    rows = np.asarray(lp.rows, dtype=np.int32)
    cols = np.asarray(lp.cols, dtype=np.int32)
    vals = np.asarray(lp.vals, dtype=np.float64)
    order = np.lexsort((rows, cols))  # column-wise, rows ascending within a column
    rows, cols, vals = rows[order], cols[order], vals[order]
    start = np.searchsorted(cols, np.arange(n_col + 1)).astype(np.int32)

    model = highspy.HighsLp()
    model.num_col_ = n_col
    model.num_row_ = n_row
    model.col_cost_ = lp.cost
    model.col_lower_ = lp.col_lower
    model.col_upper_ = lp.col_upper
    model.row_lower_ = np.asarray(lp.row_lower, dtype=np.float64)
    model.row_upper_ = np.asarray(lp.row_upper, dtype=np.float64)
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.num_col_ = n_col
    model.a_matrix_.num_row_ = n_row
    model.a_matrix_.start_ = start
    model.a_matrix_.index_ = rows
    model.a_matrix_.value_ = vals
    if lp.integer_cols:
        integrality = [highspy.HighsVarType.kContinuous] * n_col
        for c in lp.integer_cols:
            integrality[c] = highspy.HighsVarType.kInteger
        model.integrality_ = integrality

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    if lp.integer_cols:
        h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
    h.passModel(model)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        x = np.asarray(h.getSolution().col_value, dtype=np.float64)
        return Solution("optimal", x, float(h.getInfo().objective_function_value))
    info = h.getInfo()
    feasible = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if lp.integer_cols and status == highspy.HighsModelStatus.kTimeLimit and feasible:
        x = np.asarray(h.getSolution().col_value, dtype=np.float64)
        note = f"MIP stopped at the {time_limit_s:g} s time limit, gap {info.mip_gap:.2%}"
        return Solution("optimal", x, float(info.objective_function_value), note)
    if status == highspy.HighsModelStatus.kInfeasible:
        return Solution("infeasible", np.zeros(0), float("nan"))
    unbounded = (
        highspy.HighsModelStatus.kUnbounded,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    )
    if status in unbounded:
        return Solution("unbounded_or_infeasible", np.zeros(0), float("nan"))
    return Solution(h.modelStatusToString(status), np.zeros(0), float("nan"))
