"""Temporal Fusion Transformer through pytorch-forecasting. Every import of pytorch_forecasting lives here;
plain long frames go in (the Panel) and out (SERIES, TIME, forecast, quantiles).

On a GPU it trains with bf16 (or fp16) mixed precision; on a CPU in fp32 with small defaults that finish in
minutes. Early stopping watches the last horizon of each series; the best epoch's weights are kept. Series
unseen at fit time get the naive fallback (see `forecastable`), as too-short series do.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import warnings

import numpy as np
import pandas as pd

from bizai.finance.base import ForecastModel, quantile_label
from bizai.finance.panel import Panel
from bizai.finance.tft_determinism import interpolation_as_matrix_product, torch_determinism_restored
from bizai.hardware import lightning_accelerator, mixed_precision
from bizai.persistence import PicklesNetworkAsBytes
from bizai.progress import report_step, stopped_early_by_time
from bizai.schema import SERIES, TARGET, TIME

log = logging.getLogger(__name__)

DEFAULT_PARAMS = {
    "max_encoder_length": 24,
    "hidden_size": 16,
    "attention_head_size": 2,
    "dropout": 0.1,
    "hidden_continuous_size": 8,
    # 0.01 rather than the tutorial's 0.03: over random states 0-4 on stallion the MAE went 311.9 (278.5-392.7) ->
    # 286.9 (266.1-308.5), and on the sample P&L (states 0-2) 4,137 (3,561-5,042) -> 3,815 (3,660-3,924): the
    # larger steps made some states land far off (benchmarks/results/forecast_stallion.md).
    "learning_rate": 0.01,
    "batch_size": 128,
    "max_epochs": 40,
    "limit_train_batches": 50,
    "patience": 6,
    "reduce_on_plateau_patience": 4,
    "gradient_clip_val": 0.1,
    # Epochs (with early stopping) bound training, so the model does not depend on how busy the machine is; the
    # wall-clock limit is only a safety stop that warns when it ends training.
    "max_minutes": 180,
    "min_encoder_length": None,  # None: half the encoder length, as in the pytorch-forecasting tutorial
    "target_transformation": "auto",  # softplus for non-negative targets, none when values go negative
}
# pytorch-forecasting treats columns whose names start with "__" as its own internals (they are left out of the
# network's inputs), so the TFT frame uses plain names instead of bizai's canonical __series/__time/__target.
TIME_INDEX = "bizai_time_idx"
SERIES_LABEL = "bizai_series"
TFT_TARGET = "bizai_target"


# Warnings pytorch-forecasting and lightning raise on every run that say nothing about the user's data or
# model. Anything else (a real problem) still reaches the user.
KNOWN_LIBRARY_WARNINGS = (
    r"Attribute '\w+' is an instance of `nn.Module` and is already saved during checkpointing",  # TFT's loss, metrics
    r"`isinstance\(treespec, LeafSpec\)` is deprecated",  # lightning 2.5 on torch 2.13
)


@contextlib.contextmanager
def known_library_warnings_silenced():
    """Silence KNOWN_LIBRARY_WARNINGS only, for the duration of the block."""
    with warnings.catch_warnings():
        for message in KNOWN_LIBRARY_WARNINGS:
            warnings.filterwarnings("ignore", message=message)
        yield


def epoch_logger_class():
    """The lightning callback logging one line per epoch (built on first use, so lightning loads only for the TFT)."""
    import lightning.pytorch as pl

    class EpochLogger(pl.Callback):
        """One log line per epoch, so long CPU runs show where they are even without a progress bar."""

        def on_validation_epoch_end(self, trainer, module) -> None:
            report_step("TFT epochs", trainer.current_epoch + 1, trainer.max_epochs)
            loss = trainer.callback_metrics.get("val_loss")
            if loss is not None:
                log.info("TFT epoch %d: validation loss %.4f", trainer.current_epoch + 1, float(loss))

    return EpochLogger


def series_keys(panel: Panel) -> pd.Series:
    """Each SERIES code's caller ids as a tuple of the values themselves (prepare_panel aligned their kind)."""
    ids = panel.series_ids
    return pd.Series(list(ids[panel.columns.id_cols].itertuples(index=False, name=None)), index=ids[SERIES].to_numpy(),
                     dtype=object)


