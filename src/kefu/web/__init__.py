"""The web app (`kefu serve`): dashboards, uploads, live monitor and JSON API over the warehouse.

The app is kefu.web.app.create_app over a kefu.web.context.WebConfig. This package imports nothing itself, so
that a part of it (the users file of `kefu users`, the shared kefu.web.deps) loads without the whole app.
"""
