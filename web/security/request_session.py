"""Where a request's database session waits in the ASGI scope.

The idempotency middleware opens the session of a keyed write, so that the write and its
stored answer commit together; ``web.deps.get_session`` then hands the route that same
session. Both read the key from here, so neither imports the other.
"""

SCOPE_KEY = "zhengqi.request_session"
