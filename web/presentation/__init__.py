"""Presentation beside the templates: the Jinja environment, navigation, charts."""
