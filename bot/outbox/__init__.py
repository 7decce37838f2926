"""The outbox: notifications written with their cause, delivered later by a worker."""
