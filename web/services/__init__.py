"""Use cases joining models and matcher: one function per user action.

Services take a Session first and keyword-only values, commit once at the end of the
action, raise DomainError subclasses, and never import fastapi or starlette.
"""
