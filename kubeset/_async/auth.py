"""The credential flow runner: drives an :class:`~kubeset.auth.Authenticator`'s I/O-free flows
(:mod:`kubeset.auth`), performing the effects they yield.

Waits use ``asyncio.sleep``, and calls to an identity provider ``httpx.AsyncClient``. A credential
plugin run and the write-back of refreshed tokens (rare: credentials are cached) are the blocking
calls of :mod:`kubeset._auth_io`, which the async runtime makes in a worker thread
(``asyncio.to_thread``), killing a plugin whose caller was cancelled. A token file, small and
local, is read inline.
"""

from __future__ import annotations

import asyncio
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

__all__ = ["AsyncAuthRunner"]

T = TypeVar("T")


class AsyncAuthRunner:
    """Drives an :class:`~kubeset.auth.Authenticator`'s flows (the REST clients' runner)."""

    def __init__(self, authenticator: Authenticator) -> None:
        self.authenticator = authenticator

    async def credentials(self) -> Credentials:
        """The credentials to send now."""
        return await self._drive(self.authenticator.credentials())

    async def unauthorized(self, used: Credentials) -> bool:
        """After a 401 to ``used``: refresh, and say whether to retry the request."""
        return await self._drive(self.authenticator.unauthorized(used))

    async def _drive(self, flow: Flow[T]) -> T:
        try:
            effect = next(flow)
            while True:
                effect = flow.send(await _perform(effect))
        except StopIteration as done:
            result: T = done.value
            return result
        finally:
            flow.close()


async def _perform(effect: Effect) -> Any:
    if isinstance(effect, Sleep):
        await asyncio.sleep(effect.seconds)
        return None
    if isinstance(effect, RunCommand):
        return await _run_command(effect)
    if isinstance(effect, HttpRequest):
        return await _http(effect)
    if isinstance(effect, PersistTokens):
        await asyncio.to_thread(persist_tokens, effect)
        return None
    return read_file(effect)


async def _run_command(effect: RunCommand) -> CommandResult:
    command = Command(effect)
    try:
        return await asyncio.to_thread(command.run)
    finally:
        command.kill()  # stops the plugin if the caller gave up on it; a no-op once it exited


async def _http(effect: HttpRequest) -> HttpResult:
    try:
        async with httpx.AsyncClient(**idp_client_options(effect)) as client:
            response = await client.request(
                effect.method, effect.url, **idp_request_options(effect)
            )
            return HttpResult(response.status_code, response.content)
    except httpx.HTTPError as exc:
        return HttpResult(None, error=f"{type(exc).__name__}: {exc}")
