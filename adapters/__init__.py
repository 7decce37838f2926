"""Platform adapters: Slack, Teams, console and the HTTP server; they translate to and from the core."""
