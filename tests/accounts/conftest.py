"""The campaign tests' fixtures: the real core on the shared ``database`` fixture."""

from tests.campaigns.conftest import clock, console_bot

__all__ = ["clock", "console_bot"]
