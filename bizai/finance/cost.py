"""A rough expected training time from the data's size, said before training starts (the dashboard shows it next
to the Train button), so nobody waits minutes without knowing it.

The constants were measured on a 2-core x86_64 machine on 2026-11-23 with the default settings: a LightGBM
booster costs about 0.3 s plus 1.0e-4 s per row of its training table (series x periods x horizon, capped at
max_training_rows), from the sample P&L (13,500 rows: 1.6 s), stallion (113,000 rows) and Walmart (the 250,000-row
cap: 26 s); an interval booster costs a quarter of a median booster (half the trees, and unweighted, which halves
LightGBM's quantile leaves: 5.5 s against 20 s at the cap, measured 2026-11-24), and at the cap the median itself
trains unweighted on rows drawn by scale, about half the cost (Walmart: 10.7 s against 19.4 s, 2026-11-24); the TFT
about 0.01 s per panel row for its default epochs (stallion: 198 s for 18,900 rows). It is an estimate, within a
factor of two or so: other work on the machine makes it slower.
"""

from __future__ import annotations

from bizai.finance.lightgbm_model import DEFAULT_MAX_ROWS
from bizai.hardware import compute_threads

MEASURED_THREADS = 2
LIGHTGBM_BOOSTER_SECONDS = 0.3
LIGHTGBM_SECONDS_PER_ROW = 1.0e-4
INTERVAL_BOOSTER_SHARE = 0.25  # of a median booster's time
CAPPED_MEDIAN_SHARE = 0.5  # a median booster at the row cap (unweighted on its draw by scale), of a weighted one
BASELINE_SECONDS, BASELINE_SECONDS_PER_ROW = 0.05, 2.0e-6
TFT_SECONDS_PER_ROW = 0.0105
AUTO_CANDIDATES = ("naive", "seasonal_naive", "lightgbm")


def one_fit_seconds(model: str, n_rows: int, horizon: int, interval_levels: int, threads: int,
                    max_training_rows: int | None = DEFAULT_MAX_ROWS) -> float:
    """Seconds one fit of `model` takes on `n_rows` panel rows; `interval_levels`: quantiles besides the median."""
    if model == "lightgbm":
        capped = max_training_rows is not None and n_rows * horizon > max_training_rows
        table_rows = max_training_rows if capped else n_rows * horizon
        boosters = (CAPPED_MEDIAN_SHARE if capped else 1) + INTERVAL_BOOSTER_SHARE * interval_levels
        speed_up = (max(threads, 1) / MEASURED_THREADS) ** 0.7  # OpenMP gains less than the core count
        return boosters * (LIGHTGBM_BOOSTER_SECONDS + LIGHTGBM_SECONDS_PER_ROW * table_rows) / speed_up
    if model == "tft":
        return TFT_SECONDS_PER_ROW * n_rows
    return BASELINE_SECONDS + BASELINE_SECONDS_PER_ROW * n_rows


def expected_fit_seconds(model: str, n_rows: int, horizon: int, quantiles: int = 3, calibration_windows: int = 0,
                         auto_windows: int = 2, threads: int | None = None) -> float:
    """Roughly how long `ProfitForecaster(model, horizon, ...).fit` takes on a panel of `n_rows` rows (one per
    series and period) with `quantiles` levels (the median included), on this machine's threads."""
    threads = threads or compute_threads()
    interval_levels = max(quantiles - 1, 0)
    calibrated_levels = 0 if calibration_windows else interval_levels  # calibrated LightGBM trains the median alone
    seconds = 0.0
    chosen = model
    if model == "auto":
        seconds += auto_windows * sum(one_fit_seconds(name, n_rows, horizon, interval_levels, threads)
                                      for name in AUTO_CANDIDATES)
        chosen = "lightgbm"  # the costliest candidate, usually the one kept
    levels = calibrated_levels if chosen == "lightgbm" else interval_levels
    return seconds + (1 + calibration_windows) * one_fit_seconds(chosen, n_rows, horizon, levels, threads)


def duration_in_words(seconds: float) -> str:
    """'about 10 seconds', 'about 3 minutes', 'about 1.5 hours'."""
    if seconds < 5:
        return "a few seconds"
    if seconds < 90:
        return f"about {5 * round(seconds / 5):.0f} seconds"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60):.0f} minutes"
    return f"about {seconds / 3600:.1f} hours"
