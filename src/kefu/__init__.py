"""kefu 客服绩效: customer-service KPIs for online shops on an embedded DuckDB warehouse."""


def __getattr__(name: str) -> str:
    """`kefu.__version__`, read when first asked for: importlib.metadata is slow to import for every start."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import version

    return version("kefu")  # pyproject.toml is the one place the version is written
