"""ASGI entry point for uvicorn workers: the app built from the environment."""

from web.app import create_app

app = create_app(server_process=True)
