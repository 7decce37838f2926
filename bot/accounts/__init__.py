"""Official school social-media accounts: request, approval, register and regular checks."""
