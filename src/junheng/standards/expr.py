"""Indicator expressions: readable arithmetic over field keys, as in DHIS2 indicators.

A numerator or denominator is a small arithmetic expression over the field
keys of the catalogue (:mod:`junheng.domain.fields`), the pack's named
variables and its numeric parameters, e.g.
``"teachers_postgrad + teachers_bachelor + teachers_associate"`` or
``"teaching_aux_area - subtract_indoor_sports * indoor_sports_area"``.
Only ``+ - * /``, parentheses, numbers and names are allowed; anything else is
rejected when the pack is loaded (STYLE.md, DHIS2: "expressions use readable
codes, never opaque ids").
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


class ExpressionError(ValueError):
    """An expression uses syntax other than ``+ - * /``, numbers and names."""


@dataclass(frozen=True)
class Expression:
    """A parsed arithmetic expression; ``names`` are the identifiers it reads."""

    text: str
    names: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> Expression:
        try:
            tree = ast.parse(str(text).strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"表达式语法错误 / syntax error: {text!r}") from exc
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Constant):
                if not isinstance(node.value, int | float) or isinstance(node.value, bool):
                    raise ExpressionError(f"只允许数字常量 / only numeric constants: {text!r}")
            elif isinstance(node, ast.BinOp):
                if type(node.op) not in _BINOPS:
                    raise ExpressionError(f"只允许 + - * / / only + - * /: {text!r}")
            elif isinstance(node, ast.UnaryOp):
                if not isinstance(node.op, ast.USub | ast.UAdd):
                    raise ExpressionError(f"不支持的运算 / unsupported operator: {text!r}")
            elif not isinstance(node, ast.Expression | ast.Load | ast.operator | ast.unaryop):
                raise ExpressionError(f"不支持的写法 / unsupported syntax ({type(node).__name__}): {text!r}")
        return cls(str(text).strip(), frozenset(names))

    def evaluate(self, namespace: Mapping[str, Any]) -> Any:
        """Evaluate with ``namespace`` mapping names to numbers or pandas/numpy columns."""
        tree = ast.parse(self.text, mode="eval")
        return _eval(tree.body, namespace)


def _eval(node: ast.AST, ns: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return float(node.value)  # type: ignore[arg-type]  # parse() admits only int/float constants
    if isinstance(node, ast.Name):
        if node.id not in ns:
            raise ExpressionError(f"未知名称 / unknown name: {node.id}")
        return ns[node.id]
    if isinstance(node, ast.BinOp):
        return _BINOPS[type(node.op)](_eval(node.left, ns), _eval(node.right, ns))
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, ns)
        return -value if isinstance(node.op, ast.USub) else value
    raise ExpressionError(f"不支持的写法 / unsupported syntax: {ast.dump(node)}")
