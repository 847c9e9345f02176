"""Matches after the engine: review queue and decisions, the pipeline to a contract, the portals' view."""
