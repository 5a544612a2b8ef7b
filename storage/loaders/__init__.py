"""Gathering what the KPIs need, aggregated in SQL, as the plain types of `reports`."""
