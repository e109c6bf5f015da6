"""Settings: ``base`` holds everything; ``dev``, ``test`` and ``production`` only
switch what differs between those environments. Integrations are driven by
environment variables (see README's configuration table)."""
