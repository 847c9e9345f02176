"""Organisations: registration and profile (records), staff portraits, and what one may see of another (privacy)."""
