"""kefu 客服绩效: customer-service KPIs for online shops on an embedded DuckDB warehouse."""
from importlib.metadata import version

__version__ = version("kefu")  # pyproject.toml is the one place the version is written
