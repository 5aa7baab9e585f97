"""The TFT: it learns (beats the last value on a seasonal panel), refuses misspelt hyper-parameters before
training, keeps ids as they were given, and lets only unexpected library warnings through."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from bizai import DataContractError
from bizai.finance import ProfitForecaster

pytest.importorskip("pytorch_forecasting")

SMALL = {"hidden_size": 16, "hidden_continuous_size": 8, "attention_head_size": 2, "batch_size": 32,
         "max_encoder_length": 12, "limit_train_batches": 10, "max_epochs": 12, "patience": 4, "learning_rate": 0.03}


def seasonal_panel(n_series: int = 6, periods: int = 60, seed: int = 0) -> pd.DataFrame:
    """Monthly series with a strong yearly cycle: the last value is a poor forecast, the cycle a good one."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2019-01-01", periods=periods, freq="MS")
    t = np.arange(periods)
    rows = []
    for number in range(n_series):
        level = 100.0 * (number + 1)
        y = level * (1 + 0.4 * np.sin(2 * np.pi * (t + number) / 12)) + rng.normal(0, 0.03 * level, periods)
        rows.append(pd.DataFrame({"region": number % 2, "store": f"{number:03d}", "month": times, "sales": y}))
    return pd.concat(rows, ignore_index=True)


def test_tft_beats_the_last_value_on_a_seasonal_panel():
    data = seasonal_panel()
    cutoff = data["month"].max() - pd.DateOffset(months=6)
    history, actual = data[data["month"] <= cutoff], data[data["month"] > cutoff]
    columns = dict(id_col=["region", "store"], time_col="month", target_col="sales")
    errors = {}
    for model, params in (("naive", None), ("tft", SMALL)):
        forecast = ProfitForecaster(model=model, horizon=6, freq="MS", random_state=0, model_params=params).fit(
            history, **columns).predict()
        joined = forecast.merge(actual, on=["region", "store", "month"], validate="one_to_one")
        assert len(joined) == len(actual)  # every id came back as given: int regions, "007"-style stores
        errors[model] = float((joined["forecast"] - joined["sales"]).abs().mean())
    assert errors["tft"] < 0.3 * errors["naive"], errors  # one epoch scores about 0.6; twelve about 0.1


def test_misspelt_hyper_parameter_is_refused_before_training_with_a_suggestion():
    data = seasonal_panel(n_series=2, periods=24)
    with pytest.raises(DataContractError, match=r"'hiden_size' \(did you mean 'hidden_size'\?\).*It accepts:"):
        ProfitForecaster(model="tft", horizon=3, model_params={"hiden_size": 8}).fit(
            data, id_col="store", time_col="month", target_col="sales")


def test_only_unexpected_library_warnings_reach_the_user():
    data = seasonal_panel(n_series=3, periods=30)
    tiny = {**SMALL, "max_epochs": 1, "limit_train_batches": 2}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = ProfitForecaster(model="tft", horizon=3, freq="MS", random_state=0, model_params=tiny)
        model.fit(data, id_col="store", time_col="month", target_col="sales").predict()
    from_libraries = [str(w.message)[:120] for w in caught if "site-packages" in w.filename]
    assert not from_libraries


def test_a_time_limit_that_ends_training_is_warned_about():
    data = seasonal_panel(n_series=3, periods=30)
    rushed = {**SMALL, "max_epochs": 50, "max_minutes": 0.0001}
    model = ProfitForecaster(model="tft", horizon=3, freq="MS", random_state=0, model_params=rushed)
    limited = r"TFT training hit its max_minutes=0.0001 safety limit after \d+ of 50 epochs"
    with pytest.warns(UserWarning, match=limited) as caught:
        model.fit(data, id_col="store", time_col="month", target_col="sales")
    limit = next(w for w in caught if "safety limit" in str(w.message))
    assert limit.filename == __file__  # shown at the caller's fit, not inside bizai


@pytest.mark.parametrize("before", [False, True])
def test_a_fit_leaves_torchs_deterministic_flag_as_it_found_it(before):
    # Lightning's deterministic=True switches the process-wide flag on; left on, a later GPU op without a
    # deterministic kernel (in SASRec or the user's own code) would raise.
    import torch

    data = seasonal_panel(n_series=3, periods=30)
    tiny = {**SMALL, "max_epochs": 1, "limit_train_batches": 2}
    torch.use_deterministic_algorithms(before)
    try:
        ProfitForecaster(model="tft", horizon=3, freq="MS", random_state=0, model_params=tiny).fit(
            data, id_col="store", time_col="month", target_col="sales")
        assert torch.are_deterministic_algorithms_enabled() is before
    finally:
        torch.use_deterministic_algorithms(False)


@pytest.mark.parametrize("trainable", [False, True])
def test_interpolation_as_a_matrix_product_matches_the_layer_and_its_gradients(trainable):
    # Stands in for F.interpolate while a GPU trains (whose CUDA backward is not deterministic): same values and
    # gradients, and the layer is pytorch-forecasting's own again afterwards.
    import torch
    from pytorch_forecasting.models.temporal_fusion_transformer.sub_modules import TimeDistributedInterpolation

    from bizai.finance.tft_determinism import interpolation_as_matrix_product

    torch.manual_seed(0)
    layer = TimeDistributedInterpolation(output_size=11, batch_first=True, trainable=trainable)
    if trainable:
        layer.mask.data.normal_()
    x = torch.randn(4, 5, 3, dtype=torch.float64, requires_grad=True)
    layer.double()
    reference = layer(x)
    (expected,) = torch.autograd.grad((reference * reference).sum(), x)
    with interpolation_as_matrix_product(torch.nn.Sequential(layer)):
        assert "interpolate" in layer.__dict__
        product = layer(x)
        (gradient,) = torch.autograd.grad((product * product).sum(), x)
    assert "interpolate" not in layer.__dict__
    assert product.shape == reference.shape == (4, 5, 11)
    torch.testing.assert_close(product, reference, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gradient, expected, rtol=1e-12, atol=1e-12)
