"""Email: alerts by SMTP (a second channel beside Slack and Teams)."""
