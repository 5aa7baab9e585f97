"""bizai dashboard: the router. Each page module under views/ only draws; computing happens in bizai."""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).parent))  # so pages can import the shared state module

st.set_page_config(page_title="bizai", page_icon="📈", layout="wide")
VIEWS = Path(__file__).parent / "views"
pages = [
    st.Page(VIEWS / "data.py", title="Data", icon=":material/table:", default=True),
    st.Page(VIEWS / "forecast.py", title="Forecast", icon=":material/show_chart:", url_path="forecast"),
    st.Page(VIEWS / "statement.py", title="Statement", icon=":material/request_quote:", url_path="statement"),
    st.Page(VIEWS / "recommendations.py", title="Recommendations", icon=":material/shopping_cart:", url_path="recommendations"),
    st.Page(VIEWS / "monitor.py", title="Monitor", icon=":material/monitor_heart:", url_path="monitor"),
    st.Page(VIEWS / "models.py", title="Models", icon=":material/save:", url_path="models"),
]
st.navigation(pages).run()
