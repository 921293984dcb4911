"""Views: small Viewer classes that build their widgets and plots once and update them in place."""
from ..throttle import Throttle  # noqa: F401  (the views' shared rate limit)
