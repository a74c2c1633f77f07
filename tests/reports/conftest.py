from tests.reports.demo_shop import demo_con, demo_db  # noqa: F401  (shared fixtures)
