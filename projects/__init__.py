"""City projects: how a city carries out accepted ideas, in public (issue 14)."""
