"""The web app (`kefu serve`): dashboards, uploads, live monitor and JSON API over the warehouse."""
from __future__ import annotations

from kefu.web.app import create_app
from kefu.web.context import WebConfig

__all__ = ["WebConfig", "create_app"]
