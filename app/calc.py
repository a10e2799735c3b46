"""Calculated points: small arithmetic expressions over other points' values.

An expression such as ``pv1.p + pv2.p`` or ``-(meter_grid.p_export - meter_grid.p_import)``
is parsed once with ``ast`` into a closure; only arithmetic, numbers, point ids and a few
functions are allowed (no ``eval``). The result's quality is the worst of its inputs', and
its timestamp the newest input's.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from app.points import PointValue, Quality

_BINOPS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_FUNCS: dict[str, Callable[..., float]] = {"max": max, "min": min, "abs": abs}

Evaluator = Callable[[Mapping[str, float]], float]


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Expression:
    text: str
    refs: frozenset[str]
    _fn: Evaluator

    def evaluate(self, values: Mapping[str, PointValue], now: float) -> PointValue:
        inputs: dict[str, float] = {}
        quality = Quality.GOOD
        ts = 0.0
        for ref in self.refs:
            pv = values.get(ref)
            if pv is None or pv.value is None:
                return PointValue(None, now, Quality.BAD_COMM_LOST if pv else Quality.BAD)
            inputs[ref] = float(pv.value)
            quality = max(quality, pv.quality)
            ts = max(ts, pv.ts)
        try:
            result = self._fn(inputs)
        except (ZeroDivisionError, OverflowError, ValueError):
            return PointValue(None, ts or now, Quality.BAD_INVALID)
        if not math.isfinite(result):
            return PointValue(None, ts or now, Quality.BAD_INVALID)
        return PointValue(result, ts or now, Quality(quality))


def _point_id(node: ast.expr) -> str | None:
    """``pv1.p`` parses as Attribute(Name('pv1'), 'p'): rebuild the dotted id."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and parts:
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def compile_expression(text: str) -> Expression:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression: {exc.msg}") from None
    refs: set[str] = set()

    def build(node: ast.expr) -> Evaluator:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            const = float(node.value)
            return lambda env: const
        pid = _point_id(node)
        if pid is not None:
            refs.add(pid)
            return lambda env: env[pid]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            op = _BINOPS[type(node.op)]
            left, right = build(node.left), build(node.right)
            return lambda env: op(left(env), right(env))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = build(node.operand)
            sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
            return lambda env: sign * inner(env)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCS
            and not node.keywords
            and node.args
        ):
            fn = _FUNCS[node.func.id]
            args = [build(a) for a in node.args]
            return lambda env: fn(*(a(env) for a in args))
        raise ExpressionError(f"not allowed in an expression: {ast.unparse(node)!r}")

    fn = build(tree.body)
    return Expression(text, frozenset(refs), fn)


def calculation_order(refs: Mapping[str, frozenset[str]]) -> list[str]:
    """Calculated ids ordered so each comes after the calculated points it uses.

    ``refs`` maps each calculated id to the ids its expression reads; a cycle is a ValueError.
    """
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(pid: str, chain: tuple[str, ...]) -> None:
        if state.get(pid) == 2:
            return
        if state.get(pid) == 1:
            raise ValueError(f"calculated points form a cycle: {' -> '.join((*chain, pid))}")
        state[pid] = 1
        for ref in sorted(refs[pid]):
            if ref in refs:
                visit(ref, (*chain, pid))
        state[pid] = 2
        order.append(pid)

    for pid in sorted(refs):
        visit(pid, ())
    return order
