"""CoreClaw REST API v2 over the same backend: REST paths, Bearer keys, ErrorEnvelope.

``routes`` dispatches and serves the catalogue endpoints, ``tasks`` the saved-task
endpoints, ``runs`` the run endpoints; ``params`` reads requests and ``wire``
writes replies.
"""

from .routes import credential, handle, is_v2

__all__ = ["credential", "handle", "is_v2"]
