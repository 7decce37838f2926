"""The trust directory: academies, their key people, and everyone's chat identities."""
