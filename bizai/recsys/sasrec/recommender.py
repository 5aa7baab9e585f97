"""SASRecRecommender: trains the network with full softmax cross-entropy over the catalogue (sampled softmax
with shared negatives above `full_softmax_max_items`), early-stops on each user's last training item, uses
bf16 autocast on a GPU, and scores each user from their latest history in batches."""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass

import numpy as np

from bizai.errors import DataContractError
from bizai.extras import require
from bizai.hardware import torch_device
from bizai.hyperparams import Flag, Number
from bizai.persistence import PicklesNetworkAsBytes
from bizai.progress import progress, stopped_early_by_time
from bizai.recsys.base import BaseRecommender
from bizai.recsys.dataset import Extension, InteractionData
from bizai.schema import shorten

log = logging.getLogger(__name__)
SERVING_CHUNK = 256  # users per network call when scoring on the CPU
SERVING_CHUNK_GPU = 4096


@dataclass
class SASRecArchitecture:
    """SASRec's network size: embedding width, transformer layers and heads, dropout, longest sequence kept."""
    hidden: int = 64
    layers: int = 2
    heads: int = 2
    dropout: float = 0.2
    max_length: int = 200


@dataclass
class SASRecTraining:
    """SASRec's training: epochs, batches, optimiser, early stopping, negatives sampled above a catalogue size, and
    a wall-clock safety stop."""

    # Epochs, not minutes, bound training, so the model does not depend on how busy the machine is: 44 epochs
    # train MovieLens-1M in about 22 minutes on a 2-core CPU (far less on a GPU); early stopping may end sooner.
    epochs: int = 44
    batch_size: int = 128
    # 2e-3 rather than the paper's 1e-3: within the epoch budget it learns faster (ml-1m NDCG@10 0.170 against 0.161
    # with the latest windows only); a cosine schedule from 3e-3 with a warm-up was no better (0.168).
    learning_rate: float = 2e-3
    weight_decay: float = 0.0
    # Random windows keep improving in small, noisy steps (validation NDCG@10 rose again 6 epochs after a best).
    patience: int = 6
    # A history longer than the network's window trains on a window ending at a random position each epoch rather
    # than on its latest items only: the older third of MovieLens-1M's training events was never seen before. Same
    # cost per epoch; ml-1m test NDCG@10 0.182 against 0.170 (benchmarks/results/recsys_ml1m.md).
    random_windows: bool = True
    validation_users: int = 2000
    full_softmax_max_items: int = 50_000
    negatives: int = 1024
    # Only a safety stop (None: off): when it ends training early a warning says so, since the model then depends
    # on the machine's speed and load.
    max_minutes: float | None = 180.0


