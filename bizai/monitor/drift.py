"""Input drift: how far the newest data has moved from the data a model was trained on.

At fit, `feature_profile` records each feature's distribution (ten quantile bins for numbers, the shares of the
most frequent values for categories) and its missing share; it is saved in the model's meta.json. `input_drift`
compares new data against it with the population stability index (PSI = sum((new - train) * ln(new / train))
over the bins). The usual reading: below 0.1 stable, 0.1 to 0.25 moderate shift, above 0.25 a real shift.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bizai.errors import DataContractError
from bizai.schema import shorten

BINS = 10
TOP_CATEGORIES = 20
OTHER = "(other)"
FLOOR = 1e-4  # an empty bin counts as this share, so one empty bin does not make PSI infinite


def feature_profile(frame: pd.DataFrame, features: list[str]) -> dict[str, Any]:
    """The training distribution of each of `features` in `frame`, JSON-ready."""
    profile = {}
    for name in features:
        values = frame[name]
        missing = float(values.isna().mean()) if len(values) else 0.0
        present = values.dropna()
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            numbers = present.astype("float64")
            edges = np.unique(np.quantile(numbers, np.linspace(0, 1, BINS + 1)[1:-1])) if len(numbers) else []
            profile[name] = {"kind": "number", "edges": [float(e) for e in edges],
                             "shares": numeric_shares(numbers, np.asarray(edges)).tolist(), "missing": missing}
        else:
            shares = present.astype(str).value_counts(normalize=True)
            top = shares.iloc[:TOP_CATEGORIES]
            kept = {str(k): float(v) for k, v in top.items()}
            if len(shares) > TOP_CATEGORIES:
                kept[OTHER] = float(shares.iloc[TOP_CATEGORIES:].sum())
            profile[name] = {"kind": "category", "shares": kept, "missing": missing}
    return profile


def numeric_shares(values: pd.Series, edges: np.ndarray) -> np.ndarray:
    """Share of `values` in each bin (-inf, e1], (e1, e2], ..., (e_last, inf)."""
    counts = np.bincount(np.searchsorted(edges, values.to_numpy(), side="left"), minlength=len(edges) + 1)
    return counts / max(counts.sum(), 1)


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of two share vectors over the same bins."""
    expected = np.maximum(np.asarray(expected, dtype=float), FLOOR)
    actual = np.maximum(np.asarray(actual, dtype=float), FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def input_drift(profile: dict[str, Any], frame: pd.DataFrame) -> pd.DataFrame:
    """Per feature: psi, training and new missing share, rows compared; worst drift first.

    Every profiled feature must be in `frame` (the columns the model was trained with).
    """
    if not profile:
        raise DataContractError("The model has no feature profile to compare against; it was saved before bizai "
                                "recorded one. Refit it to monitor input drift.")
    if len(frame) == 0:
        raise DataContractError("There is no new data to compare with the training data (the frame is empty).")
    missing_cols = [name for name in profile if name not in frame.columns]
    if missing_cols:
        raise DataContractError(f"The new data lacks feature column(s) {shorten(missing_cols)} the model was "
                                "trained with; give the columns as at fit.")
    rows = []
    for name, reference in profile.items():
        values = frame[name]
        present = values.dropna()
        if reference["kind"] == "number":
            numbers = pd.to_numeric(present, errors="coerce")
            if numbers.isna().any():
                raise DataContractError(f"Column {name!r} held numbers at fit but has non-numeric values "
                                        f"{shorten(present[numbers.isna()].unique().tolist())}.")
            shares = numeric_shares(numbers.astype("float64"), np.asarray(reference["edges"]))
            index = psi(reference["shares"], shares) if len(numbers) else np.nan
        else:
            known = reference["shares"]
            labels = present.astype(str).where(present.astype(str).isin(known), OTHER)
            new = labels.value_counts(normalize=True)
            keys = sorted(set(known) | set(new.index))
            index = psi([known.get(k, 0.0) for k in keys], [float(new.get(k, 0.0)) for k in keys]) \
                if len(present) else np.nan
        rows.append({"feature": name, "psi": index, "missing_at_fit": reference["missing"],
                     "missing_now": float(values.isna().mean()), "rows": len(values)})
    return pd.DataFrame(rows).sort_values("psi", ascending=False, na_position="first", ignore_index=True)


def drift_in_words(index: float) -> str:
    """The usual reading of a population stability index: below 0.1 stable, 0.1-0.25 moving, above a real shift."""
    if index != index:  # NaN: nothing comparable (no new values)
        return "no new values"
    return "stable" if index < 0.1 else "moving" if index <= 0.25 else "a real shift"


def readable_drift(drift: pd.DataFrame) -> pd.DataFrame:
    """The drift table (feature_drift) with a verdict per input and names an analyst reads."""
    out = drift.assign(verdict=drift["psi"].map(drift_in_words))
    out = out[["feature", "verdict", *[c for c in drift.columns if c != "feature"]]]
    return out.rename(columns={"feature": "input", "psi": "drift (PSI)", "missing_at_fit": "missing when trained",
                               "missing_now": "missing now", "rows": "new rows"})


def drift_alerts(drift: pd.DataFrame, max_psi: float | None = None, max_missing_increase: float | None = None
                 ) -> list[str]:
    """One line per feature over a threshold: PSI above `max_psi`, or missing share up by more than
    `max_missing_increase` (0.1 = ten points)."""
    for value, name in [(max_psi, "max_psi"), (max_missing_increase, "max_missing_increase")]:
        if value is not None and not (isinstance(value, int | float) and 0 <= value):
            raise DataContractError(f"{name} must be a number of at least 0, got {value!r}.")
    alerts = []
    for _, row in drift.iterrows():
        if max_psi is not None and row["psi"] > max_psi:
            alerts.append(f"input drift in {row['feature']!r}: PSI {row['psi']:.2f} over {row['rows']} new rows "
                          f"(at most {max_psi:g} allowed)")
        if max_missing_increase is not None and row["missing_now"] - row["missing_at_fit"] > max_missing_increase:
            alerts.append(f"{row['feature']!r} is missing in {row['missing_now']:.0%} of new rows against "
                          f"{row['missing_at_fit']:.0%} at fit")
    return alerts
