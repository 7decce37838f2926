"""One module per ``policybot`` sub-command, each with ``register(subparsers)``."""
