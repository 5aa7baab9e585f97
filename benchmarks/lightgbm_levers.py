"""What each fit-cost lever of the LightGBM model buys and costs: seconds and MAE on Walmart (13 weeks held out),
stallion (6 months) and a synthetic daily panel (1,000 series x 365 days, 14 days), one variant at a time.

    python benchmarks/lightgbm_levers.py [--variants defaults,max_bin_63,...]

Each variant changes one thing against the defaults, through model_params where the model takes it (the same
way a user would) and otherwise by patching for the run: lightgbm.train for the median's objective,
LightGBMModel.training_data for the median's draw. Run it with nothing else on the machine: seconds are wall
clock, and LightGBM's threads slow down sharply beside another busy process.
"""

from __future__ import annotations

import argparse
import warnings

import forecast_scaling
import forecast_stallion
import forecast_walmart
import lightgbm
import pandas as pd
from report import write_report

import bizai.finance.lightgbm_model as lightgbm_model
from bizai.finance.features import training_table

RESULTS = forecast_scaling.ROOT / "benchmarks" / "results" / "lightgbm_levers.md"
VARIANTS = {
    "defaults": {},
    "max_bin_63": {"max_bin": 63},
    "num_leaves_31": {"num_leaves": 31},
    "200 trees at twice the learning rate": {"n_estimators": 200, "learning_rate": 0.06},
    "125 thousand training rows": {"max_training_rows": 125_000},
    "median by squared error (L2)": {"median_objective": "regression"},
    "median by Huber loss": {"median_objective": "huber"},
    "interval boosters weighted by scale": {"interval_weighting": "scale"},
    "median weighted by scale on the uniform draw": {"median_draw": "uniform"},
    # The "one point model plus conformal intervals": the median booster alone (what mlforecast's one
    # LightGBM gives: no bands), and the median with bands calibrated on 2 time-ordered backtest windows instead of
    # the P10/P90 boosters (ProfitForecaster then trains the median alone; the windows refit it twice).
    "median only (no P10/P90)": {"forecaster": {"quantiles": (0.5,)}},
    "median + conformal bands (2 backtest windows)": {"forecaster": {"calibration_windows": 2}},
}


def with_median_objective(objective: str | None):
    """lightgbm.train with the median booster's objective swapped (None: unchanged)."""
    original = lightgbm.train

    def patched(params, *args, **kwargs):
        if objective and params.get("alpha") == 0.5:
            params = {**params, "objective": objective}
            params.pop("alpha")
        return original(params, *args, **kwargs)

    return original, patched


def uniform_median_draw(model: lightgbm_model.LightGBMModel, panel) -> tuple:
    """LightGBMModel.training_data before 2026-11-24: over the row cap every booster trains on one uniform draw,
    the median weighted by the series scale (None: no rows of its own)."""
    return (*training_table(panel.frame, panel.columns, model.settings.horizon, model.config_,
                            model.max_training_rows(), model.recent_from(panel), model.seed()), None)


def run_variant(params: dict) -> dict:
    params = dict(params)
    options = params.pop("forecaster", {})  # ProfitForecaster arguments rather than model_params
    original, patched = with_median_objective(params.pop("median_objective", None))
    lightgbm.train = patched
    own_draw = lightgbm_model.LightGBMModel.training_data
    if params.pop("median_draw", None) == "uniform":
        lightgbm_model.LightGBMModel.training_data = uniform_median_draw
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            train, test = forecast_walmart.load()
            walmart = forecast_walmart.bizai_row("lightgbm", train, test, params or None, **options)
            stallion = forecast_stallion.run("lightgbm", *forecast_stallion.load(), params or None, **options)
            panel = forecast_scaling.synthetic_daily_panel(1000, 365)
            cutoff = panel["date"].max() - pd.Timedelta(days=14)
            synthetic = forecast_scaling.bizai_row(panel[panel["date"] <= cutoff], panel[panel["date"] > cutoff], 14,
                                                   params or None, **options)
        return {"Walmart MAE": walmart["MAE"], "Walmart s": walmart["fit+predict s"],
                "Walmart P10-P90": walmart.get("P10-P90 coverage"), "Walmart pinball": walmart.get("P10/P90 pinball"),
                "stallion MAE": stallion["MAE"], "stallion s": stallion["fit+predict s"],
                "stallion P10-P90": stallion.get("P10-P90 coverage"), "stallion pinball": stallion.get("P10/P90 pinball"),
                "synthetic MAE": synthetic["MAE"], "synthetic s": synthetic["seconds"],
                "synthetic P10-P90": synthetic.get("P10-P90 coverage"),
                "synthetic pinball": synthetic.get("P10/P90 pinball")}
    finally:
        lightgbm.train = original
        lightgbm_model.LightGBMModel.training_data = own_draw


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", default=",".join(VARIANTS), help="names from VARIANTS, comma-separated")
    args = parser.parse_args()
    rows = []
    for name in args.variants.split(","):
        rows.append({"variant": name, **run_variant(VARIANTS[name])})
        print(rows[-1], flush=True)
    write_report(RESULTS, "LightGBM fit-cost levers: seconds and MAE, one change at a time",
                 f"Fit + predict seconds and MAE with the defaults ({lightgbm_model.DEFAULT_PARAMS['n_estimators']} "
                 "trees for the median, half as many for P10 and P90) and with one lever changed. Walmart: 2,807 series, "
                 "13 weeks held out; stallion: 350 series, 6 months; synthetic: 1,000 daily series, 14 days.",
                 pd.DataFrame(rows))


if __name__ == "__main__":
    main()
