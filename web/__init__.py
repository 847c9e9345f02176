"""The zhengqi web platform: FastAPI app, pages, JSON API, services and CLI."""
