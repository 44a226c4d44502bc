"""moto's request dispatcher, remembering which of its backends serves a host.

moto's server (`DomainDispatcherApplication`) works out the backend for every request: it
lists moto's package folder with a `stat` per entry to see whether the host names a module,
then tries each service's URL patterns, about 0.7 ms of CPU a request here, under the lock
all of the server's threads share. The answer depends only on the host (the folder and the
patterns are fixed once moto is installed), so it is worked out once per host.
"""

from __future__ import annotations

from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication


class HostDispatch(DomainDispatcherApplication):
    """moto's dispatcher with each host's backend kept after the first request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._backends: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        # Called only under the dispatcher's own lock (get_application).
        if host not in self._backends:
            self._backends[host] = super().get_backend_for_host(host)
        return self._backends[host]
