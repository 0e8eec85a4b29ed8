"""Clients for the outside services. Each takes its base URL from settings."""
