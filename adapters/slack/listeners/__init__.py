"""Slack listeners, one small module per kind of request; each has ``register(app, rt)``."""
