"""Teams credentials and request authentication, on the Agents SDK's own configuration.

Production: the Agents SDK's documented environment variables configure the bot's Azure
identity (``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID`` / ``__CLIENTSECRET`` /
``__TENANTID``, read by ``load_configuration_from_env``), and every request to
``/api/messages`` must carry a Bot Framework JWT that the SDK's :class:`JwtTokenValidator`
accepts; a missing, malformed or bad token gets 401 (never 500).

Local mode (``TEAMS_LOCAL_MODE=true``) serves Teams with NO authentication, for a developer's
machine only: logged at WARNING on start-up and refused when credentials are also set.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import (
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ClaimsIdentity,
    ConnectionManager,
    Connections,
    JwtTokenValidator,
)

from bot.config import ConfigError

log = logging.getLogger(__name__)

LOCAL_MODE_VAR = "TEAMS_LOCAL_MODE"
_PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
CLIENT_ID_VAR = _PREFIX + "CLIENTID"
CLIENT_SECRET_VAR = _PREFIX + "CLIENTSECRET"
TENANT_ID_VAR = _PREFIX + "TENANTID"
AUTH_TYPE_VAR = _PREFIX + "AUTHTYPE"
LOCAL_MODE_WARNING = (
    "TEAMS LOCAL MODE: /api/messages accepts requests WITHOUT authentication. "
    "For development on your own machine only; never expose this server to a network."
)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


LOCAL_MODE_TOKEN = "policybot-local-mode"


class LocalModeTokenProvider(AnonymousTokenProvider):
    """Local mode only: a fixed placeholder token instead of an Azure AD one.

    The SDK insists on a non-empty token for its proactive and user-token clients; a local
    connector (Agents Playground, Bot Framework Emulator, the test fake) ignores it.
    """

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        """The placeholder token."""
        return LOCAL_MODE_TOKEN


@dataclass(frozen=True)
class TeamsAuth:
    """How the Teams endpoint authenticates: production credentials or explicit local mode."""

    local_mode: bool
    client_id: str | None = None
    tenant_id: str | None = None
    sdk_config: dict[str, Any] = field(default_factory=dict)

    def connection_manager(self) -> Connections:
        """The SDK connection manager: MSAL credentials, or anonymous in local mode."""
        if self.local_mode:
            anonymous = AgentAuthConfiguration(anonymous_allowed=True)
            return ConnectionManager(
                provider_factory=lambda _config: LocalModeTokenProvider(),
                connections_configurations={"SERVICE_CONNECTION": anonymous},
            )
        return MsalConnectionManager(**self.sdk_config)


def load_teams_auth(env: Mapping[str, str]) -> TeamsAuth | None:
    """Read the Teams settings from ``env``; ``None`` when Teams is not configured at all.

    Raises :class:`~bot.config.ConfigError` listing every problem at once.
    """
    problems: list[str] = []
    raw_local = (env.get(LOCAL_MODE_VAR) or "").strip().lower()
    if raw_local not in _TRUE | _FALSE:
        problems.append(f"{LOCAL_MODE_VAR}={env.get(LOCAL_MODE_VAR)!r} should be true or false")
    local = raw_local in _TRUE
    client_id = env.get(CLIENT_ID_VAR) or None
    secret = env.get(CLIENT_SECRET_VAR) or None
    tenant = env.get(TENANT_ID_VAR) or None
    auth_type = (env.get(AUTH_TYPE_VAR) or "client_secret").strip()
    if local and (client_id or secret):
        problems.append(
            f"{LOCAL_MODE_VAR}=true cannot be combined with Teams credentials ({CLIENT_ID_VAR}): "
            "local mode switches request authentication off. Unset one of them."
        )
    elif client_id:
        if auth_type == "client_secret" and not secret:
            problems.append(f"{CLIENT_SECRET_VAR} is missing: Teams needs the bot's client secret")
        if not tenant:
            problems.append(
                f"{TENANT_ID_VAR} is missing: set the Azure tenant id of the bot's app registration"
            )
    elif secret or tenant:
        problems.append(f"{CLIENT_ID_VAR} is missing: set the bot's Microsoft App ID")
    if problems:
        raise ConfigError(problems)
    if local:
        return TeamsAuth(local_mode=True)
    if not client_id:
        return None
    sdk_env = {k: v for k, v in env.items() if k.startswith("CONNECTIONS")}
    return TeamsAuth(
        local_mode=False,
        client_id=client_id,
        tenant_id=tenant,
        sdk_config=load_configuration_from_env(sdk_env),
    )


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]


class VerifiedTokens:
    """Tokens the SDK's validator accepted, remembered until they expire.

    The Bot Framework signs one token and sends it with every request for about an hour; a
    token seen before (the very same string) is not verified again until its ``exp``. A
    token never seen, or past its expiry, goes through the full validation.
    """

    def __init__(self, size: int = 1024, clock: Callable[[], float] = time.time) -> None:
        self.size = size
        self.clock = clock
        self._known: OrderedDict[str, tuple[ClaimsIdentity, float]] = OrderedDict()

    def get(self, token: str) -> ClaimsIdentity | None:
        """The claims of a token verified before and not yet expired."""
        known = self._known.get(token)
        if known is None:
            return None
        claims, expires = known
        if self.clock() >= expires:
            del self._known[token]
            return None
        return claims

    def add(self, token: str, claims: ClaimsIdentity) -> None:
        """Remember a token just verified (only if it says when it expires)."""
        exp = claims.get_claim_value("exp")
        try:
            expires = float(exp)
        except (TypeError, ValueError):
            return
        self._known[token] = (claims, expires)
        while len(self._known) > self.size:
            self._known.popitem(last=False)


_VERIFIED = VerifiedTokens()


async def authenticate(
    header: str | None,
    auth: TeamsAuth,
    config: AgentAuthConfiguration | None,
    verified: VerifiedTokens | None = None,
) -> ClaimsIdentity | None:
    """The caller's claims, or ``None`` (answer 401) for a missing, malformed or bad token.

    Local mode returns an anonymous identity. Any failure inside the SDK's validator (bad
    signature, wrong audience, expired, unreadable token, even an unexpected error) is a
    401, never a 500. A token verified before is taken from ``verified`` until it expires.
    """
    if auth.local_mode:
        return ClaimsIdentity()
    token = _bearer(header)
    if token is None or config is None:
        log.warning("Teams request refused: missing or malformed Authorization header")
        return None
    verified = _VERIFIED if verified is None else verified
    claims = verified.get(token)
    if claims is not None:
        return claims
    try:
        claims = await JwtTokenValidator(config).validate_token(token)
    except Exception as exc:  # every validation failure is the caller's problem: 401
        log.warning("Teams request refused: token not valid (%s)", type(exc).__name__)
        return None
    verified.add(token, claims)
    return claims
