"""What a forecast statement is made of, as data: lines, identities between them, and a hierarchy of nodes.

Every series of a statement is one (level, node, line). The bottom series are the leaf nodes' additive lines;
every other series (parents, the total, identity lines such as profit) is a signed sum of bottom series, one row
of the summing matrix `S` (as in Nixtla's hierarchicalforecast; an accounting identity is one more row).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bizai.errors import DataContractError
from bizai.schema import require_columns, require_non_empty, rows_at, shorten

log = logging.getLogger(__name__)

TOTAL_LEVEL = "total"
TOTAL_NODE = "Total"
TERM = re.compile(r"\s*([+-]?)\s*([A-Za-z_][A-Za-z0-9_ ]*?)\s*(?=[+-]|$)")
DIGITS = re.compile(r"\d+")


def natural_key(label: object) -> str:
    """A node's sort key with the numbers in it compared by value: store '2' before '10', '1 / 9' before '1 / 10'
    (Walmart's stores and departments are numbers; sorted as text they ran 1, 10, 11, ..., 2)."""
    return DIGITS.sub(lambda digits: digits.group().zfill(20), str(label))


def parse_identity(name: str, expression: str, names: list[str] = ()) -> dict[str, float]:
    """'revenue - cost' -> {'revenue': 1.0, 'cost': -1.0}: the signed terms, each a line or identity name. Of
    `names` (the lines and identities), those holding a sign or a digit ('pre-tax profit', 'marketing-spend') are
    read whole wherever they occur, longest first, not split at their sign."""
    text = expression.strip()
    whole = sorted((n for n in names if re.search(r"[+\-]|^\d", n)), key=len, reverse=True)
    placeholders = {f"name_{i}_": n for i, n in enumerate(whole)}
    for placeholder, original in placeholders.items():
        text = text.replace(original, placeholder)
    terms, position = {}, 0
    for match in TERM.finditer(text):
        if match.start() != position or not match.group(2):
            break
        sign, line = match.group(1), match.group(2).strip()
        line = placeholders.get(line, line)
        terms[line] = terms.get(line, 0.0) + (-1.0 if sign == "-" else 1.0)
        position = match.end()
    if position != len(text) or not terms:
        ratio = (f" A ratio is shown beside the lines, never forecast: define the lines it divides as identities and "
                 f"give it as ratios={{{name!r}: 'profit / revenue'}} (CLI --ratio {name}=profit/revenue); margin = "
                 "profit / revenue is shown by default.") if re.search(r"[/*]", text) else ""
        raise DataContractError(f"Identity {name!r} = {expression!r} is not a sum or difference of lines, such as "
                                f"'revenue - cost - marketing'.{ratio}")
    return terms


def resolve_identities(identities: dict[str, str], lines: list[str]) -> dict[str, dict[str, float]]:
    """Each identity as coefficients over the additive lines. An identity may name other identities (gross profit
    = revenue - cost; operating profit = gross profit - overheads), in any order; a cycle or an unknown name is an
    error naming it."""
    known = [*lines, *identities]
    terms = {name: parse_identity(name, expression, known) for name, expression in identities.items()}
    resolved: dict[str, dict[str, float]] = {}

    def expand(name: str, trail: tuple[str, ...]) -> dict[str, float]:
        if name in resolved:
            return resolved[name]
        if name in trail:
            cycle = " -> ".join([*trail[trail.index(name):], name])
            raise DataContractError(f"Identities refer to each other in a circle ({cycle}); one must use lines only.")
        unknown = [term for term in terms[name] if term not in lines and term not in terms]
        if unknown:
            raise DataContractError(
                f"Identity {name!r} = {identities[name]!r} names {shorten(unknown)}, which is not one of the lines "
                f"{shorten(lines)}" + (f" or identities {shorten(list(terms))}" if len(terms) > 1 else "")
                + "; identities combine the additive lines (and other identities).")
        out: dict[str, float] = {}
        for term, sign in terms[name].items():
            for line, weight in ({term: 1.0} if term in lines else expand(term, (*trail, name))).items():
                out[line] = out.get(line, 0.0) + sign * weight
        resolved[name] = {line: weight for line, weight in out.items() if weight != 0.0}
        if not resolved[name]:
            raise DataContractError(f"Identity {name!r} = {identities[name]!r} is always 0: its lines cancel out.")
        return resolved[name]

    return {name: expand(name, ()) for name in terms}


@dataclass(frozen=True)
class StatementLines:
    """Additive lines (caller column per line), identities over them, and ratios shown but never forecast."""

    lines: dict[str, str]  # line name -> caller column
    identities: dict[str, dict[str, float]]  # identity name -> {line: coefficient}
    ratios: dict[str, tuple[str, str]]  # ratio name -> (numerator line, denominator line)

    @classmethod
    def from_arguments(cls, lines, identities=None, ratios=None) -> StatementLines:
        """Lines from a name, a list or a {line: column} mapping, with identities and ratios checked against them."""
        if isinstance(lines, str | list | tuple):
            lines = {name: name for name in ([lines] if isinstance(lines, str) else lines)}
        if not lines:
            raise DataContractError("lines must name at least one column, e.g. lines={'revenue': 'revenue'}.")
        names = list(lines)
        clash = [name for name in (identities or {}) if name in lines]
        if clash:
            raise DataContractError(f"Identity name(s) {shorten(clash)} are also lines; give the identity another name.")
        parsed = resolve_identities(dict(identities or {}), names)
        every = [*names, *parsed]
        parsed_ratios = {}
        for name, expression in (ratios or {}).items():
            parts = [p.strip() for p in str(expression).split("/")]
            if len(parts) != 2 or any(p not in every for p in parts):
                raise DataContractError(f"Ratio {name!r} = {expression!r} must be 'line / line' over {shorten(every)}.")
            parsed_ratios[name] = (parts[0], parts[1])
        return cls(dict(lines), parsed, parsed_ratios)

    @property
    def all_lines(self) -> list[str]:
        """The additive lines, then the identities."""
        return [*self.lines, *self.identities]

    def coefficients(self, line: str) -> dict[str, float]:
        """A line as coefficients over the additive lines."""
        return {line: 1.0} if line in self.lines else self.identities[line]


@dataclass
class Hierarchy:
    """The tree: `leaves` maps each leaf id to its path (one value per level, top to bottom)."""

    levels: list[str]  # caller columns, top to bottom; the last one is the leaf id
    leaves: pd.DataFrame  # columns = levels, one row per leaf

    @property
    def level_names(self) -> list[str]:
        """The total level, then the caller's levels top to bottom."""
        return [TOTAL_LEVEL, *self.levels]

    def nodes(self) -> pd.DataFrame:
        """(level, node) of every node, total first, each level's nodes sorted."""
        parts = [pd.DataFrame({"level": [TOTAL_LEVEL], "node": [TOTAL_NODE]})]
        for level in self.levels:
            values = sorted(self.leaves[level].astype(str).unique(), key=natural_key)
            parts.append(pd.DataFrame({"level": level, "node": values}))
        return pd.concat(parts, ignore_index=True)

    def membership(self) -> pd.DataFrame:
        """For every (level, node), the leaves under it: columns level, node, leaf."""
        leaf = self.levels[-1]
        rows = [pd.DataFrame({"level": TOTAL_LEVEL, "node": TOTAL_NODE, "leaf": self.leaves[leaf].astype(str)})]
        for level in self.levels:
            rows.append(pd.DataFrame({"level": level, "node": self.leaves[level].astype(str),
                                      "leaf": self.leaves[leaf].astype(str)}))
        return pd.concat(rows, ignore_index=True)


def build_hierarchy(frame: pd.DataFrame, levels: list[str], time_col: str) -> Hierarchy:
    """Validate the hierarchy columns and return the tree.

    A leaf whose parents change over time is moved under its latest parents (warned, naming it); a node under two
    parents at the same time, an empty hierarchy value or an empty level is an error naming the offenders.
    """
    require_non_empty(frame, "statement")
    require_columns(frame, levels, "statement")
    leaf = levels[-1]
    for level in levels:
        missing = frame[level].isna()
        if missing.any():
            raise DataContractError(f"Hierarchy column {level!r} is empty in rows {rows_at(frame, missing)}; "
                                    "every row needs a value at every level.")
    ordered = frame.sort_values(time_col, kind="stable")
    latest = ordered.groupby(leaf, sort=True)[levels[:-1]].last().reset_index() if len(levels) > 1 else (
        pd.DataFrame({leaf: sorted(frame[leaf].unique())}))
    for level in levels[:-1]:
        moved = frame.groupby(leaf)[level].nunique()
        moved = moved[moved > 1]
        if len(moved):
            log.warning("%d %s value(s) appear under more than one %s over time; each is placed under its latest %s: %s",
                        len(moved), leaf, level, level, shorten(moved.index.astype(str).tolist()))
    latest = latest[levels]
    for upper, lower in zip(levels[:-1], levels[1:], strict=False):
        parents = latest.groupby(lower)[upper].nunique()
        doubled = parents[parents > 1]
        if len(doubled):
            examples = latest[latest[lower].isin(doubled.index)].groupby(lower)[upper].unique().head(3)
            described = "; ".join(f"{node!r} under {shorten(list(map(str, ups)))}" for node, ups in examples.items())
            # each upper value under one lower value: the two levels were most likely given bottom first
            reversed_fits = lower != leaf and bool((latest.groupby(upper)[lower].nunique() == 1).all())
            hint = (f" The hierarchy lists levels top first: is {lower!r} above {upper!r} (hierarchy="
                    f"{[*levels[:levels.index(upper)], lower, upper, *levels[levels.index(lower) + 1:]]!r})?"
                    if reversed_fits else " A node has one parent: give such nodes distinct names (e.g. 'Kitchen/Other').")
            raise DataContractError(
                f"{lower} value(s) {shorten(doubled.index.astype(str).tolist())} sit under more than one {upper} "
                f"({described}).{hint}"
            )
    for level in levels[:-1]:
        if latest[level].nunique() == 1:
            log.warning("Level %r has a single node (%r): it repeats the total.", level, str(latest[level].iloc[0]))
    return Hierarchy(list(levels), latest.reset_index(drop=True))


@dataclass
class SeriesIndex:
    """All series of a statement (rows of S) and the bottom series (columns of S)."""

    series: pd.DataFrame  # level, node, line, key: one row per series
    bottom: pd.DataFrame  # leaf, line, key: one row per bottom series
    summing: np.ndarray  # S, len(series) x len(bottom)

    def bottom_positions(self) -> np.ndarray:
        """Positions of the bottom series (leaf node x additive line) in the series order."""
        return self.series.index[self.series["key"].isin(self.bottom["key"])].to_numpy()


def series_key(level: str, node: str, line: str) -> str:
    """The key of one statement series: level|node|line."""
    return f"{level}|{node}|{line}"


def build_series_index(hierarchy: Hierarchy, lines: StatementLines) -> SeriesIndex:
    """Every (level, node, line) and the summing matrix from the leaves' additive lines."""
    leaf_level = hierarchy.levels[-1]
    leaves = hierarchy.leaves[leaf_level].astype(str).tolist()
    bottom = pd.DataFrame([(leaf, line) for leaf in leaves for line in lines.lines], columns=["leaf", "line"])
    bottom["key"] = [series_key(leaf_level, leaf, line) for leaf, line in zip(bottom["leaf"], bottom["line"], strict=True)]
    column_of = {(leaf, line): i for i, (leaf, line) in enumerate(zip(bottom["leaf"], bottom["line"], strict=True))}
    members = hierarchy.membership().groupby(["level", "node"], sort=False)["leaf"].apply(list)
    rows, matrix = [], []
    for (level, node), under in members.items():
        for line in lines.all_lines:
            row = np.zeros(len(bottom))
            for additive, coefficient in lines.coefficients(line).items():
                for leaf in under:
                    row[column_of[(leaf, additive)]] += coefficient
            rows.append((level, node, line, series_key(level, node, line)))
            matrix.append(row)
    series = pd.DataFrame(rows, columns=["level", "node", "line", "key"])
    order = {name: i for i, name in enumerate(hierarchy.level_names)}
    line_order = {name: i for i, name in enumerate(lines.all_lines)}
    sort = np.lexsort((series["line"].map(line_order), series["node"], series["level"].map(order)))
    return SeriesIndex(series.iloc[sort].reset_index(drop=True), bottom, np.asarray(matrix)[sort])
