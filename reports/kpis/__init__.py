"""One module per KPI group; every function here is pure."""
