"""Did yesterday's recommendations get bought? Their outcomes in the events that followed, beside what a list of
the window's most popular items would have achieved for the same customers.

Rates are over *active* users: those who were recommended something and then interacted at all in the window
(a customer who did not come back says nothing about the list), as offline evaluation does; `reach` is their
share of the recommended users.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bizai.errors import DataContractError
from bizai.schema import align_id_kind, coerce_numeric, dtype_kind, require_columns, require_non_empty, rows_at
from bizai.spelling import respelled_ids

POPULAR_LIST = "popularity (same window)"


def event_datetimes(events: pd.DataFrame, time_col: str) -> pd.Series:
    """The events' times as datetimes (numbers are read as epoch seconds); values that are neither are refused."""
    values = events[time_col]
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    times = pd.to_datetime(values, unit="s", errors="coerce") if numeric else pd.to_datetime(values, errors="coerce")
    if times.isna().any():
        raise DataContractError(f"Time column {time_col!r} of the events has values that are not dates in rows "
                                f"{rows_at(events, times.isna())}.")
    return times


def window_events(events: pd.DataFrame, time_col: str | None, since=None, window_days: float | None = None
                  ) -> pd.DataFrame:
    """The events in [since, since + window_days) (since: the first event when not given)."""
    if time_col is None:
        if since is not None or window_days is not None:
            raise DataContractError("since/window_days need the events' time column (time_col).")
        return events
    times = event_datetimes(events, time_col)
    start = pd.Timestamp(since) if since is not None else times.min()
    keep = times >= start
    if window_days is not None:
        if not window_days > 0:
            raise DataContractError(f"window_days must be above 0, got {window_days!r}.")
        keep &= times < start + pd.Timedelta(days=float(window_days))
    chosen = events[keep]
    if chosen.empty:
        raise DataContractError(f"No event falls in the window from {start.date()}"
                                + (f" over {window_days:g} day(s)" if window_days else "")
                                + f"; the events run from {times.min().date()} to {times.max().date()}.")
    return chosen


def list_outcomes(lists: pd.DataFrame, bought: pd.DataFrame, k: int) -> dict[str, float]:
    """hit rate, precision@k and revenue share of `lists` (user, item) against `bought` (user, item, value)."""
    hits = bought.merge(lists[["user", "item"]].drop_duplicates(), on=["user", "item"], how="inner")
    users = bought["user"].nunique()
    distinct_hits = hits.drop_duplicates(["user", "item"])
    revenue = bought["value"].sum()
    return {"hit_rate": distinct_hits["user"].nunique() / users if users else np.nan,
            "precision_at_k": len(distinct_hits) / (users * k) if users else np.nan,
            "revenue_share": float(hits["value"].sum() / revenue) if revenue else np.nan}


