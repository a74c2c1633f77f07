"""Engines that run the metric models: DuckDB (default, embedded) and Spark (scale-out)."""
