"""The console adapter: a terminal chat and a notifier that prints."""
