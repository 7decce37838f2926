"""Teams authentication: the SDK's JWT validation in production (401, never 500, for a
missing or bad token) and the explicit, loudly logged local mode."""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt import PyJWKClient
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.hosting.core import AuthenticationConstants, JwtTokenValidator
from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator

from adapters.server.app import create_app
from adapters.teams.app import TEAMS_KEY, install
from adapters.teams.auth import (
    CLIENT_ID_VAR,
    CLIENT_SECRET_VAR,
    LOCAL_MODE_WARNING,
    TENANT_ID_VAR,
    VerifiedTokens,
    authenticate,
    load_teams_auth,
)
from bot.app import PolicyBot
from bot.clock import FakeClock
from bot.config import ConfigError, load_settings
from tests.teams.conftest import TOM, TRUST, activity

APP_ID = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
CREDENTIALS = {CLIENT_ID_VAR: APP_ID, CLIENT_SECRET_VAR: "s3cret", TENANT_ID_VAR: "tenant-1"}
BF_ISSUER = "https://api.botframework.com"


def test_no_teams_settings_means_teams_is_off() -> None:
    assert load_teams_auth({}) is None


def test_local_mode_with_credentials_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        load_teams_auth({"TEAMS_LOCAL_MODE": "true", **CREDENTIALS})
    assert "cannot be combined" in str(info.value)


def test_each_missing_credential_is_named() -> None:
    with pytest.raises(ConfigError) as info:
        load_teams_auth({CLIENT_ID_VAR: APP_ID, "TEAMS_LOCAL_MODE": "maybe"})
    problems = "\n".join(info.value.problems)
    assert CLIENT_SECRET_VAR in problems and TENANT_ID_VAR in problems
    assert "TEAMS_LOCAL_MODE='maybe'" in problems


def test_credentials_use_the_sdk_configuration() -> None:
    auth = load_teams_auth(CREDENTIALS)
    assert auth is not None and not auth.local_mode and auth.client_id == APP_ID
    config = auth.connection_manager().get_default_connection_configuration()
    assert config.CLIENT_ID == APP_ID and config.TENANT_ID == "tenant-1"


@pytest.fixture
async def jwt_client(tmp_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    """The real server with Teams in production (JWT) mode."""
    settings = load_settings(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'jwt.sqlite3'}", "TRUST_CONFIG": str(TRUST)}
    )
    bot = await PolicyBot.create(settings, platforms=["teams"], clock=FakeClock())
    app = create_app(settings, bot, installers=[functools.partial(install, env=CREDENTIALS)])
    assert not app[TEAMS_KEY].auth.local_mode
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client
    await bot.close()


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks(signing_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Serve our public key as the Bot Framework JWKS on loopback (no network)."""
    jwk = json.loads(RSAAlgorithm.to_jwk(signing_key.public_key()))
    jwk.update(kid="test-key", use="sig", alg="RS256")
    keys = json.dumps({"keys": [jwk]}).encode()

    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(keys)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/keys"
    cache = JwtTokenValidator._jwk_client_manager._cache
    entry = jwt_token_validator._JwkClientCacheEntry(PyJWKClient(url), threading.Lock())
    monkeypatch.setitem(cache, AuthenticationConstants.PUBLIC_ABS_JWKS_URL, entry)
    yield
    server.shutdown()


def _token(key: Any, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": BF_ISSUER, "aud": APP_ID, "iat": now, "nbf": now, "exp": now + 600, **claims}
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "test-key"})


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        # a well-formed token without a key id: the SDK's own middleware answers 500 here
        "Bearer " + jwt.encode({"aud": APP_ID}, "k" * 32, algorithm="HS256"),
    ],
)
async def test_missing_or_bad_token_gets_401(
    jwt_client: TestClient[Any, Any], header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    body = activity("https://smba.trafficmanager.net/uk/", aad=TOM, text="hi")
    response = await jwt_client.post("/api/messages", json=body, headers=headers)
    assert response.status == 401
    assert await response.json() == {"error": "Unauthorized"}


async def test_token_for_another_bot_or_expired_gets_401(
    jwt_client: TestClient[Any, Any], jwks: None, signing_key: rsa.RSAPrivateKey
) -> None:
    body = activity("https://smba.trafficmanager.net/uk/", aad=TOM, text="hi")
    for token in (
        _token(signing_key, aud="someone-elses-bot"),
        _token(signing_key, exp=int(time.time()) - 3600),
        _token(rsa.generate_private_key(public_exponent=65537, key_size=2048)),  # wrong key
    ):
        headers = {"Authorization": f"Bearer {token}"}
        response = await jwt_client.post("/api/messages", json=body, headers=headers)
        assert response.status == 401


async def test_a_properly_signed_token_is_accepted_by_the_sdk_validator(
    jwks: None, signing_key: rsa.RSAPrivateKey
) -> None:
    auth = load_teams_auth(CREDENTIALS)
    assert auth is not None
    config = auth.connection_manager().get_default_connection_configuration()
    claims = await authenticate(f"Bearer {_token(signing_key)}", auth, config)
    assert claims is not None and claims.get_claim_value("aud") == APP_ID
    assert await authenticate(f"Bearer {_token(signing_key, aud='x')}", auth, config) is None


async def test_local_mode_is_logged_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'l.sqlite3'}"})
    bot = await PolicyBot.create(settings, platforms=["teams"])
    try:
        app = web.Application()
        with caplog.at_level(logging.WARNING, logger="adapters.teams.app"):
            install(app, bot, settings, env={"TEAMS_LOCAL_MODE": "true"})
        assert [r.levelno for r in caplog.records if r.getMessage() == LOCAL_MODE_WARNING] == [
            logging.WARNING
        ]
        assert any(
            r.resource is not None and r.resource.canonical == "/api/messages"
            for r in app.router.routes()
        )
        empty = web.Application()
        install(empty, bot, settings, env={})
        assert not list(empty.router.routes())
    finally:
        await bot.close()


async def test_a_token_verified_once_is_not_verified_again_until_it_expires(
    jwks: None, signing_key: rsa.RSAPrivateKey
) -> None:
    auth = load_teams_auth(CREDENTIALS)
    assert auth is not None
    config = auth.connection_manager().get_default_connection_configuration()
    now = [time.time()]
    verified = VerifiedTokens(clock=lambda: now[0])
    token = _token(signing_key)
    first = await authenticate(f"Bearer {token}", auth, config, verified)
    assert first is not None and verified.get(token) is first
    assert await authenticate(f"Bearer {token}", auth, config, verified) is first
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert await authenticate(f"Bearer {forged}", auth, config, verified) is None
    now[0] += 601  # past the token's exp: forgotten, and the SDK refuses it again
    assert verified.get(token) is None
