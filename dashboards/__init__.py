"""The Streamlit dashboard (`postmortems dashboard`); every number comes from analytics.metrics."""
