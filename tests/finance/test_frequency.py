"""The dates' frequency is inferred through gaps (bank holidays, a missing month) and a failure names the dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bizai import DataContractError
from bizai.finance.frequency import frequency_from_steps, pandas_frequency, resolve_freq
from bizai.finance.panel import columns_from_arguments, prepare_panel


def long_frame(dates_per_series: list[pd.DatetimeIndex]) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"id": f"s{i}", "t": dates, "y": np.arange(len(dates), dtype=float)})
                      for i, dates in enumerate(dates_per_series)], ignore_index=True)


def inferred(frame: pd.DataFrame):
    columns = columns_from_arguments("id", "t", "y", None, None, None)
    return prepare_panel(frame, columns, None)


def test_business_days_with_a_bank_holiday_are_business_days_and_the_holiday_is_filled():
    days = pd.bdate_range("2024-01-01", periods=60)
    holiday = pd.Timestamp("2024-01-15")
    panel = inferred(long_frame([days.drop(holiday), days.drop(holiday)]))
    assert panel.freq == "B"
    assert set(panel.filled["t"]) == {holiday}


def test_months_with_a_missing_month_in_every_series_are_monthly():
    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    panel = inferred(long_frame([months.delete(5), months.delete(9)]))
    assert panel.freq == "MS" and len(panel.filled) == 2


def test_half_months_and_month_ends_with_gaps():
    half = pd.date_range("2022-01-01", periods=30, freq="SMS")
    ends = pd.date_range("2022-01-31", periods=30, freq="ME")
    frame = long_frame([half.delete(3)])
    assert frequency_from_steps(frame["t"], frame["id"])[0] == "SMS"
    frame = long_frame([ends.delete(3), ends.delete(7)])
    assert frequency_from_steps(frame["t"], frame["id"])[0] == "ME"


def test_a_gap_free_series_keeps_pandas_inference():
    weeks = pd.date_range("2024-01-03", periods=20, freq="W-WED")
    assert resolve_freq(pd.Series(weeks), pd.Series(np.zeros(20, int)), None) == "W-WED"


def test_weeks_with_dates_off_the_weekday_name_the_likely_frequency_and_those_dates():
    weeks = pd.date_range("2024-01-01", periods=30, freq="W-MON")
    shifted = weeks.delete(10).append(pd.DatetimeIndex([weeks[10] + pd.Timedelta(days=1)]))
    with pytest.raises(DataContractError, match=r"7 days\) suggests 'W-MON', but 1 date\(s\) are not on it: "
                                                r"'2024-03-12'"):
        inferred(long_frame([shifted, weeks[:20]]))  # the longest series is the irregular one


def test_series_of_a_multiple_frequency_keep_their_own_phase_and_values():
    """Every two months, one store from January, another from February: each keeps its own dates and values (the
    panel once counted periods from the first store's January and moved the second store onto it)."""
    from bizai.finance import ProfitForecaster

    january = pd.date_range("2020-01-01", periods=30, freq="2MS")
    february = pd.date_range("2020-02-01", periods=29, freq="2MS").delete(4)  # and one gap
    frame = long_frame([january, february])
    panel = prepare_panel(frame, columns_from_arguments("id", "t", "y", None, None, None), "2MS")
    kept = panel.to_caller(panel.frame).dropna(subset=["__target"])
    merged = frame.merge(kept, on=["id", "t"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all() and np.allclose(merged["y"], merged["__target"])
    assert list(panel.filled["t"]) == [pd.Timestamp("2020-10-01")]
    forecast = ProfitForecaster(model="naive", horizon=2, freq="2MS", show_progress=False).fit(
        frame, id_col="id", time_col="t", target_col="y").predict()
    assert forecast.groupby("id")["t"].min().to_dict() == {"s0": january[-1] + pd.DateOffset(months=2),
                                                         "s1": february[-1] + pd.DateOffset(months=2)}


def test_a_date_between_a_series_own_periods_is_refused_by_name():
    months = pd.date_range("2020-01-01", periods=12, freq="2MS")
    odd = months.delete(5).append(pd.DatetimeIndex(["2020-12-01"]))  # a month between two of its periods
    with pytest.raises(DataContractError, match=r"not a whole number of '2MS' periods after the first date of "
                                                r"their series: 's1 2020-12-01'"):
        prepare_panel(long_frame([months, odd]), columns_from_arguments("id", "t", "y", None, None, None), "2MS")


def test_a_time_of_day_off_the_daily_grid_is_refused_by_name():
    days = pd.date_range("2024-01-01", periods=20, freq="D")
    noon = days.delete(3).append(pd.DatetimeIndex(["2024-01-04 12:00"]))
    with pytest.raises(DataContractError, match=r"'s1 2024-01-04 12:00:00'"):
        prepare_panel(long_frame([days, noon]), columns_from_arguments("id", "t", "y", None, None, None), "D")


def test_aliases_pandas_renamed_are_read_by_their_new_names_with_a_warning():
    # pandas 3 refuses 'M' (month end before pandas 2.2), the alias most code and tutorials still use
    frame = long_frame([pd.date_range("2020-01-31", periods=18, freq="ME")])
    columns = columns_from_arguments("id", "t", "y", None, None, None)
    assert prepare_panel(frame, columns, "M").freq == "ME"  # the estimators warn, once, in the caller's code
    for old, new in (("2M", "2ME"), ("Q-DEC", "QE-DEC"), ("BA", "BYE"), ("T", "min")):
        with pytest.warns(UserWarning, match=rf"read as '{new}'"):
            assert pandas_frequency(old) == new
    assert pandas_frequency("MS") == "MS" and pandas_frequency("ms") == "ms"  # names pandas reads are kept
    with pytest.raises(DataContractError, match=r"Dates do not fit the frequency 'QE-DEC'"):
        prepare_panel(frame, columns, "Q")
    from bizai.finance import ProfitForecaster
    hourly = long_frame([pd.date_range("2024-01-01", periods=48, freq="h")])
    with pytest.warns(UserWarning, match=r"freq='H' is pandas' name before version 2\.2; read as 'h', its name now") as caught:
        assert ProfitForecaster(model="naive", horizon=2, freq="H").fit(hourly, "id", "t", "y").panel_.freq == "h"
    renamed = [w for w in caught if "freq=" in str(w.message)]
    assert len(renamed) == 1 and renamed[0].filename == __file__  # once, pointing at the caller's line


@pytest.mark.parametrize("word,hint", [("monthly", r"'MS' \(dates on the 1st\) or 'ME'"), ("Week", r"'W-MON' or 'W-SUN'"),
                                       ("annual", r"yearly data pass 'YS' or 'YE'"), ("fortnight", r"such as 'D'")])
def test_a_frequency_in_words_names_the_aliases_that_say_it(word, hint):
    frame = long_frame([pd.date_range("2020-01-01", periods=18, freq="MS")])
    with pytest.raises(DataContractError, match=rf"Frequency '{word}' is not a pandas frequency: .*{hint}"):
        prepare_panel(frame, columns_from_arguments("id", "t", "y", None, None, None), word)


def test_monthly_dates_at_milliseconds_are_refused_before_filling_billions_of_periods():
    # 'ms' (milliseconds) typed for 'MS' made fit allocate 763 GiB for the filled panel
    frame = long_frame([pd.date_range("2015-01-01", periods=40, freq="MS")] * 2)
    with pytest.raises(DataContractError, match=r"At frequency 'ms' the dates .* span 102,470,400,001 periods, of "
                                                r"which 40 have data.*look like 'MS'"):
        prepare_panel(frame, columns_from_arguments("id", "t", "y", None, None, None), "ms")
    minutes = long_frame([pd.date_range("2024-01-01", periods=3000, freq="min")])
    assert prepare_panel(minutes, columns_from_arguments("id", "t", "y", None, None, None), "min").freq == "min"
