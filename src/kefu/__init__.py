"""kefu 客服绩效: customer-service KPIs for online shops on an embedded DuckDB warehouse."""

__version__ = "0.1.0"
