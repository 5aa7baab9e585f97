"""Sensible guesses of which column plays which role, for the dashboard's column mapping (and anyone else)."""

from __future__ import annotations

import pandas as pd

TIME_NAMES = ("date", "month", "week", "day", "period", "quarter", "time", "timestamp", "ds")
TARGET_NAMES = ("profit", "sales", "revenue", "volume", "amount", "value", "y", "target")
ID_NAMES = ("store_id", "store", "id", "entity", "series", "product", "sku", "agency", "cost_centre", "unique_id")
USER_NAMES = ("user_id", "user", "customer_id", "customer", "client_id", "visitor_id")
ITEM_NAMES = ("item_id", "item", "product_id", "product", "sku", "article_id", "movie_id", "stockcode", "stock_code")
EVENT_NAMES = ("event", "event_type", "action", "interaction")
QUANTITY_NAMES = ("quantity", "qty")
KNOWN_HINTS = ("promo", "holiday", "price", "discount", "event", "campaign")
LINE_NAMES = ("line", "measure", "metric", "account", "kpi", "variable")  # a wide sheet's column naming each row's figure


def first_match(columns: list[str], names: tuple[str, ...]) -> str | None:
    """The first of `names` found among `columns`, ignoring case, as spelt in `columns`."""
    lowered = {c.lower(): c for c in columns}
    for name in names:
        if name in lowered:
            return lowered[name]
    for name in names:
        for low, original in lowered.items():
            if name in low:
                return original
    return None


def guess_series_columns(frame: pd.DataFrame) -> dict:
    """{'id_col', 'time_col', 'target_col', 'static_cols', 'known_cols', 'past_cols'} guessed from names and dtypes."""
    columns = [str(c) for c in frame.columns]
    time_col = first_match(columns, TIME_NAMES)
    target_col = first_match([c for c in columns if pd.api.types.is_numeric_dtype(frame[c])], TARGET_NAMES)
    text = [c for c in columns if not pd.api.types.is_numeric_dtype(frame[c]) and c != time_col]
    whole = [c for c in columns if pd.api.types.is_integer_dtype(frame[c]) and c not in {time_col, target_col}]
    # stores numbered 1, 2, 3 (Walmart's 'Store') are ids too, when named like one
    id_col = first_match(text, ID_NAMES) or first_match(whole, ID_NAMES) or (text[0] if text else None)
    per_series_constant = []
    if id_col:
        counts = frame.groupby(id_col).nunique()
        per_series_constant = [c for c in text if c != id_col and c in counts and (counts[c] <= 1).all()]
    numeric = [c for c in columns if c not in {time_col, target_col, id_col} and pd.api.types.is_numeric_dtype(frame[c])]
    known = [c for c in numeric if any(hint in c.lower() for hint in KNOWN_HINTS)]
    return {"id_col": id_col, "time_col": time_col, "target_col": target_col, "static_cols": per_series_constant,
            "known_cols": known, "past_cols": []}


def guess_line_column(labels: list[str]) -> str | None:
    """The label column of a wide sheet (bizai.wide) that names the measure on each row (revenue, cost), by name."""
    return first_match(labels, LINE_NAMES)


def guess_event_columns(frame: pd.DataFrame) -> dict:
    """{'user_col', 'item_col', 'time_col', 'event_col', 'quantity_col'} guessed from names: a numeric quantity
    column marks order lines (returns netted, see recsys.dataset.netted) when no event type column is found."""
    columns = [str(c) for c in frame.columns]
    event_col = first_match(columns, EVENT_NAMES)
    numeric = [c for c in columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
    return {"user_col": first_match(columns, USER_NAMES), "item_col": first_match(columns, ITEM_NAMES),
            "time_col": first_match(columns, ("timestamp", "time", "date", "datetime", "ts")),
            "event_col": event_col, "quantity_col": None if event_col else first_match(numeric, QUANTITY_NAMES)}


DEFAULT_EVENT_WEIGHTS = {"view": 1.0, "click": 1.0, "cart": 3.0, "add_to_cart": 3.0, "purchase": 5.0, "buy": 5.0,
                         "order": 5.0}


def guess_event_weights(events: pd.Series) -> dict[str, float]:
    """Weights for the event types present: common names get common weights, others 1."""
    return {str(e): DEFAULT_EVENT_WEIGHTS.get(str(e).lower(), 1.0) for e in pd.unique(events.dropna())}
