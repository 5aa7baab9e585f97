"""A saved model described in plain words (for the dashboard's Models page and `bizai` listings): what it is, what
it was trained on, how accurate it was, and with which libraries, from its meta.json alone."""

from __future__ import annotations

from typing import Any

from pandas.tseries.frequencies import to_offset

FREQUENCY_WORDS = {"D": "daily", "B": "business days", "W": "weekly", "MS": "monthly", "ME": "monthly",
                   "M": "monthly", "QS": "quarterly", "QE": "quarterly", "Q": "quarterly", "YS": "yearly",
                   "YE": "yearly", "Y": "yearly", "h": "hourly", "H": "hourly"}


def frequency_in_words(freq: str | None) -> str:
    """'monthly' for 'MS', 'weekly (weeks end on Friday)' for 'W-FRI', 'every 2 weeks' for '2W'; the code itself
    when it has no name."""
    if not freq:
        return "unknown"
    try:
        offset = to_offset(freq)
    except ValueError:
        return str(freq)
    base = offset.name.split("-")[0]
    word = FREQUENCY_WORDS.get(base, str(freq))
    if offset.n > 1:
        unit = {"weekly": "weeks", "monthly": "months", "quarterly": "quarters", "daily": "days"}.get(word, base)
        word = f"every {offset.n} {unit}"
    if base == "W" and "-" in offset.name:
        day = {"MON": "Monday", "TUE": "Tuesday", "WED": "Wednesday", "THU": "Thursday", "FRI": "Friday",
               "SAT": "Saturday", "SUN": "Sunday"}.get(offset.name.split("-")[1], offset.name.split("-")[1])
        word += f" (weeks end on {day})"
    return word


def model_card(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) lines that describe a model folder's meta.json to an analyst, most important first."""
    lines: list[tuple[str, str]] = []
    family = meta.get("family")
    params = meta.get("params") or {}
    if family == "forecaster":
        columns = meta.get("columns") or {}
        ids = columns.get("id_col") or []
        lines += [("What it does", f"forecasts {columns.get('target_col', '?')} for each "
                                   f"{' x '.join(ids) if isinstance(ids, list) else ids}, "
                                   f"{params.get('horizon', '?')} periods ahead"),
                  ("Model", str(meta.get("model"))),
                  ("Frequency", frequency_in_words(meta.get("freq"))),
                  ("Series", f"{meta.get('series', 0):,}"),
                  ("Trained on", f"{meta.get('training_rows', 0):,} rows up to {str(meta.get('training_end', '?'))[:10]}")]
        for label, key in (("Planned inputs", "known_cols"), ("Descriptions", "static_cols"),
                           ("Other history", "past_cols")):
            if columns.get(key):
                lines.append((label, ", ".join(columns[key])))
        metrics = meta.get("backtest_metrics") or []
        if metrics:
            row = metrics[0]
            lines.append(("Backtest accuracy", f"typical miss (MAE) {row.get('mae', float('nan')):,.1f}; "
                                               f"WAPE {row.get('wape', float('nan')):.1%}"))
    elif family == "recommender":
        columns = meta.get("columns") or {}
        lines += [("What it does", f"recommends {columns.get('item_col', 'items')} to each "
                                   f"{columns.get('user_col', 'customer')}"),
                  ("Model", str(meta.get("model"))),
                  ("Customers", f"{meta.get('users', 0):,}"), ("Items", f"{meta.get('items', 0):,}"),
                  ("Trained on", f"{meta.get('training_rows', 0):,} events")]
        evaluation = meta.get("evaluation") or []
        if evaluation:
            row = evaluation[0]
            lines.append(("Evaluation", f"hit rate at {row.get('k')}: {row.get('hr', float('nan')):.1%}"))
    else:
        lines.append(("Model", str(meta.get("model"))))
    if meta.get("fit_seconds") is not None:
        lines.append(("Training took", f"{float(meta['fit_seconds']):,.1f} s"))
    lines.append(("Saved", f"{str(meta.get('created_at', '?')).replace('T', ' ')[:16]} with bizai "
                           f"{meta.get('bizai_version', '?')}"))
    versions = meta.get("library_versions") or {}
    if versions:
        lines.append(("Libraries", ", ".join(f"{name} {version}" for name, version in sorted(versions.items()))))
    return lines
