"""Interaction logs as recommenders need them: strict id maps (external ids in and out, internal ints inside),
a user x item weight matrix (CSR) and each user's time-ordered item sequence. Validated once, here."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from bizai.errors import DataContractError
from bizai.schema import (
    align_id_kind,
    coerce_datetime,
    coerce_numeric,
    excel_serial_dates,
    forbid_taken_names,
    require_columns,
    require_non_empty,
    require_one_id_kind,
    rows_at,
    shorten,
    warn_at_caller,
)

log = logging.getLogger(__name__)

# The columns recommendations and similar items carry beside the caller's user and item columns.
RESULT_COLUMNS = {"score": "a recommendation's score", "rank": "a recommendation's place in the list"}


@dataclass
class IdMap:
    """External ids <-> internal 0..n-1 positions."""

    external: pd.Index

    @classmethod
    def from_values(cls, values: pd.Series) -> IdMap:
        """Positions for the distinct values in order of first appearance."""
        return cls(pd.Index(pd.unique(values)))

    def __len__(self) -> int:
        return len(self.external)

    @property
    def kind(self) -> str:
        """'number' or 'text': the kind of ids seen at fit."""
        return "number" if pd.api.types.is_numeric_dtype(self.external) else "text"

    def aligned(self, values, what: str = "id") -> pd.Series:
        """`values` as ids of this map's kind, converted only exactly (7 <-> "7", never "007" -> 7); values that
        cannot be converted stay as they are and so match nothing."""
        series = pd.Series(np.asarray(values, dtype=object) if not hasattr(values, "dtype") else values).reset_index(drop=True)
        missing = series.isna()
        if missing.any():
            raise DataContractError(f"{what} ids at positions {shorten(list(np.flatnonzero(missing)))} are missing "
                                    "(None/NaN); every id must be a value.")
        return align_id_kind(series.infer_objects(), self.kind, what, "request", strict=False)

    def to_internal(self, values, strict: bool = True, what: str = "id") -> np.ndarray:
        """Positions of `values`; -1 for unknown ones unless `strict` (then a DataContractError)."""
        values = self.aligned(values, what)
        positions = self.external.get_indexer(pd.Index(values.to_numpy()))
        if strict and (positions < 0).any():
            unknown = pd.Index(values)[positions < 0]
            raise DataContractError(f"Unknown {what}(s) {shorten(unknown.tolist())}: not seen at fit time.")
        return positions

    def to_external(self, positions: np.ndarray):
        """The external ids at `positions`, typed as at fit (a categorical stays categorical, so results join the
        caller's frames)."""
        return self.external.take(np.asarray(positions, dtype=np.int64)).array


@dataclass(frozen=True)
class EventColumns:
    """The caller's columns of an interaction log."""
    user_col: str
    item_col: str
    time_col: str | None = None
    weight_col: str | None = None
    event_col: str | None = None
    quantity_col: str | None = None  # order lines: returns netted, log(1 + kept quantity) as weight (see netted)

    @property
    def used(self) -> list[str]:
        """The columns given, in role order (user, item, time, weight, event, quantity)."""
        return [c for c in (self.user_col, self.item_col, self.time_col, self.weight_col, self.event_col,
                            self.quantity_col) if c]


NETTED_WEIGHT = "__bizai_netted_weight"


def netted(frame: pd.DataFrame, columns: EventColumns) -> pd.DataFrame:
    """With `quantity_col` (a shop's order lines, returns and cancellations as negative quantities): the purchase
    lines, each weighted by log(1 + the quantity the customer kept) in NETTED_WEIGHT (recsys.purchases); returns
    net against the purchases of the same user and item in `frame` only. Without it, `frame` as it is."""
    from bizai.recsys.purchases import net_purchases

    if columns.quantity_col is None:
        return frame
    if columns.weight_col is not None or columns.event_col is not None:
        raise DataContractError(f"quantity_col={columns.quantity_col!r} sets the weights (log(1 + quantity kept)); "
                                "give it without weight_col or event_col.")
    return net_purchases(frame, columns.user_col, columns.item_col, columns.quantity_col, weight_col=NETTED_WEIGHT)


@dataclass
class InteractionData:
    """Validated interactions: `matrix` (users x items, summed weights) and `sequences` (time-ordered items)."""

    users: IdMap
    items: IdMap
    matrix: sp.csr_matrix
    events: pd.DataFrame  # user (int), item (int), weight, and time when given, in time order
    columns: EventColumns
    # With quantity_col: every order line as given (returns too), so a later return nets against earlier purchases
    lines: pd.DataFrame | None = None

    @property
    def n_users(self) -> int:
        """Number of known users."""
        return len(self.users)

    @property
    def n_items(self) -> int:
        """Number of known items."""
        return len(self.items)

    def item_popularity(self) -> np.ndarray:
        """Per item: how many users interacted with it (weight above 0)."""
        return np.asarray((self.matrix > 0).sum(axis=0)).ravel().astype(np.float64)

    def recency_decay(self, half_life_days: float | None) -> np.ndarray:
        """Per event (in `events` order): 0.5 ** (days before the log's latest event / half_life_days), so an event
        counts half as much for every half-life it lies in the past. All ones without a time column or with None.
        Numeric times count as seconds."""
        if half_life_days is not None and (isinstance(half_life_days, bool)
                                           or not isinstance(half_life_days, int | float) or not half_life_days > 0):
            raise DataContractError(f"half_life_days must be a positive number of days or None, got "
                                    f"{half_life_days!r}.")
        if half_life_days is None or "time" not in self.events:
            return np.ones(len(self.events))
        time = self.events["time"]
        age = time.max() - time
        seconds = (age.dt.total_seconds() if pd.api.types.is_timedelta64_dtype(age)
                   else age.astype(float) * seconds_per_unit(time))
        return 0.5 ** (seconds.to_numpy(dtype=float) / 86400 / float(half_life_days))

    def sequences(self) -> list[np.ndarray]:
        """Each user's items in time order (ties keep input order)."""
        grouped = self.events.groupby("user", sort=True)["item"]
        by_user = {user: items.to_numpy() for user, items in grouped}
        return [by_user.get(u, np.empty(0, dtype=np.int64)) for u in range(self.n_users)]


def event_weights_of(frame: pd.DataFrame, columns: EventColumns, event_weights: Mapping[str, float] | None) -> pd.Series:
    """Weight of every row: from `weight_col`, from `event_col` through `event_weights`, of the netted purchase
    lines (`quantity_col`, see `netted`), or 1."""
    if event_weights and columns.event_col is None:  # else they would be ignored without a word
        raise DataContractError(f"event_weights (for {shorten(list(event_weights))}) need event_col: the column holding "
                                "each row's event type (e.g. event_col='event').")
    if columns.quantity_col is not None:
        return frame[NETTED_WEIGHT]
    if columns.weight_col is not None:
        weight = coerce_numeric(frame, columns.weight_col, "events", allow_missing=False)
        negative = weight < 0
        if negative.any():
            raise DataContractError(
                f"Column {columns.weight_col!r} has negative weights in rows {rows_at(frame, negative)}; "
                "expected weights >= 0. Order lines whose returns are negative quantities: give the column as "
                "quantity_col (CLI --quantity-col) to net returns against purchases."
            )
        return weight
    if columns.event_col is not None:
        if not event_weights:
            raise DataContractError(
                f"event_col={columns.event_col!r} needs event_weights, e.g. {{'view': 1, 'cart': 3, 'purchase': 5}}."
            )
        bad_weights = {k: v for k, v in event_weights.items() if not isinstance(v, int | float) or v < 0}
        if bad_weights:
            raise DataContractError(f"event_weights must be numbers >= 0; got {bad_weights}.")
        events = frame[columns.event_col].astype(str)
        unknown = ~events.isin([str(k) for k in event_weights])
        if unknown.any():
            present = set(events.unique())
            unused = [str(k) for k in event_weights if str(k) not in present]
            raise DataContractError(
                f"Event type(s) {shorten(sorted(events[unknown].unique()))} in column {columns.event_col!r} "
                f"(rows {rows_at(frame, unknown)}) have no weight; event_weights covers "
                f"{shorten(list(event_weights))}"
                + (f", of which {shorten(unused)} {'occurs' if len(unused) == 1 else 'occur'} in no row (misspelt?)."
                   if unused else ".")
            )
        return events.map({str(k): float(v) for k, v in event_weights.items()}).astype(float)
    return pd.Series(1.0, index=frame.index)


def validate_events(frame: pd.DataFrame, columns: EventColumns) -> None:
    """Refuse an empty log, missing columns, empty or mixed-kind ids and one column mapped to both user and item,
    naming the rows and columns."""
    require_non_empty(frame, "events")
    require_columns(frame, columns.used, "events")
    for col in (columns.user_col, columns.item_col):
        missing = frame[col].isna()
        if missing.any():
            whose = ("events without a customer (a guest's purchases) cannot be attributed to one"
                     if col == columns.user_col else "events without an item recommend nothing")
            raise DataContractError(
                f"Id column {col!r} is empty in rows {rows_at(frame, missing)} ({int(missing.sum()):,} of "
                f"{len(frame):,} rows): {whose}; drop those rows first (pandas: frame.dropna(subset=[{col!r}])).")
        require_one_id_kind(frame[col], col, "events")
    if columns.user_col == columns.item_col:
        raise DataContractError(f"user_col and item_col are both {columns.user_col!r}; they must be different columns.")
    forbid_taken_names([("user column", columns.user_col), ("item column", columns.item_col)], RESULT_COLUMNS)


# Numeric event times are Unix epoch times: seconds, or, by their size, milliseconds, microseconds or nanoseconds
# (a JavaScript or Kafka log's 1.7e12 is 2023 in milliseconds). Smaller numbers (counters) count as seconds.
EPOCH_UNITS = ((1e11, 1.0), (1e14, 1e-3), (1e17, 1e-6), (np.inf, 1e-9))  # below this size: seconds per unit


def seconds_per_unit(times: pd.Series) -> float:
    """Seconds per unit of numeric event times (EPOCH_UNITS, by the largest absolute value): a half-life or a
    window in days is measured in the log's own unit."""
    largest = float(np.nanmax(np.abs(times.to_numpy(dtype=float)))) if len(times) else 0.0
    return next(factor for bound, factor in EPOCH_UNITS if largest < bound)


def event_times(frame: pd.DataFrame, time_col: str) -> pd.Series:
    """Timestamps or numbers (epoch seconds or milliseconds: seconds_per_unit) that order the events; every row needs
    one. Excel's serial date-times (45292.375, fractions of a day) are read as the date-times they are."""
    times = frame[time_col]
    if pd.api.types.is_numeric_dtype(times) and not pd.api.types.is_bool_dtype(times):
        bad = times.isna() | ~np.isfinite(times.astype("float64"))
        if bad.any():
            raise DataContractError(f"Time column {time_col!r} is empty or not finite in rows "
                                    f"{rows_at(frame, bad)}; every event needs a time.")
        serials = excel_serial_dates(times)
        if serials is not None and (np.mod(times.to_numpy(dtype=float), 1) != 0).any():
            # Fractions of a day in 1970-2099's serial range: Excel date-times, not epoch seconds (which would put
            # the whole log within a day of 1 January 1970) nor an order number.
            first = times.iloc[0]
            warn_at_caller(f"Time column {time_col!r} of the events holds numbers such as {first!r}: read as Excel's "
                           f"serial date-times ({first!r} is {serials.iloc[0]}). Format the column as dates in Excel "
                           "before saving to leave nothing to guess.")
            return serials
        return times
    return coerce_datetime(frame, time_col, "events")


def build_interactions(frame: pd.DataFrame, columns: EventColumns, event_weights=None) -> InteractionData:
    """Validate an interaction log and build its id maps and user x item matrix."""
    validate_events(frame, columns)
    raw = frame
    frame = netted(frame.reset_index(drop=True), columns)
    weight = event_weights_of(frame, columns, event_weights)
    ordered = pd.DataFrame({"user_ext": frame[columns.user_col], "item_ext": frame[columns.item_col], "weight": weight})
    if weight.sum() <= 0:
        raise DataContractError(
            f"Every event has weight 0 ({len(frame)} rows): there is nothing to learn from. Give the events that "
            "matter a weight above 0 (weight_col or event_weights)."
        )
    if columns.time_col:
        ordered["time"] = event_times(frame, columns.time_col)
        ordered = ordered.sort_values("time", kind="stable")
    users = IdMap.from_values(ordered["user_ext"].sort_values(kind="stable"))
    items = IdMap.from_values(ordered["item_ext"].sort_values(kind="stable"))
    ordered["user"] = users.to_internal(ordered["user_ext"])
    ordered["item"] = items.to_internal(ordered["item_ext"])
    matrix = sp.csr_matrix(
        (ordered["weight"].to_numpy(np.float32), (ordered["user"].to_numpy(), ordered["item"].to_numpy())),
        shape=(len(users), len(items)),
    )
    matrix.sum_duplicates()  # repeated interactions add up
    keep = ["user", "item", "weight", *(["time"] if columns.time_col else [])]
    return InteractionData(users, items, matrix, ordered[keep].reset_index(drop=True), columns,
                           order_lines(raw, columns))


def order_lines(frame: pd.DataFrame, columns: EventColumns) -> pd.DataFrame | None:
    """The order lines kept for netting later returns (quantity_col given), else None."""
    if columns.quantity_col is None:
        return None
    lines = frame[columns.used].reset_index(drop=True)
    lines[columns.quantity_col] = coerce_numeric(lines, columns.quantity_col, "events", allow_missing=False)
    if columns.time_col:
        lines[columns.time_col] = event_times(lines, columns.time_col)
    return lines


def newer_times(data: InteractionData, frame: pd.DataFrame) -> pd.Series:
    """The times of new events, refused when of another kind than at fit or when none is newer than the log."""
    time_col = data.columns.time_col
    times = event_times(frame, time_col)
    if pd.api.types.is_datetime64_any_dtype(times) != pd.api.types.is_datetime64_any_dtype(data.events["time"]):
        raise DataContractError(f"Time column {time_col!r} held {data.events['time'].dtype} at fit but "
                                f"{times.dtype} in the new events; give times as at fit.")
    latest = data.events["time"].max()
    if times.max() <= latest:
        raise DataContractError(f"Every new event is at or before {latest}, the latest event the model has "
                                f"seen (the new events end at {times.max()}): this is old data.")
    return times


def extend_order_lines(data: InteractionData, frame: pd.DataFrame) -> tuple[InteractionData, Extension]:
    """extend_interactions for order lines (quantity_col): the new lines are netted together with every earlier
    line of the same customer and item, so a return nets against a purchase made before the update (and a batch
    of returns alone is fine); the weights of those (customer, item) pairs are recomputed from all their lines,
    which gives the weights a fit on the whole log would."""
    from bizai.recsys.purchases import netted_lines

    columns = data.columns
    user_col, item_col = columns.user_col, columns.item_col
    new = order_lines(frame, columns)
    for col, id_map in ((user_col, data.users), (item_col, data.items)):
        new[col] = align_id_kind(new[col], id_map.kind, col, "new events")
    if columns.time_col:
        new[columns.time_col] = newer_times(data, new)
    pairs = pd.MultiIndex.from_frame(new[[user_col, item_col]]).unique()
    earlier = data.lines[pd.MultiIndex.from_frame(data.lines[[user_col, item_col]]).isin(pairs)]
    lines = pd.concat([data.lines, new], ignore_index=True)
    kept = netted_lines(pd.concat([earlier, new], ignore_index=True), user_col, item_col, columns.quantity_col,
                        weight_col=NETTED_WEIGHT)
    maps = {}
    for col, id_map in ((user_col, data.users), (item_col, data.items)):
        fresh = pd.Index(pd.unique(kept[col][id_map.external.get_indexer(kept[col]) < 0])).sort_values()
        maps[col] = IdMap(id_map.external.append(fresh))
    users, items = maps[user_col], maps[item_col]
    renetted = pd.DataFrame({"user": users.to_internal(kept[user_col]), "item": items.to_internal(kept[item_col]),
                             "weight": kept[NETTED_WEIGHT].to_numpy(float)})
    if columns.time_col:
        renetted["time"] = event_times(kept, columns.time_col)
    # the earlier events of the pairs concerned are replaced by their renetted lines
    pair_users = users.to_internal(pairs.get_level_values(0), strict=False)
    pair_items = items.to_internal(pairs.get_level_values(1), strict=False)
    known = (pair_users >= 0) & (pair_items >= 0)
    stale = pd.MultiIndex.from_arrays([data.events["user"], data.events["item"]]).isin(
        pd.MultiIndex.from_arrays([pair_users[known], pair_items[known]]))
    events = pd.concat([data.events[~stale], renetted[data.events.columns]], ignore_index=True)
    if columns.time_col:
        events = events.sort_values("time", kind="stable", ignore_index=True)
    matrix = sp.csr_matrix((events["weight"].to_numpy(np.float32), (events["user"].to_numpy(),
                                                                      events["item"].to_numpy())),
                           shape=(len(users), len(items)))
    matrix.sum_duplicates()
    touched = np.unique(pair_users[pair_users >= 0])
    extension = Extension(len(frame), np.arange(data.n_users, len(users)), np.arange(data.n_items, len(items)),
                          touched)
    return InteractionData(users, items, matrix, events, columns, lines), extension


@dataclass(frozen=True)
class Extension:
    """What `extend_interactions` added: rows, new users and items (internal positions), and every user whose
    history changed (new users included)."""

    rows: int
    new_users: np.ndarray
    new_items: np.ndarray
    touched_users: np.ndarray


def extend_interactions(data: InteractionData, frame: pd.DataFrame, event_weights=None) -> tuple[InteractionData,
                                                                                                  Extension]:
    """`data` plus the events of `frame` (same columns as at fit): known ids keep their positions, new users and
    items are appended after them (in id order), repeated interactions add up as at fit.

    Refused: the column and id-kind errors of `build_interactions`, and new events that all predate the latest
    event already in `data` (the wrong file, or a replay of old data).
    """
    columns = data.columns
    validate_events(frame, columns)
    if columns.quantity_col is not None:
        if data.lines is not None:
            return extend_order_lines(data, frame)
        log.warning("this model was saved before bizai kept its order lines: the update's returns net against "
                    "the update's own purchases only (refit to net them against earlier ones)")
    frame = netted(frame.reset_index(drop=True), columns)
    weight = event_weights_of(frame, columns, event_weights)
    added = pd.DataFrame({"weight": weight})
    maps = {}
    for col, id_map, what in [(columns.user_col, data.users, "user"), (columns.item_col, data.items, "item")]:
        values = align_id_kind(frame[col], id_map.kind, col, "new events")
        fresh = pd.Index(pd.unique(values[id_map.external.get_indexer(values) < 0])).sort_values()
        maps[what] = IdMap(id_map.external.append(fresh))
        added[what] = maps[what].to_internal(values)
    if columns.time_col:
        added["time"] = newer_times(data, frame)
    added = added[data.events.columns]
    if columns.time_col:
        added = added.sort_values("time", kind="stable")
    events = pd.concat([data.events, added], ignore_index=True)
    if columns.time_col and added["time"].min() < data.events["time"].max():  # late events interleave
        events = events.sort_values("time", kind="stable", ignore_index=True)
    users, items = maps["user"], maps["item"]
    shape = (len(users), len(items))
    # The known matrix grows to the new shape and the new events add to it: the same sums as a rebuild.
    grown = data.matrix.copy()
    grown.resize(shape)
    matrix = (grown + sp.csr_matrix((added["weight"].to_numpy(np.float32),
                                     (added["user"].to_numpy(), added["item"].to_numpy())), shape=shape)).tocsr()
    matrix.sum_duplicates()
    extension = Extension(len(frame), np.arange(data.n_users, len(users)), np.arange(data.n_items, len(items)),
                          np.unique(added["user"].to_numpy()))
    return InteractionData(users, items, matrix, events, columns), extension
