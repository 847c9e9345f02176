"""Fault runs against a real server: ``python -m web.faults`` (see ``__main__``)."""
