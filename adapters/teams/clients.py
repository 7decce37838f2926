"""Connector and user-token clients kept across turns (one HTTP session each).

The Agents SDK's default factory opens a new ``aiohttp`` session, with a new connection to
the Bot Framework, for every turn and closes it at the end: most of a turn's cost. This
factory hands every turn the client of its service URL and token, kept open (its ``close``
at the end of a turn does nothing) until the server stops (:meth:`PooledClientFactory.aclose`).
A new token (they are renewed about hourly) gets a new client; the old one is closed a
minute later, when no turn can still be using it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from typing import Any

from microsoft_agents.activity import RoleTypes
from microsoft_agents.hosting.core import ClaimsIdentity, TurnContext
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from microsoft_agents.hosting.core.rest_channel_service_client_factory import (
    RestChannelServiceClientFactory,
)

log = logging.getLogger(__name__)

#: clients kept at once (service URLs x tokens in use); the oldest beyond it is retired
MAX_CLIENTS = 32
#: how long a retired client stays open for turns that may still be using it
RETIRE_AFTER = 60.0


class _KeptConnectorClient(TeamsConnectorClient):
    """A connector client whose end-of-turn ``close`` leaves the session open."""

    async def close(self) -> None:
        """Kept for the next turn (see :meth:`PooledClientFactory.aclose`)."""

    async def really_close(self) -> None:
        """Close the HTTP session."""
        await super().close()


class _KeptUserTokenClient(UserTokenClient):
    """A user-token client whose end-of-turn ``close`` leaves the session open."""

    async def close(self) -> None:
        """Kept for the next turn."""

    async def really_close(self) -> None:
        """Close the HTTP session."""
        await super().close()


class PooledClientFactory(RestChannelServiceClientFactory):
    """The SDK's REST client factory, with clients kept across turns."""

    def __init__(self, connection_manager: Any, **kwargs: Any) -> None:
        super().__init__(connection_manager, **kwargs)
        self._clients: OrderedDict[tuple[str, str, str], Any] = OrderedDict()
        self._retiring: set[asyncio.Task[None]] = set()

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> Any:
        """The kept client for this service URL and token (the SDK's own for agentic and
        Copilot Studio connector requests)."""
        activity = context.activity if context else None
        special = activity is not None and (
            activity.is_agentic_request()
            or (
                activity.recipient is not None
                and activity.recipient.role == RoleTypes.connector_user
            )
        )
        if special or not service_url or not audience:
            return await super().create_connector_client(
                context, claims_identity, service_url, audience, scopes, use_anonymous
            )
        provider = (
            self._ANONYMOUS_TOKEN_PROVIDER
            if use_anonymous
            else self._connection_manager.get_token_provider(claims_identity, service_url)
        )
        token = await provider.get_access_token(
            audience, scopes or claims_identity.get_token_scope()
        )
        return self._kept(
            ("connector", service_url, token),
            lambda: _KeptConnectorClient(endpoint=service_url, token=token),
        )

    async def create_user_token_client(
        self, context: TurnContext, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> Any:
        """The kept user-token client (this bot uses no user sign-in, but the SDK makes one
        for every turn)."""
        if use_anonymous:
            app_id = claims_identity.get_app_id() or ""
            return self._kept(
                ("user-token", self._token_service_endpoint, app_id),
                lambda: _KeptUserTokenClient(
                    app_id=app_id or "local", endpoint=self._token_service_endpoint, token=""
                ),
            )
        if context.activity.is_agentic_request():
            return await super().create_user_token_client(context, claims_identity, use_anonymous)
        provider = self._connection_manager.get_token_provider(
            claims_identity, self._token_service_endpoint
        )
        token = await provider.get_access_token(
            self._token_service_audience, claims_identity.get_token_scope()
        )
        if not token:
            raise ValueError("Failed to obtain token for user token client")
        bot_app_id = claims_identity.get_app_id()
        return self._kept(
            ("user-token", self._token_service_endpoint, token),
            lambda: _KeptUserTokenClient(
                app_id=bot_app_id, endpoint=self._token_service_endpoint, token=token
            ),
        )

    def _kept(self, key: tuple[str, str, str], make: Any) -> Any:
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = make()
            while len(self._clients) > MAX_CLIENTS:
                _, old = self._clients.popitem(last=False)
                self._retire(old)
        else:
            self._clients.move_to_end(key)
        return client

    def _retire(self, client: Any) -> None:
        async def later() -> None:
            await asyncio.sleep(RETIRE_AFTER)
            await client.really_close()

        task = asyncio.get_running_loop().create_task(later())
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def aclose(self) -> None:
        """Close every kept client (at shutdown)."""
        for task in list(self._retiring):
            task.cancel()
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            with contextlib.suppress(Exception):
                await client.really_close()
