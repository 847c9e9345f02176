"""Hardening that is not one user action: production readiness, upload checks, throttling."""
