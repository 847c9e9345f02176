"""Needs and offers (postings): their two sides, validation and lifecycle."""
