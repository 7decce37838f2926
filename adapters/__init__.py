"""Platform adapters (Slack, Teams, console, HTTP server): translate to and from the core."""