class TrainingWindows:
    """Users' item sequences as one flat array, cut into fixed-length left-padded windows of item ids shifted by one
    (0 = padding): each user's latest window (training, validation, serving), or for training a window ending at a
    random position (histories longer than the window only)."""

    def __init__(self, sequences: list[np.ndarray], length: int):
        self.length = length
        self.lengths = np.array([len(s) for s in sequences], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64)
        self.items = np.concatenate([np.asarray(s, dtype=np.int64) + 1 for s in sequences]) if len(sequences) else \
            np.empty(0, dtype=np.int64)

    def latest(self) -> np.ndarray:
        """Each user's latest `length` items, left-padded with 0."""
        return self.cut(self.lengths)

    def random_ends(self, generator: np.random.Generator) -> np.ndarray:
        """For each user where a window ends, uniformly at random between the first full window and the latest item
        (short histories: always the latest)."""
        shortest_end = np.minimum(self.lengths, self.length)
        ends = shortest_end + np.floor(generator.random(len(self.lengths)) * (self.lengths - shortest_end + 1))
        return ends.astype(np.int64)

    def cut(self, ends: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The windows ending at `ends` (one per user) of the users in `rows` (default: all), so a training batch
        cuts only its own rows rather than every user's window each epoch."""
        starts, ends = (self.starts, ends) if rows is None else (self.starts[rows], ends[rows])
        positions = ends[:, None] - self.length + np.arange(self.length)[None, :]
        valid = positions >= 0
        if not len(self.items):
            return np.zeros(positions.shape, dtype=np.int64)
        flat = np.minimum(starts[:, None] + np.where(valid, positions, 0), len(self.items) - 1)
        return np.where(valid, self.items[flat], 0)


class SASRecRecommender(PicklesNetworkAsBytes, BaseRecommender):
    """Self-attentive sequential recommender (Kang & McAuley, 2018) with full-softmax training.

    >>> rec = SASRecRecommender(random_state=0).fit(events, user_col="user_id", item_col="item_id",
    ...                                             time_col="timestamp")
    """

    libraries = ("numpy", "scipy", "torch")
    hyperparameter_rules = {
        **{f"architecture.{name}": Number(1, integer=True) for name in ("hidden", "layers", "heads", "max_length")},
        "architecture.dropout": Number(0, 1), "use_gpu": Flag(optional=True),
        **{f"training.{name}": Number(1, integer=True) for name in ("epochs", "batch_size", "patience", "negatives")},
        "training.learning_rate": Number(0, above=True), "training.weight_decay": Number(0),
        "training.random_windows": Flag(), "training.validation_users": Number(0, integer=True),
        "training.full_softmax_max_items": Number(0, integer=True),
        "training.max_minutes": Number(0, above=True, optional=True),
    }

    def __init__(self, architecture: SASRecArchitecture | None = None, training: SASRecTraining | None = None,
                 use_gpu: bool = True, random_state: int | None = None, show_progress: bool | None = None):
        super().__init__(random_state, show_progress)
        self.architecture = architecture or SASRecArchitecture()
        self.training = training or SASRecTraining()
        self.use_gpu = use_gpu

    # ---------------------------------------------------------------------------------------- data
    def _padded(self, sequences: list[np.ndarray], length: int) -> np.ndarray:
        """Left-padded (n, length) array of item ids shifted by one (0 = padding), keeping the latest items."""
        return TrainingWindows(sequences, length).latest()

    # ---------------------------------------------------------------------------------------- training
    def _fit(self, data: InteractionData) -> None:
        require("torch", "SASRecRecommender")
        import torch

        from bizai.recsys.sasrec.network import SASRecNetwork

        arch, train = self.architecture, self.training
        if arch.hidden % arch.heads:  # each attention head takes an equal share of the embedding
            raise DataContractError(f"SASRecRecommender: architecture.hidden ({arch.hidden}) must be a multiple of "
                                    f"architecture.heads ({arch.heads}).")
        seed = self.random_state if self.random_state is not None else 0
        torch.manual_seed(seed)
        generator = np.random.default_rng(seed)
        device = torch_device(self.use_gpu)
        if data.columns.time_col is None:  # a sequence model needs an order; the rows' is all there is
            log.warning("SASRec was given no time_col: each user's events are taken in the frame's row order. "
                        "Pass time_col (e.g. a timestamp) unless the rows are already in time order.")
        sequences = data.sequences()
        # Each user's last item is held out to pick the best epoch; it is seen as input at inference.
        trainable = [s for s in sequences if len(s) >= 2]
        if not any(len(s) >= 3 for s in trainable):  # a training pair needs two events besides the held-out one
            raise DataContractError(
                f"SASRec learns which item comes next from users with at least 3 events (the last one is held "
                f"out to choose the epoch), and none of the {len(sequences):,} users has more than "
                f"{max(map(len, sequences), default=0)}: use ALSRecommender or PopularityRecommender for such a log.")
        windows = TrainingWindows([s[:-1] for s in trainable], arch.max_length + 1)
        holdout_rows = generator.permutation(len(trainable))[: train.validation_users]
        val_inputs = self._padded([trainable[i][:-1] for i in holdout_rows], arch.max_length)
        val_targets = np.array([trainable[i][-1] for i in holdout_rows])

        network = SASRecNetwork(data.n_items, arch.hidden, arch.layers, arch.heads, arch.dropout, arch.max_length).to(device)
        optimiser = torch.optim.Adam(network.parameters(), lr=train.learning_rate, weight_decay=train.weight_decay)
        use_sampled = data.n_items > train.full_softmax_max_items
        best, best_state, stale, started = -1.0, None, 0, time.perf_counter()
        self.history_ = []
        for epoch in progress(range(train.epochs), "SASRec epochs", total=train.epochs, show=self.show_progress):
            network.train()
            ends = windows.random_ends(generator) if train.random_windows else windows.lengths
            order = generator.permutation(len(ends))
            losses = []
            for start in range(0, len(order), train.batch_size):
                batch = torch.from_numpy(windows.cut(ends, order[start:start + train.batch_size])).to(device)
                source, target = batch[:, :-1], batch[:, 1:]
                with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
                    hidden = network(source)
                    mask = target > 0
                    loss = self._loss(network, hidden[mask], target[mask] - 1, use_sampled, data.n_items, generator)
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                losses.append(float(loss.detach()))
            score = self._validation_ndcg(network, val_inputs, val_targets, device)
            self.history_.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "val_ndcg@10": score,
                                  "seconds": time.perf_counter() - started})
            log.info("SASRec epoch %d: loss %.4f, validation NDCG@10 %.4f", epoch + 1, np.mean(losses), score)
            if score > best:
                best, best_state, stale = score, copy.deepcopy(network.state_dict()), 0
            else:
                stale += 1
            if stale >= train.patience:
                break
            if train.max_minutes is not None and time.perf_counter() - started > train.max_minutes * 60:
                stopped_early_by_time("SASRec", train.max_minutes, epoch + 1, train.epochs)
                break
        network.load_state_dict(best_state)
        self.network_ = network.to("cpu").eval()
        self.sequences_ = self._padded(sequences, arch.max_length)
        self.best_validation_ndcg_ = best
        self.device_ = device

    def _update(self, data: InteractionData, extension: Extension) -> None:
        """Users' sequences grow with their new events (new users get one); the network is kept. New items have
        no embedding, so they need a retrain: refused, naming them."""
        if len(extension.new_items):
            raise DataContractError(
                f"SASRec cannot fold in new items without retraining: {len(extension.new_items)} item(s) not seen at "
                f"fit, e.g. {shorten(data.items.to_external(extension.new_items[:5]).tolist())}. Refit the model "
                "(bizai recommend fit), or drop these events from the update.")
        self.sequences_ = self._padded(data.sequences(), self.architecture.max_length)

    def _loss(self, network, hidden, target, use_sampled: bool, n_items: int, generator):
        import torch
        import torch.nn.functional as functional

        if not use_sampled:
            return functional.cross_entropy(network.item_scores(hidden).float(), target)
        # Shared uniform negatives: the positive sits in column 0 of [positive, negatives].
        negatives = torch.from_numpy(generator.integers(0, n_items, self.training.negatives)).to(hidden.device)
        table = network.item_embedding.weight[1:]
        positive = (hidden * table[target]).sum(-1, keepdim=True)
        negative = hidden @ table[negatives].T
        negative = negative.masked_fill(negatives[None, :] == target[:, None], float("-inf"))
        logits = torch.cat([positive, negative], dim=1).float()
        return functional.cross_entropy(logits, torch.zeros(len(target), dtype=torch.long, device=hidden.device))

    def _validation_ndcg(self, network, inputs: np.ndarray, targets: np.ndarray, device: str) -> float:
        import torch

        network.eval()
        gains = []
        with torch.no_grad():
            for start in range(0, len(inputs), 512):
                batch = torch.from_numpy(inputs[start:start + 512]).to(device)
                scores = network.item_scores(network.last_hidden(batch)).float()
                n_items = scores.shape[1]
                # History items are filtered, as at serving; padding goes to a dummy last column.
                scores = torch.cat([scores, torch.zeros_like(scores[:, :1])], dim=1)
                scores.scatter_(1, torch.where(batch > 0, batch - 1, n_items), float("-inf"))
                scores = scores[:, :n_items]
                target = torch.from_numpy(targets[start:start + 512]).to(device)
                target_score = scores.gather(1, target[:, None])
                rank = (scores > target_score).sum(1)
                gain = torch.where(rank < 10, 1.0 / torch.log2(rank.float() + 2), torch.zeros_like(rank, dtype=torch.float))
                gains.append(gain.cpu().numpy())
        return float(np.concatenate(gains).mean()) if gains else 0.0

    # ---------------------------------------------------------------------------------------- serving
    def _scores(self, users: np.ndarray) -> np.ndarray:
        import torch

        # On a GPU (use_gpu and one present) the network visits it for this call with bf16 autocast; the final dot
        # products with the item table run outside it, in float32, since bf16's 8-bit mantissa would tie close scores and
        # reorder the top k. Users sorted by history length go through in chunks of similar length, so little
        # padding is computed; a GPU takes larger chunks.
        device = torch_device(self.use_gpu)
        chunk = SERVING_CHUNK if device == "cpu" else SERVING_CHUNK_GPU
        sequences = self.sequences_[users]
        order = np.argsort((sequences != 0).sum(1), kind="stable")
        scores = np.empty((len(users), self.data_.n_items), dtype=np.float64)
        network = self.network_.to(device)
        try:
            with torch.no_grad():
                for start in range(0, len(order), chunk):
                    rows = order[start:start + chunk]
                    batch = torch.from_numpy(sequences[rows]).to(device)
                    with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
                        hidden = network.last_hidden(batch)
                    scores[rows] = network.item_scores(hidden.float()).cpu().numpy()
        finally:
            self.network_.to("cpu")
        return scores

    def _item_vectors(self) -> np.ndarray:
        return self.network_.item_embedding.weight[1:].detach().numpy()

    def _network_payload(self, network):
        return network.state_dict()

    def _network_from_payload(self, payload):
        from bizai.recsys.sasrec.network import SASRecNetwork

        arch = self.architecture
        network = SASRecNetwork(self.data_.n_items, arch.hidden, arch.layers, arch.heads, arch.dropout, arch.max_length)
        network.load_state_dict(payload)
        return network
