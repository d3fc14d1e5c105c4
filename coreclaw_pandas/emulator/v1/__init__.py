"""CoreClaw REST API v1 over the backend: RPC-style POST paths and the ``{code}`` envelope.

``routes`` dispatches and serves the catalogue endpoints, ``runs`` the run and task
endpoints, ``wire`` holds the envelope, business codes and reply shapes.
"""

from .routes import handle

__all__ = ["handle"]
