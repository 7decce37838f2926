"""Incidents: reports of social-media misuse, their routing, states and audit trail."""
