"""Errors the incident service raises, each with a message fit to show the person."""

from __future__ import annotations


class IncidentError(Exception):
    """Base class: ``str(error)`` is a friendly, specific message for the user."""


class NotFound(IncidentError):
    """No incident with that reference."""


class NotEntitled(IncidentError):
    """The person may not see or act on this incident (the refusal is audited)."""


class InvalidTransition(IncidentError):
    """The incident is not in a state that allows this (e.g. closing a closed report)."""


class InvalidInput(IncidentError):
    """Something the person typed cannot be used (e.g. an empty outcome)."""