def recommendation_outcomes(recommendations: pd.DataFrame, events: pd.DataFrame, user_col: str, item_col: str,
                            value_col: str | None = None, k: int | None = None) -> pd.DataFrame:
    """Two rows (the recommendations, and the window's most popular k items given to every user) with: users
    recommended, active users, reach, hit_rate, precision_at_k, revenue_share, catalogue_coverage, popular_share.

    recommendations: user, item and `rank` (1 = best), as `bizai recommend score` writes them; the best `k`
    per user are judged (all when k is None). events: what happened in the window (user, item, optional value,
    e.g. revenue; 1 per event otherwise).
    """
    require_non_empty(recommendations, "recommendations")
    require_non_empty(events, "events")
    require_columns(recommendations, [user_col, item_col, "rank"], "recommendations")
    require_columns(events, [user_col, item_col, *([value_col] if value_col else [])], "events")
    ranks = coerce_numeric(recommendations, "rank", "recommendations", allow_missing=False)
    k = int(ranks.max()) if k is None else k
    if not isinstance(k, int) or k < 1:
        raise DataContractError(f"k must be an integer of at least 1, got {k!r}.")
    lists = pd.DataFrame({"user": recommendations[user_col], "item": recommendations[item_col]})[ranks <= k]
    value = coerce_numeric(events, value_col, "events", allow_missing=False) if value_col else 1.0
    bought = pd.DataFrame({"user": events[user_col], "item": events[item_col], "value": value})
    for col in ("user", "item"):
        kind = dtype_kind(lists[col]) or "text"
        bought[col] = align_id_kind(bought[col].reset_index(drop=True), kind, col, "events", strict=False).to_numpy()
    recommended_users = lists["user"].nunique()
    active = bought[bought["user"].isin(lists["user"])]
    if active.empty:
        event_users = pd.DataFrame({"id": bought["user"].drop_duplicates()})
        respelled = respelled_ids(event_users, pd.DataFrame({"id": lists["user"].drop_duplicates()}), ["id"],
                                  "the recommendations'")  # an events export that lower-cased the ids
        raise DataContractError(
            f"None of the {recommended_users} recommended user(s) appears in the {len(bought)} event(s){respelled}; "
            f"check that {user_col!r} holds the same ids in both files and that the events cover the days after the "
            "scoring.")
    counts = bought.groupby("item")["user"].nunique().sort_values(ascending=False, kind="stable")
    popular = counts.index[:k]
    catalogue = pd.Index(bought["item"]).union(pd.Index(lists["item"])).nunique()
    popular_lists = pd.DataFrame({"user": np.repeat(active["user"].unique(), len(popular)),
                                  "item": np.tile(popular.to_numpy(), active["user"].nunique())})
    rows = []
    for name, chosen in [("recommendations", lists), (POPULAR_LIST, popular_lists)]:
        rows.append({"list": name, "users_recommended": recommended_users, "active_users": active["user"].nunique(),
                     "reach": active["user"].nunique() / recommended_users, **list_outcomes(chosen, active, k),
                     "catalogue_coverage": chosen["item"].nunique() / catalogue,
                     "popular_share": float(chosen["item"].isin(popular).mean())})
    return pd.DataFrame(rows)


def recommendation_alerts(outcomes: pd.DataFrame, min_hit_rate: float | None = None,
                          min_lift: float | None = None) -> list[str]:
    """One line per breached threshold: the hit rate, and its ratio to the popularity list's (lift)."""
    ours = outcomes.iloc[0]
    alerts = []
    if min_hit_rate is not None:
        if not 0 <= min_hit_rate <= 1:
            raise DataContractError(f"min_hit_rate must be between 0 and 1, got {min_hit_rate!r}.")
        if ours["hit_rate"] < min_hit_rate:
            alerts.append(f"hit rate {ours['hit_rate']:.1%} of {ours['active_users']} active users is below "
                          f"{min_hit_rate:.1%}")
    if min_lift is not None:
        if not min_lift >= 0:
            raise DataContractError(f"min_lift must be at least 0, got {min_lift!r}.")
        baseline = outcomes.iloc[1]["hit_rate"]
        lift = ours["hit_rate"] / baseline if baseline else np.inf
        if lift < min_lift:
            alerts.append(f"hit rate {ours['hit_rate']:.1%} is {lift:.2f}x the popularity list's "
                          f"{baseline:.1%} (at least {min_lift:.2f}x expected)")
    return alerts


def outcomes_by_day(lists: dict[str, pd.DataFrame], events: pd.DataFrame, user_col: str, item_col: str,
                    time_col: str, value_col: str | None = None, k: int | None = None,
                    window_days: float = 1.0) -> pd.DataFrame:
    """`recommendation_outcomes` of each day's lists ({"2026-11-22": lists, ...}) in the `window_days` after
    that day, one pair of rows per day that has events in its window (later days wait for their events)."""
    times = event_datetimes(events, time_col)
    parts = []
    for day, frame in sorted(lists.items()):
        start = pd.Timestamp(day)
        inside = (times >= start) & (times < start + pd.Timedelta(days=float(window_days)))
        if inside.any() and events.loc[inside, user_col].isin(frame[user_col]).any():
            parts.append(recommendation_outcomes(frame, events[inside], user_col, item_col, value_col, k)
                         .assign(day=start.date().isoformat()))
    if not parts:
        raise DataContractError(f"No day's recommendations have events from their users in the {window_days:g} "
                                f"day(s) after them; the events run from {times.min()} to {times.max()}.")
    return pd.concat(parts, ignore_index=True)
