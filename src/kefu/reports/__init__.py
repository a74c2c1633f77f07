"""Outputs managers open: Excel workbook, HTML report, follow-up lists."""
