"""Hyper-parameter rules, declared once per estimator as data and checked when it fits.

A constructor only stores what it is given (scikit-learn's habit), so a bad value used to surface deep inside a
library ("negative dimensions are not allowed" for ALS factors=-3). An estimator lists its rules in
`hyperparameter_rules` ({"factors": Number(low=1, integer=True), "architecture.hidden": ...}: a dotted name reaches
into a settings dataclass), and `check_hyperparameters` raises a DataContractError naming the estimator, the
parameter, the value and what is expected.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

from bizai.errors import DataContractError


@dataclass(frozen=True)
class Number:
    """A real number (or an integer) within [low, high]; `above` makes the low end open; `optional` admits None."""

    low: float | None = None
    high: float | None = None
    integer: bool = False
    above: bool = False
    optional: bool = False

    def accepts(self, value: object) -> bool:
        """Whether `value` keeps the rule (a bool is not a number, NaN and infinity are not accepted)."""
        if value is None:
            return self.optional
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
            return False
        if self.integer and not isinstance(value, numbers.Integral):
            return False
        if self.low is not None and (value <= self.low if self.above else value < self.low):
            return False
        return self.high is None or value <= self.high

    def expected(self) -> str:
        """What the rule asks for, in words ("an integer of at least 1")."""
        kind = "an integer" if self.integer else "a number"
        if self.low is not None and self.high is not None:
            bounds = f" {'above' if self.above else 'from'} {self.low:g} {'up to' if self.above else 'to'} {self.high:g}"
        elif self.low is not None:
            bounds = f" {'above' if self.above else 'of at least'} {self.low:g}"
        else:
            bounds = f" of at most {self.high:g}" if self.high is not None else ""
        return kind + bounds + (", or None" if self.optional else "")


@dataclass(frozen=True)
class Flag:
    """True or False (or None, where `optional`: decide by itself)."""

    optional: bool = False

    def accepts(self, value: object) -> bool:
        """Whether `value` is a bool (or None where optional)."""
        return (value is None and self.optional) or isinstance(value, bool)

    def expected(self) -> str:
        """What the rule asks for, in words."""
        return "True or False" + (", or None (decided by itself)" if self.optional else "")


Rule = Number | Flag


def parameter_value(estimator: object, name: str) -> object:
    """The value of `name` on the estimator; a dotted name reaches into a settings object (architecture.hidden)."""
    value = estimator
    for part in name.split("."):
        value = getattr(value, part)
    return value


def check_hyperparameters(estimator: object, rules: Mapping[str, Rule]) -> None:
    """Raise DataContractError for the first parameter of `estimator` that breaks its rule."""
    for name, rule in rules.items():
        try:
            value = parameter_value(estimator, name)
        except AttributeError:  # a settings object given as something else: training={"epochs": 5}
            owner = name.rsplit(".", 1)[0]
            expected = type(parameter_value(type(estimator)(), owner)).__name__
            raise DataContractError(
                f"{type(estimator).__name__}: {owner} must be a {expected} (e.g. {expected}({name.rsplit('.', 1)[1]}="
                f"...)), got {type(parameter_value(estimator, owner)).__name__} {parameter_value(estimator, owner)!r}."
            ) from None
        if not rule.accepts(value):
            raise DataContractError(f"{type(estimator).__name__}: {name} must be {rule.expected()}, got {value!r}.")


def check_argument(name: str, value: object, rule: Rule) -> None:
    """Raise DataContractError when a method's argument (backtest's n_windows, recommend's k) breaks `rule`."""
    if not rule.accepts(value):
        raise DataContractError(f"{name} must be {rule.expected()}, got {value!r}.")
