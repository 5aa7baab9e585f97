"""The base every recommender shares: `fit` validates and builds the interaction data, then calls `_fit`;
`recommend` maps external ids, filters seen and excluded items, ranks, and falls back to popularity for
unknown users; models only implement `_fit` and `_scores` (users x items)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from bizai.errors import DataContractError, check_is_fitted, check_random_state
from bizai.frames import FrameKind, from_pandas, to_pandas
from bizai.hyperparams import Flag, Number, Rule, check_argument, check_hyperparameters
from bizai.persistence import (
    RECOMMENDER_FAMILY,
    chained_fingerprint,
    fingerprint,
    folder_version,
    json_params,
    library_versions,
    lineage_entry,
    load_pickled,
    save_pickled,
)
from bizai.progress import progress
from bizai.recsys.dataset import EventColumns, Extension, InteractionData, build_interactions, extend_interactions
from bizai.schema import shorten, value_kind, warn_at_caller
from bizai.spelling import respelled_ids

log = logging.getLogger(__name__)
FAMILY = RECOMMENDER_FAMILY
STATE_FILE = "recommender.pkl"
SCORE_BATCH = 2048


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the k best scores per row, best first (-inf entries sort last)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(part_scores, order, axis=1)


class BaseRecommender(BaseEstimator):
    """Shared fit/recommend/similar_items/explain/save/load. Subclasses: `_fit(data)` and `_scores(users)`."""

    libraries: tuple[str, ...] = ("numpy", "scipy")
    hyperparameter_rules: Mapping[str, Rule] = {}  # checked at fit (bizai.hyperparams)

    def __init__(self, random_state: int | None = None, show_progress: bool | None = None):
        self.random_state = random_state
        self.show_progress = show_progress

    # ------------------------------------------------------------------------------------------ fit
    def fit(self, events, user_col: str = "user_id", item_col: str = "item_id", time_col: str | None = None,
            weight_col: str | None = None, event_col: str | None = None,
            event_weights: Mapping[str, float] | None = None, quantity_col: str | None = None):
        """Learn from an interaction log (pandas or polars): one row per interaction. Returns self.

        quantity_col: for a shop's order lines, where returns and cancellations are negative quantities: each
        customer's returns are netted against their purchases of the item, items returned in full are left out,
        and a line weighs log(1 + the quantity kept) (recsys.net_purchases; instead of weight_col / event_col).
        An update nets new returns against every earlier purchase of the item by that customer."""
        started = time.perf_counter()
        check_random_state(self)
        check_hyperparameters(self, self.hyperparameter_rules)
        frame, kind = to_pandas(events)
        columns = EventColumns(user_col, item_col, time_col, weight_col, event_col, quantity_col)
        data = build_interactions(frame, columns, event_weights)
        self.data_ = None
        self._fit(data)
        self.data_ = data
        self.event_weights_ = dict(event_weights) if event_weights else None
        self.input_kind_: FrameKind = kind
        self.popularity_ = data.item_popularity()
        self.training_fingerprint_ = fingerprint(frame[columns.used])
        self.training_rows_ = len(frame)
        self.fit_seconds_ = time.perf_counter() - started
        self.lineage_ = []
        self.training_files_ = None  # the files the CLI read the events from, when it did (bizai.cli.options)
        return self

    def _fit(self, data: InteractionData) -> None:
        raise NotImplementedError

    # ---------------------------------------------------------------------------------------- update
    def update(self, new_events):
        """Fold in new events (same columns as at fit) without a full retrain; returns self.

        New users and items are added; every user in `new_events` is scored from their full history from then
        on. How much is relearned depends on the model (see `_update`: ALS recomputes the factors of the users
        and items concerned, popularity and item-kNN recount, SASRec extends the users' sequences). The update is
        recorded in `lineage_` (saved in meta.json).
        """
        check_is_fitted(self, "data_")
        started = time.perf_counter()
        frame, _ = to_pandas(new_events)
        data, extension = extend_interactions(self.data_, frame, self.event_weights_)
        for what, before, after, new in (("user", self.data_.users, data.users, extension.new_users),
                                         ("item", self.data_.items, data.items, extension.new_items)):
            respelled = respelled_labels(after.external[new], before.external)
            if respelled:  # kept apart, as the data says, but most likely one id exported two ways
                warn_at_caller(f"Of the {len(new)} new {what}(s), some look like known ones{respelled}; they are "
                               f"added as new {what}s.")
        self._update(data, extension)
        self.data_ = data
        self.popularity_ = data.item_popularity()
        self.training_fingerprint_ = chained_fingerprint(self.training_fingerprint_, frame[data.columns.used])
        self.training_rows_ += len(frame)
        self.lineage_ = lineage_entry(self, started, rows_added=extension.rows, new_users=len(extension.new_users),
                                      new_items=len(extension.new_items), users_updated=len(extension.touched_users))
        log.info("updated %s: %d rows, %d new users, %d new items", type(self).__name__, extension.rows,
                 len(extension.new_users), len(extension.new_items))
        return self

    def _update(self, data: InteractionData, extension: Extension) -> None:
        """Learn from the extended `data`; by default a refit (exact, and cheap for count-based models)."""
        self._fit(data)

    def _scores(self, users: np.ndarray) -> np.ndarray:
        """Scores of every item for the internal `users` (a float array users x items)."""
        raise NotImplementedError

    def _item_vectors(self) -> np.ndarray | None:
        """Item embeddings for similar_items/explain; None means use co-occurrence."""
        return None

    # ------------------------------------------------------------------------------------ recommend
    def recommend(self, users=None, k: int = 10, filter_seen: bool = True, exclude_items=None):
        """Top-`k` items per user: columns (user, item, score, rank 1..k) under the caller's column names.

        users: ids (list, array, Series or a one-column frame); None means every known user. Unknown users get
        the most popular items (logged as a warning). exclude_items: ids never to recommend (unknown ones ignored).
        """
        parts = list(self.recommend_batches(users, k, filter_seen, exclude_items))
        cols = self.data_.columns
        empty = pd.DataFrame({cols.user_col: self.data_.users.to_external([]), cols.item_col: self.data_.items.to_external([]),
                              "score": np.array([], dtype=np.float64), "rank": np.array([], dtype=np.int64)})
        return from_pandas(pd.concat(parts, ignore_index=True) if parts else empty, self.input_kind_)

    def recommend_batches(self, users=None, k: int = 10, filter_seen: bool = True, exclude_items=None,
                          batch_size: int = SCORE_BATCH) -> Iterator[pd.DataFrame]:
        """The same as `recommend`, as pandas frames of at most `batch_size` users: memory stays bounded."""
        check_is_fitted(self, "data_")
        check_argument("k", k, Number(1, integer=True))
        check_argument("filter_seen", filter_seen, Flag())  # 'no' is truthy: it would have filtered
        check_argument("batch_size", batch_size, Number(1, integer=True))
        data = self.data_
        external = self._user_values(users)
        if external is not None:
            external = data.users.aligned(external, "user").to_numpy()
            distinct = pd.unique(external)
            if len(distinct) < len(external):  # one user's recommendations once, in the order first asked
                log.warning("%d repeated user id(s) are scored once: %s", len(external) - len(distinct),
                            shorten(pd.Index(external)[pd.Index(external).duplicated()].unique().tolist()))
                external = distinct
            positions = data.users.to_internal(external, strict=False, what="user")
        else:
            external, positions = data.users.external.to_numpy(), np.arange(data.n_users)
        same_kind = external.dtype != object or all(value_kind(v) == data.users.kind for v in external)
        unknown = positions < 0
        if unknown.any():
            log.warning("%d unknown user(s) get the popularity fallback: %s%s", int(unknown.sum()),
                        shorten(pd.Index(external)[unknown].tolist()),
                        respelled_labels(external[unknown], data.users.external))
        exclude = self._user_values(exclude_items)  # one id or many; a string is one id, not its characters
        excluded = data.items.to_internal(exclude, strict=False, what="exclude_items") if exclude is not None else []
        excluded = np.asarray([i for i in excluded if i >= 0], dtype=np.int64)
        # a known user with nothing left to learn from (every purchase returned) is scored like an unknown one
        has_history = np.asarray(data.matrix.max(axis=1).todense()).ravel() > 0
        starts = range(0, len(positions), batch_size)
        for start in progress(starts, "Scoring users", total=len(starts), show=self.show_progress):
            batch = positions[start:start + batch_size]
            known = batch >= 0
            scored = known.copy()
            scored[known] = has_history[batch[known]]
            scores = np.empty((len(batch), data.n_items), dtype=np.float64)
            if scored.any():
                scores[scored] = self._scores(batch[scored])
            scores[~scored] = self.popularity_ / max(self.popularity_.max(), 1.0)
            if filter_seen and known.any():
                seen = data.matrix[batch[known]]
                rows = np.flatnonzero(known)[np.repeat(np.arange(seen.shape[0]), np.diff(seen.indptr))]
                scores[rows, seen.indices] = -np.inf
            if len(excluded):
                scores[:, excluded] = -np.inf
            index, values = top_k(scores, k)
            valid = np.isfinite(values)
            user_ids = np.repeat(np.asarray(external[start:start + batch_size], dtype=object), index.shape[1])
            frame = pd.DataFrame({data.columns.user_col: user_ids,
                                  data.columns.item_col: data.items.to_external(index.ravel()),
                                  "score": values.ravel(), "rank": np.tile(np.arange(1, index.shape[1] + 1), len(batch))})
            frame = frame[valid.ravel()]
            # Users of the model's kind keep its id type; a request holding ids of another kind (unknown users
            # with --allow-unknown) is written as text, so one column never mixes numbers and text.
            frame[data.columns.user_col] = frame[data.columns.user_col].astype(
                data.users.external.dtype if same_kind else "string")
            yield frame

    @staticmethod
    def _user_values(users) -> np.ndarray | None:
        if users is None:
            return None
        if hasattr(users, "columns"):
            frame, _ = to_pandas(users)
            if frame.shape[1] != 1:
                raise DataContractError(f"users frame must have one column of user ids, got {list(frame.columns)}.")
            return frame.iloc[:, 0].to_numpy()
        if np.isscalar(users) or users is None or isinstance(users, str):
            users = [users]
        return np.asarray(list(users), dtype=object) if not hasattr(users, "dtype") else np.asarray(users)

    # ---------------------------------------------------------------------------------- similar items
    def _item_similarity(self, items: np.ndarray) -> np.ndarray:
        """Similarity of `items` to every item: cosine of item vectors, or of co-occurrence columns."""
        vectors = self._item_vectors()
        if vectors is None:
            matrix = self.data_.matrix.T.tocsr().astype(np.float64)
            norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()) + 1e-12
            return (matrix[items] @ matrix.T).toarray() / norms[items, None] / norms[None, :]
        norms = np.linalg.norm(vectors, axis=1) + 1e-12
        return (vectors[items] @ vectors.T) / norms[items, None] / norms[None, :]

    def similar_items(self, items, k: int = 10):
        """Items most similar to each of `items`: (item, similar_item, score, rank)."""
        check_is_fitted(self, "data_")
        check_argument("k", k, Number(1, integer=True))
        data = self.data_
        external = np.asarray(self._user_values(items))
        positions = data.items.to_internal(external, strict=True, what="item")
        scores = self._item_similarity(positions).astype(np.float64)
        scores[np.arange(len(positions)), positions] = -np.inf
        index, values = top_k(scores, k)
        item_col = data.columns.item_col
        frame = pd.DataFrame({item_col: data.items.to_external(np.repeat(positions, index.shape[1])),
                              f"similar_{item_col}": data.items.to_external(index.ravel()),
                              "score": values.ravel(), "rank": np.tile(np.arange(1, index.shape[1] + 1), len(external))})
        return from_pandas(frame, self.input_kind_)

    def explain(self, user, item, k: int = 5):
        """The user's history items that most drove `item`'s recommendation: (history item, contribution)."""
        check_is_fitted(self, "data_")
        data = self.data_
        u = int(data.users.to_internal([user], what="user")[0])
        i = int(data.items.to_internal([item], what="item")[0])
        history = data.matrix[u].indices
        history = history[history != i]  # a seen item recommended again is not explained by itself
        contributions = self._contributions(u, i, history)
        order = np.argsort(-contributions, kind="stable")[:k]
        frame = pd.DataFrame({f"history_{data.columns.item_col}": data.items.to_external(history[order]),
                              "contribution": contributions[order]})
        return from_pandas(frame, self.input_kind_)

    def _contributions(self, user: int, item: int, history: np.ndarray) -> np.ndarray:
        return self._item_similarity(np.array([item]))[0, history]

    # ------------------------------------------------------------------------------------ persistence
    def clone(self):
        """A new, unfitted recommender with the same hyper-parameters (scikit-learn's `clone`)."""
        return clone(self)

    def save(self, path: str | Path) -> Path:
        """Save to a model folder (atomically): the fitted state plus meta.json describing it."""
        check_is_fitted(self, "data_")
        cols = self.data_.columns
        meta = {
            "family": FAMILY,
            "model": type(self).__name__,
            "params": json_params(self),
            "columns": {"user_col": cols.user_col, "item_col": cols.item_col, "time_col": cols.time_col,
                        "weight_col": cols.weight_col, "event_col": cols.event_col, "quantity_col": cols.quantity_col},
            "event_weights": self.event_weights_,
            "users": self.data_.n_users,
            "items": self.data_.n_items,
            "training_rows": self.training_rows_,
            "training_fingerprint": self.training_fingerprint_,
            "fit_seconds": round(self.fit_seconds_, 3),
            "library_versions": library_versions(["pandas", *self.libraries]),
            "evaluation": getattr(self, "evaluation_", None),
            "lineage": getattr(self, "lineage_", []),
            "training_files": getattr(self, "training_files_", None),
        }

        return save_pickled(path, meta, self, STATE_FILE)

    @classmethod
    def load(cls, path: str | Path):
        """Load a saved recommender (folders hold pickled objects: load only folders you trust)."""
        expected = None if cls is BaseRecommender else cls.__name__
        model, meta = load_pickled(path, FAMILY, STATE_FILE, expected)
        model.meta_ = meta
        model.folder_version_ = folder_version(path)
        return model


def respelled_labels(given, known: pd.Index) -> str:
    """respelled_ids for one id column: " (ids given as 'u7' for 'U7' differ from the model's only in ...)", or ''
    when no id in `given` is a `known` one written with other spaces or case."""
    if not len(given):
        return ""
    return respelled_ids(pd.DataFrame({"id": np.asarray(given)}), pd.DataFrame({"id": known}), ["id"], "the model's")
