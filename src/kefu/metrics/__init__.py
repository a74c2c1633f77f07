"""KPI declarations and their compilation to SQL."""
