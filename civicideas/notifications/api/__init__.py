"""My notifications and notification preferences through the API."""