class TFTModel(PicklesNetworkAsBytes, ForecastModel):
    """The TFT on the panel: series ids as a static category, known covariates and the calendar month as known
    inputs, past covariates and the target as unknown inputs; quantile loss on the forecaster's quantiles."""

    name = "tft"
    accepted_params = frozenset(DEFAULT_PARAMS)

    def hyper(self, key: str):
        """The hyper-parameter `key`: the caller's value, else the default."""
        return self.params.get(key, DEFAULT_PARAMS[key])

    def min_history(self, panel: Panel) -> int:
        """Half the horizon, at least three periods."""
        return max(3, self.settings.horizon // 2)

    def _labels(self, panel: Panel) -> pd.Series:
        """The TFT's series label of each SERIES code of `panel`, by the caller's ids (codes are renumbered when
        predicting from newer data); NaN for series the TFT never saw."""
        keys = series_keys(panel)
        label_of = getattr(self, "label_of_", None)
        if label_of is None:  # a model saved before labels followed the caller's ids
            return pd.Series([f"s{code:07d}" for code in keys.index], index=keys.index)
        if label_of and isinstance(next(iter(label_of)), str):  # saved when ids were keyed as joined text
            keys = keys.map(lambda key: "\x1f".join(map(str, key)))
        return pd.Series([label_of.get(key) for key in keys], index=keys.index, dtype=object)

    def _frame(self, panel: Panel, future: pd.DataFrame | None = None) -> pd.DataFrame:
        """The panel (plus future rows) as pytorch-forecasting wants it: integer time index, no NaN."""
        cols = panel.columns
        frame = panel.frame
        if future is not None:
            extra = future.drop(columns="__step", errors="ignore").copy()
            statics = frame.groupby(SERIES)[cols.static_cols].last() if cols.static_cols else None
            if statics is not None:
                extra = extra.merge(statics, left_on=SERIES, right_index=True, how="left")
            frame = pd.concat([frame, extra], ignore_index=True).sort_values([SERIES, TIME], ignore_index=True)
        frame = frame.copy()
        frame[TIME_INDEX] = self._time_index(frame[TIME])
        # Rows ordered by group label, as pytorch-forecasting expects (zero-padded labels: "10" < "9" as text once
        # misaligned every series with its target scale).
        frame[SERIES_LABEL] = frame[SERIES].map(self._labels(panel))
        frame = frame.sort_values([SERIES_LABEL, TIME], ignore_index=True)
        grouped = frame.groupby(SERIES)
        frame[TARGET] = grouped[TARGET].transform(lambda s: s.interpolate(limit_direction="both")).fillna(0.0)
        for col in [*cols.known_cols, *cols.past_cols]:
            if isinstance(frame[col].dtype, pd.CategoricalDtype):
                frame[col] = frame[col].astype(str)
            else:
                frame[col] = grouped[col].transform(lambda s: s.ffill().bfill()).fillna(0.0).astype("float32")
        for col in cols.static_cols:
            if isinstance(frame[col].dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(frame[col]):
                frame[col] = frame[col].astype(str)
        frame["cal_month"] = frame[TIME].dt.month.astype(str)
        return frame.rename(columns={TARGET: TFT_TARGET})

    def _time_index(self, times: pd.Series) -> np.ndarray:
        """Period number counted from the training start, the same for every series (negative before it)."""
        start = min(self.origin_, times.min())
        grid = pd.date_range(start, times.max(), freq=self.freq_)
        return grid.get_indexer(pd.DatetimeIndex(times)) - grid.get_indexer([self.origin_])[0]

    def _dataset(self, frame: pd.DataFrame, panel: Panel):
        from pytorch_forecasting import TimeSeriesDataSet
        from pytorch_forecasting.data import GroupNormalizer, NaNLabelEncoder

        cols = panel.columns
        numeric = lambda names: [c for c in names if pd.api.types.is_numeric_dtype(frame[c])]  # noqa: E731
        categorical = lambda names: [c for c in names if not pd.api.types.is_numeric_dtype(frame[c])]  # noqa: E731
        transformation = self.hyper("target_transformation")
        if transformation == "auto":
            transformation = "softplus" if (frame[TFT_TARGET] >= 0).all() else None
        max_encoder = int(self.hyper("max_encoder_length"))
        min_encoder = self.hyper("min_encoder_length")
        min_encoder = max(1, max_encoder // 2) if min_encoder is None else int(min_encoder)
        static_cat = [SERIES_LABEL, *categorical(cols.static_cols)]
        known_cat = ["cal_month", *categorical(cols.known_cols)]
        past_cat = categorical(cols.past_cols)
        return TimeSeriesDataSet(
            frame,
            time_idx=TIME_INDEX,
            target=TFT_TARGET,
            group_ids=[SERIES_LABEL],
            max_encoder_length=max_encoder,
            min_encoder_length=min_encoder,
            max_prediction_length=self.settings.horizon,
            min_prediction_length=1,
            static_categoricals=static_cat,
            static_reals=numeric(cols.static_cols),
            time_varying_known_categoricals=known_cat,
            time_varying_known_reals=[TIME_INDEX, *numeric(cols.known_cols)],
            time_varying_unknown_categoricals=past_cat,
            time_varying_unknown_reals=[TFT_TARGET, *numeric(cols.past_cols)],
            target_normalizer=GroupNormalizer(groups=[SERIES_LABEL], transformation=transformation),
            # The group id keeps a plain encoder: with add_nan its codes shift by one and every series gets its
            # neighbour's target scale. Other categoricals accept unseen values.
            categorical_encoders={**{c: NaNLabelEncoder(add_nan=True) for c in [*static_cat, *known_cat, *past_cat]},
                                  SERIES_LABEL: NaNLabelEncoder(add_nan=False)},
            add_relative_time_idx=True,
            add_target_scales=True,
            add_encoder_length=True,
            allow_missing_timesteps=False,
        )

    def _network(self, training):
        from pytorch_forecasting import TemporalFusionTransformer
        from pytorch_forecasting.metrics import QuantileLoss

        return TemporalFusionTransformer.from_dataset(
            training,
            learning_rate=float(self.hyper("learning_rate")),
            hidden_size=int(self.hyper("hidden_size")),
            attention_head_size=int(self.hyper("attention_head_size")),
            dropout=float(self.hyper("dropout")),
            hidden_continuous_size=int(self.hyper("hidden_continuous_size")),
            loss=QuantileLoss(quantiles=self.levels_),
            log_interval=-1,
            reduce_on_plateau_patience=int(self.hyper("reduce_on_plateau_patience")),
        )

    def fit(self, panel: Panel) -> TFTModel:
        """Train on the panel, early-stopped on each series' last horizon, keeping the best epoch's weights; returns
        self."""
        import lightning.pytorch as pl
        import torch
        from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
        from pytorch_forecasting import TimeSeriesDataSet

        for name in ("lightning.pytorch", "lightning.fabric", "pytorch_lightning"):
            logging.getLogger(name).setLevel(logging.WARNING)  # their banners would drown our own logs
        seed = self.settings.random_state if self.settings.random_state is not None else 0
        pl.seed_everything(seed, workers=True, verbose=False)
        self.origin_, self.freq_ = panel.frame[TIME].min(), panel.freq
        self.levels_ = sorted({0.5, *self.settings.quantiles})
        self.label_of_ = {key: f"s{code:07d}" for code, key in series_keys(panel).items()}
        frame = self._frame(panel)
        cutoff = frame[TIME_INDEX].max() - self.settings.horizon
        training = self._dataset(frame[frame[TIME_INDEX] <= cutoff], panel)
        validation = TimeSeriesDataSet.from_dataset(training, frame, predict=True, stop_randomization=True)
        batch = int(self.hyper("batch_size"))
        train_loader = training.to_dataloader(train=True, batch_size=batch, num_workers=0)
        val_loader = validation.to_dataloader(train=False, batch_size=batch * 4, num_workers=0)
        accelerator = lightning_accelerator()
        with known_library_warnings_silenced():
            self.network_ = self._network(training)
        EpochLogger = epoch_logger_class()  # noqa: N806 - a class built lazily so lightning loads only here
        with tempfile.TemporaryDirectory() as folder, torch_determinism_restored():
            checkpoint = ModelCheckpoint(dirpath=folder, monitor="val_loss", mode="min", save_top_k=1)
            trainer = pl.Trainer(
                max_epochs=int(self.hyper("max_epochs")),
                accelerator=accelerator,
                devices=1,
                precision=mixed_precision(accelerator),
                gradient_clip_val=float(self.hyper("gradient_clip_val")),
                limit_train_batches=self.hyper("limit_train_batches"),
                callbacks=[EarlyStopping(monitor="val_loss", patience=int(self.hyper("patience"))), checkpoint,
                           EpochLogger()],
                max_time={"minutes": float(self.hyper("max_minutes"))},
                logger=False,
                enable_progress_bar=bool(self.settings.show_progress),
                enable_model_summary=False,
                deterministic=True,
                default_root_dir=folder,
            )
            # On a GPU one TFT layer has no deterministic backward; a matrix product stands in while training.
            on_gpu = interpolation_as_matrix_product(self.network_) if accelerator == "gpu" else contextlib.nullcontext()
            with known_library_warnings_silenced(), on_gpu:
                trainer.fit(self.network_, train_dataloaders=train_loader, val_dataloaders=val_loader)
            if checkpoint.best_model_path:
                best = torch.load(checkpoint.best_model_path, map_location="cpu", weights_only=False)
                self.network_.load_state_dict(best["state_dict"])
        self.network_ = self.network_.to("cpu").eval()
        self.dataset_parameters_ = training.get_parameters()
        self.epochs_trained_ = trainer.current_epoch
        timer = next((c for c in trainer.callbacks if type(c).__name__ == "Timer"), None)
        if timer is not None and timer.time_remaining() is not None and timer.time_remaining() <= 0:
            stopped_early_by_time("TFT", float(self.hyper("max_minutes")), self.epochs_trained_,
                                  int(self.hyper("max_epochs")))
        self.accelerator_ = accelerator
        self._importance_from(val_loader)
        return self

    def _importance_from(self, loader) -> None:
        """Variable-selection weights, averaged over the validation windows, summed per input."""
        import torch

        with torch.no_grad(), known_library_warnings_silenced():
            raw = self.network_.predict(loader, mode="raw", trainer_kwargs={"accelerator": "cpu", "logger": False,
                                                                            "enable_progress_bar": False})
            interpretation = self.network_.interpret_output(raw, reduction="sum")
        totals: dict[str, float] = {}
        for key, names in (("static_variables", self.network_.static_variables),
                           ("encoder_variables", self.network_.encoder_variables),
                           ("decoder_variables", self.network_.decoder_variables)):
            weights = interpretation[key].detach().cpu().numpy()
            weights = weights / weights.sum() if weights.sum() > 0 else weights
            for name, weight in zip(names, weights, strict=True):
                label = {SERIES_LABEL: "series_id", TFT_TARGET: "target_history", TIME_INDEX: "time_index",
                         f"{TFT_TARGET}_center": "target_level", f"{TFT_TARGET}_scale": "target_scale"}.get(name, name)
                totals[label] = totals.get(label, 0.0) + float(weight)
        frame = pd.DataFrame({"feature": list(totals), "importance": list(totals.values())})
        frame["importance"] /= frame["importance"].sum()
        self.importance_ = frame.sort_values("importance", ascending=False, ignore_index=True)

    def forecastable(self, panel: Panel, future: pd.DataFrame) -> pd.Series:
        """Series long enough and seen at fit time (the TFT encodes series ids); the others get the naive fallback."""
        known = self._known_series()
        seen = future[SERIES].map(self._labels(panel)).isin(known)
        if not seen.all():
            log.warning("%d series were not seen when the TFT was fitted and get the naive forecast; refit to include "
                        "them", future.loc[~seen, SERIES].nunique())
        return super().forecastable(panel, future) & seen

    def predict(self, panel: Panel, future: pd.DataFrame) -> pd.DataFrame:
        """Forecast and quantiles for the future grid (series seen at fit time; predict_with sends the rest to the
        fallback)."""
        return self._predict_known(panel, future)

    def _known_series(self) -> set[str]:
        return set(self.dataset_parameters_["categorical_encoders"][SERIES_LABEL].classes_)

    def _predict_known(self, panel: Panel, future: pd.DataFrame) -> pd.DataFrame:
        import torch
        from pytorch_forecasting import TimeSeriesDataSet

        frame = self._frame(panel, future)
        dataset = TimeSeriesDataSet.from_parameters(self.dataset_parameters_, frame, predict=True,
                                                    stop_randomization=True)
        with torch.no_grad(), known_library_warnings_silenced():
            prediction = self.network_.predict(
                dataset, mode="quantiles", return_index=True, batch_size=256,
                trainer_kwargs={"accelerator": "cpu", "logger": False, "enable_progress_bar": False})
        values = prediction.output.detach().cpu().numpy()  # (series, horizon, quantiles)
        index = prediction.index
        code_of = {label: code for code, label in self._labels(panel).dropna().items()}
        series = index[SERIES_LABEL].map(code_of).astype(np.int64).to_numpy()
        horizon = values.shape[1]
        out = pd.DataFrame({SERIES: np.repeat(series, horizon), "__step": np.tile(np.arange(1, horizon + 1), len(series))})
        stacked = np.sort(values.reshape(-1, values.shape[2]), axis=1)
        out["forecast"] = stacked[:, self.levels_.index(0.5)]
        for q in self.settings.quantiles:
            out[quantile_label(q)] = stacked[:, self.levels_.index(q)]
        merged = future[[SERIES, TIME, "__step"]].merge(out, on=[SERIES, "__step"], how="left")
        return merged.drop(columns="__step")

    def feature_importance(self) -> pd.DataFrame:
        """Variable-selection weights averaged over the validation windows, per input."""
        return self.importance_

    def library_names(self) -> list[str]:
        """Libraries a saved model must be loaded with: torch, pytorch-forecasting and lightning too."""
        return [*super().library_names(), "torch", "pytorch-forecasting", "lightning"]

    def _network_payload(self, network):
        return {"hparams": dict(network.hparams), "weights": network.state_dict()}

    def _network_from_payload(self, payload):
        from pytorch_forecasting import TemporalFusionTransformer

        with known_library_warnings_silenced():
            network = TemporalFusionTransformer(**payload["hparams"])
        network.load_state_dict(payload["weights"])
        return network
