# Generated from kubeset/_async/auth.py by codegen/clientgen/unasync.py. DO NOT EDIT.
"""The credential flow runner: drives an :class:`~kubeset.auth.Authenticator`'s I/O-free flows
(:mod:`kubeset.auth`), performing the effects they yield.

Waits use ``time.sleep``, and calls to an identity provider ``httpx.Client``. A credential
plugin run and the write-back of refreshed tokens (rare: credentials are cached) are the blocking
calls of :mod:`kubeset._auth_io`, which the async runtime makes in a worker thread
(``asyncio.to_thread``), killing a plugin whose caller was cancelled. A token file, small and
local, is read inline.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

import httpx

from kubeset._auth_io import (
    Command,
    idp_client_options,
    idp_request_options,
    persist_tokens,
    read_file,
)
from kubeset.auth import (
    Authenticator,
    CommandResult,
    Credentials,
    Effect,
    Flow,
    HttpRequest,
    HttpResult,
    PersistTokens,
    RunCommand,
    Sleep,
)

__all__ = ["AuthRunner"]

T = TypeVar("T")


class AuthRunner:
    """Drives an :class:`~kubeset.auth.Authenticator`'s flows (the REST clients' runner)."""

    def __init__(self, authenticator: Authenticator) -> None:
        self.authenticator = authenticator

    def credentials(self) -> Credentials:
        """The credentials to send now."""
        return self._drive(self.authenticator.credentials())

    def unauthorized(self, used: Credentials) -> bool:
        """After a 401 to ``used``: refresh, and say whether to retry the request."""
        return self._drive(self.authenticator.unauthorized(used))

    def _drive(self, flow: Flow[T]) -> T:
        try:
            effect = next(flow)
            while True:
                effect = flow.send(_perform(effect))
        except StopIteration as done:
            result: T = done.value
            return result
        finally:
            flow.close()


def _perform(effect: Effect) -> Any:
    if isinstance(effect, Sleep):
        time.sleep(effect.seconds)
        return None
    if isinstance(effect, RunCommand):
        return _run_command(effect)
    if isinstance(effect, HttpRequest):
        return _http(effect)
    if isinstance(effect, PersistTokens):
        persist_tokens(effect)
        return None
    return read_file(effect)


def _run_command(effect: RunCommand) -> CommandResult:
    command = Command(effect)
    try:
        return command.run()
    finally:
        command.kill()  # stops the plugin if the caller gave up on it; a no-op once it exited


def _http(effect: HttpRequest) -> HttpResult:
    try:
        with httpx.Client(**idp_client_options(effect)) as client:
            response = client.request(effect.method, effect.url, **idp_request_options(effect))
            return HttpResult(response.status_code, response.content)
    except httpx.HTTPError as exc:
        return HttpResult(None, error=f"{type(exc).__name__}: {exc}")
