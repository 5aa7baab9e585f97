import pandas as pd

from bizai.mapping import guess_event_columns, guess_event_weights, guess_series_columns


def test_series_columns_are_guessed_from_names_and_dtypes():
    frame = pd.DataFrame({"Store": ["a", "a", "b"], "Month": ["2024-01-01", "2024-02-01", "2024-01-01"],
                          "region": ["n", "n", "s"], "promo_days": [1, 2, 3], "Profit": [1.0, 2.0, 3.0],
                          "note": ["x", "y", "z"]})
    guess = guess_series_columns(frame)
    assert guess["id_col"] == "Store" and guess["time_col"] == "Month" and guess["target_col"] == "Profit"
    assert guess["static_cols"] == ["region"]  # constant per store; 'note' varies
    assert guess["known_cols"] == ["promo_days"]


def test_stores_numbered_as_integers_are_guessed_as_the_id():
    walmart = pd.DataFrame({"Store": [1, 1, 2], "Dept": [1, 2, 1], "Date": ["2010-02-05"] * 3,
                            "Weekly_Sales": [24924.5, 50605.27, 13740.12], "IsHoliday": [False] * 3})
    guess = guess_series_columns(walmart)
    assert (guess["id_col"], guess["time_col"], guess["target_col"]) == ("Store", "Date", "Weekly_Sales")
    assert guess["known_cols"] == ["IsHoliday"]


def test_event_columns_and_weights():
    frame = pd.DataFrame({"customer_id": [1], "product_id": [2], "ts": [3], "action": ["purchase"]})
    assert guess_event_columns(frame.assign(qty=1)) == {"user_col": "customer_id", "item_col": "product_id",
                                                        "time_col": "ts", "event_col": "action", "quantity_col": None}
    retail = pd.DataFrame({"InvoiceNo": ["1"], "StockCode": ["85123A"], "Quantity": [-2], "InvoiceDate": ["12/1/2010"],
                           "CustomerID": [17850]})
    assert guess_event_columns(retail) == {"user_col": "CustomerID", "item_col": "StockCode", "time_col": "InvoiceDate",
                                           "event_col": None, "quantity_col": "Quantity"}
    assert guess_event_weights(pd.Series(["view", "purchase", "wishlist"])) == {"view": 1.0, "purchase": 5.0,
                                                                                  "wishlist": 1.0}
