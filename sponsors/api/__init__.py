"""Community groups, initiatives, needs, sponsors and offers through the API."""
