"""Engines that run the metric models: DuckDB (default) and, later, Spark."""
