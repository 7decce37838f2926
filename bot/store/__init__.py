"""Storage: the async SQLAlchemy database, ORM models, migrations and conversation state."""

from bot.store.db import Database, normalise_url

__all__ = ["Database", "normalise_url"]
