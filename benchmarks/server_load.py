"""Server load: Slack ack and Teams turn latency of ``policybot serve``, beside a bare handler.

Everything runs on loopback, each part in its own process: ``policybot serve`` exactly as in
production (``python -m bot serve``, settings from the environment: a temporary SQLite
database, ``config/trust.example.yaml``, Slack over HTTP against a fake Web API, Teams with
credentials, so every request's Bot Framework JWT is validated, against a local key set
(see :func:`benchmarks.load_servers.serve_policybot`), with a fake Bot Framework connector
as the activities' ``serviceUrl``),
a bare aiohttp handler served the same way (same listen backlog), the fakes, and this load
client. Once each server answers ``/readyz`` it measures, in one run:

1. the bare handler (the floor: what aiohttp and this client cost);
2. ``POST /slack/events``: properly signed ``/policy`` questions and ``/report`` commands;
   the time until Slack would get its acknowledgement (the answer follows via response_url);
3. ``POST /api/messages``: Teams message activities (policy questions, a few "report");
   the Bot Framework answers 202 only after the whole turn, reply sent, so this is the
   full turn time.

It prints p50/p99/max latency, requests per second and CPU use per process for each, the
ratios against the bare handler, and the slowest Slack ack; then the server's CPU per
request beside the bare handler's, with PASS/FAIL against the targets (a Slack command,
answer or form sent included, under :data:`SLACK_CPU_TARGET_MS`; a Teams turn under
:data:`TEAMS_CPU_TARGET_MS`). Exit status 1 if any Slack ack took 3 s or more (Slack's
limit), any request failed or was not 2xx, or the bot apologised (a CPU target missed is
reported, not an error: the figure depends on the machine).
Bounded: per-request and overall time limits, and every child is stopped on exit (also on
Ctrl-C or an error, and they stop by themselves if this process dies).

    python -m benchmarks.server_load [--requests 2000] [--concurrency 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
SECRET = "benchmark-signing-secret"
SLACK_ACK_LIMIT = 3.0  # seconds: Slack shows the person an error after this
#: server CPU per request the server should stay under (issue 13), milliseconds
SLACK_CPU_TARGET_MS = 3.0
TEAMS_CPU_TARGET_MS = 5.0
REQUEST_TIMEOUT = 30.0
START_TIMEOUT = 60.0
DRAIN_TIMEOUT = 120.0
STOP_TIMEOUT = 5.0
#: distinct people sending requests (one person rarely has two requests in flight)
PEOPLE = 500
QUESTIONS = (
    "can i add a yr 11 kid on snap",
    "who do I tell if a pupil DMs me",
    "can I use the school logo on my own blog",
    "is it ok to post sports day pics on the school fb page",
)
TEAMS_QUESTIONS = (
    *QUESTIONS,
    "can I accept a friend request from a parent",
    "what should I do if I see a colleague post something inappropriate",
)
TENANT = "7a1b2c3d-0000-4000-8000-000000000001"
BOT_ID = "28:policybot-benchmark"
APP_ID = "5b6f0d4e-0000-4000-8000-00000000be9c"
BF_ISSUER = "https://api.botframework.com"
KEY_ID = "benchmark-key"


def signing_keys(workdir: Path) -> tuple[Any, Path]:
    """A new RSA key, and its public half written as a JWKS file in ``workdir``."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=KEY_ID, use="sig", alg="RS256")
    path = workdir / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}))
    return key, path


def bot_framework_token(key: Any, lifetime: int = 3600) -> str:
    """A token as the Bot Framework signs it for this bot (RS256, its issuer, our app id)."""
    import jwt

    now = int(time.time())
    claims = {"iss": BF_ISSUER, "aud": APP_ID, "iat": now, "nbf": now, "exp": now + lifetime}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})


#: (key, body, headers)
Request = tuple[str, bytes, dict[str, str]]
#: the processes whose CPU use is shown by name (the rest of the machine is "other")
OURS = ("server", "client", "fakes")


# -- requests ------------------------------------------------------------------------------
def slack_requests(count: int, respond_base: str, tag: str) -> list[Request]:
    """Signed slash commands: three ``/policy`` questions to every ``/report``.

    Request ``n`` is keyed ``<tag><n>``: its response_url ends so, and its trigger_id starts
    so, letting the fake Slack tell when its answer or modal came.
    """
    out = []
    ts = str(int(time.time()))
    signer = SignatureVerifier(SECRET)
    for i in range(count):
        key = f"{tag}{i}"
        report = i % 4 == 3
        body = urlencode(
            {
                "team_id": "T0BENCH",
                "channel_id": "C0BENCH",
                "user_id": f"U0BENCH{i % PEOPLE:03d}",
                "user_name": "bench",
                "command": "/report" if report else "/policy",
                "text": "" if report else QUESTIONS[i % len(QUESTIONS)],
                "response_url": respond_base + key,
                "trigger_id": f"{key}.bench",
            }
        ).encode()
        headers = {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": str(signer.generate_signature(timestamp=ts, body=body)),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        out.append((key, body, headers))
    return out


def teams_requests(count: int, service_url: str, token: str = "") -> list[Request]:
    """Teams message activities in 1:1 chats: policy questions, every tenth a "report";
    ``token``: the Bot Framework JWT each carries (as Teams sends one token for an hour)."""
    out = []
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    for i in range(count):
        aad = f"00000000-0000-4000-8000-{i % PEOPLE:012d}"
        activity = {
            "type": "message",
            "id": f"bench-{i}",
            "timestamp": "2026-11-24T10:00:00.000Z",
            "channelId": "msteams",
            "serviceUrl": service_url,
            "from": {"id": f"29:{aad}", "name": "Bench Person", "aadObjectId": aad},
            "recipient": {"id": BOT_ID, "name": "policybot"},
            "conversation": {
                "id": f"a:1on1-{aad}",
                "conversationType": "personal",
                "tenantId": TENANT,
            },
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "en-GB",
            "text": "report" if i % 10 == 9 else TEAMS_QUESTIONS[i % len(TEAMS_QUESTIONS)],
        }
        out.append((f"t{i}", json.dumps(activity).encode(), headers))
    return out


# -- child processes -------------------------------------------------------------------------
def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child is killed if this benchmark dies, however it dies."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _machine_busy_seconds() -> float:
    """CPU time every process on the machine has used so far, summed over cores (Linux)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(f) for f in fields]
    busy = sum(ticks[:8]) - ticks[3] - ticks[4]  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Child:
    """One process the benchmark started, with its log file."""

    name: str
    proc: asyncio.subprocess.Process
    log: Path
    port: int = 0

    def url(self, path: str) -> str:
        """A URL on this child's port."""
        return f"http://127.0.0.1:{self.port}{path}"

    def cpu(self) -> float:
        """CPU seconds used so far."""
        return _cpu_seconds(self.proc.pid)

    def log_tail(self, lines: int = 15) -> str:
        """The end of its log, for an error message."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    async def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL after :data:`STOP_TIMEOUT`."""
        if self.proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()


class Children:
    """Every process started, so all of them can be stopped whatever happens."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.started: list[Child] = []
        self._logs: list[IO[bytes]] = []

    async def start(self, name: str, args: Sequence[str], env: dict[str, str]) -> Child:
        """Start ``python <args>`` with its output in a log file."""
        log = self.workdir / f"{name}.log"
        log_file = log.open("wb")
        self._logs.append(log_file)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=log_file,
            start_new_session=True,  # a Ctrl-C reaches us; we stop the children in order
            preexec_fn=_die_with_parent,
        )
        child = Child(name, proc, log)
        self.started.append(child)
        return child

    async def start_announcing(self, name: str, which: str) -> Child:
        """A :mod:`benchmarks.load_servers` process; wait for the port it prints."""
        child = await self.start(name, ["-m", "benchmarks.load_servers", which], _base_env())
        assert child.proc.stdout is not None
        try:
            line = await asyncio.wait_for(child.proc.stdout.readline(), START_TIMEOUT)
        except TimeoutError:
            line = b""
        if not line.startswith(b"PORT "):
            raise RuntimeError(f"{name} did not start:\n{child.log_tail()}")
        child.port = int(line.split()[1])
        return child

    async def stop_all(self) -> None:
        """Stop every child (at once); close the logs."""
        await asyncio.gather(*(child.stop() for child in self.started), return_exceptions=True)
        for log in self._logs:
            log.close()

    def kill_all(self) -> None:
        """Last resort (no event loop): SIGKILL whatever is still running."""
        for child in self.started:
            if child.proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.proc.pid, signal.SIGKILL)


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CONNECTIONS"))}
    env["PYTHONPATH"] = str(ROOT)
    return env


def policybot_env(workdir: Path, port: int, fakes: Child, jwks: Path) -> dict[str, str]:
    """The production settings of ``policybot serve`` for this run (Teams with credentials:
    JWT validation on, against the local key set ``jwks``)."""
    env = _base_env()
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "TRUST_CONFIG": str(ROOT / "config" / "trust.example.yaml"),
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": "xoxb-benchmark",
            "SLACK_API_URL": fakes.url("/api/"),
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": APP_ID,
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET": "benchmark-secret",
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID": TENANT,
            "BENCH_JWKS_FILE": str(jwks),
            "LOG_LEVEL": "INFO",
        }
    )
    return env


async def wait_ready(session: aiohttp.ClientSession, child: Child) -> None:
    """Poll ``/readyz`` until it answers 200 (the child must not exit meanwhile)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if child.proc.returncode is not None:
            raise RuntimeError(
                f"{child.name} exited ({child.proc.returncode}):\n{child.log_tail()}"
            )
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with session.get(child.url("/readyz")) as resp:
                if resp.status == 200:
                    return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{child.name} not ready after {START_TIMEOUT:.0f} s:\n{child.log_tail()}")


# -- measuring ---------------------------------------------------------------------------------
@dataclass
class Result:
    """One target's latencies, failures and the CPU each process used meanwhile."""

    name: str
    #: (when it was sent, latency) of each completed request, seconds
    timeline: list[tuple[float, float]] = field(default_factory=list)
    elapsed: float = 0.0
    failures: Counter[str] = field(default_factory=Counter)
    cores: dict[str, float] = field(default_factory=dict)
    #: wall-clock time each request was sent, by key
    sent_at: dict[str, float] = field(default_factory=dict)

    @property
    def latencies(self) -> list[float]:
        """Each completed request's latency, seconds."""
        return [latency for _, latency in self.timeline]

    def percentile(self, q: float) -> float:
        """Latency percentile ``q`` (0-100) in milliseconds (nearest rank)."""
        return _percentile(self.latencies, q)

    def p99_by_tenth(self) -> list[float]:
        """Latency p99 (ms) of the requests sent in each tenth of the run, in order: a stall
        (a long pause of the event loop) shows as one tenth far above the rest."""
        ordered = sorted(self.timeline)
        tenths = [ordered[i * len(ordered) // 10 : (i + 1) * len(ordered) // 10] for i in range(10)]
        return [_percentile([latency for _, latency in part], 99) for part in tenths]

    @property
    def slowest(self) -> float:
        """Slowest request, seconds."""
        return max(self.latencies, default=float("nan"))

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


def _percentile(latencies: Sequence[float], q: float) -> float:
    """Percentile ``q`` (0-100) of ``latencies`` (seconds) in milliseconds (nearest rank)."""
    ordered = sorted(latencies)
    if not ordered:
        return float("nan")
    if q == 50:
        return statistics.median(ordered) * 1000
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))] * 1000


class CpuWatch:
    """CPU used by the children and this client over an interval, in cores."""

    def __init__(self, children: dict[str, Child]) -> None:
        self.children = children

    def snapshot(self) -> tuple[float, dict[str, float]]:
        """Wall clock and CPU seconds so far, per process."""
        cpu = {name: child.cpu() for name, child in self.children.items()}
        cpu["client"] = time.process_time()
        cpu["machine"] = _machine_busy_seconds()
        return time.perf_counter(), cpu

    @staticmethod
    def cores(
        before: tuple[float, dict[str, float]], after: tuple[float, dict[str, float]]
    ) -> dict[str, float]:
        """Average cores used by each process between two snapshots."""
        wall = after[0] - before[0]
        return {k: (after[1][k] - before[1][k]) / wall for k in after[1]} if wall > 0 else {}


async def measure(
    name: str, url: str, requests: Sequence[Request], concurrency: int, watch: CpuWatch
) -> Result:
    """Send ``requests`` over ``concurrency`` connections; time each until the response."""
    result = Result(name)
    work: Iterator[Request] = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=0)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)

    async def client(session: aiohttp.ClientSession) -> None:
        for key, body, headers in work:
            result.sent_at[key] = time.time()
            started = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    if not 200 <= resp.status < 300:
                        result.failures[f"HTTP {resp.status}"] += 1
                        continue
            except (aiohttp.ClientError, TimeoutError) as exc:
                result.failures[type(exc).__name__] += 1
                continue
            result.timeline.append((started, time.perf_counter() - started))

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        before = watch.snapshot()
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
        after = watch.snapshot()
    result.elapsed = after[0] - before[0]
    result.cores = CpuWatch.cores(before, after)
    return result


async def fake_stats(session: aiohttp.ClientSession, fakes: Child) -> dict[str, Any]:
    """What the fakes have received so far."""
    async with session.get(fakes.url("/stats")) as resp:
        stats: dict[str, Any] = await resp.json()
        return stats


def _slack_replies(stats: dict[str, Any]) -> int:
    calls = stats["calls"]
    return int(
        sum(
            n
            for kind, n in calls.items()
            if kind.startswith("slack.") and kind != "slack.auth.test"
        )
    )


async def wait_slack_replies(
    session: aiohttp.ClientSession, fakes: Child, before: int, expected: int
) -> tuple[float, int]:
    """Wait until the work Slack acknowledged has replied (>= ``expected`` calls, then quiet).

    Returns (seconds waited, replies seen); the seconds are ``inf`` on time-out.
    """
    started = time.perf_counter()
    seen, quiet_since = -1, time.perf_counter()
    while time.perf_counter() - started < DRAIN_TIMEOUT:
        now_seen = _slack_replies(await fake_stats(session, fakes)) - before
        if now_seen != seen:
            seen, quiet_since = now_seen, time.perf_counter()
        elif seen >= expected and time.perf_counter() - quiet_since >= 0.5:
            return quiet_since - started, seen
        await asyncio.sleep(0.05)
    return float("inf"), seen


# -- the run -----------------------------------------------------------------------------------
def _row(result: Result, bare: Result) -> str:
    p50, p99 = result.percentile(50), result.percentile(99)
    line = f"{result.name:<24}{p50:8.1f}{p99:9.1f}{result.slowest * 1000:9.1f}{result.rps:9.0f}"
    if result is not bare:
        line += (
            f"{p50 / bare.percentile(50):8.1f}{p99 / bare.percentile(99):7.1f}"
            f"{result.rps / bare.rps:7.2f}"
        )
    else:
        line += " " * 22
    cores = result.cores
    line += "   " + "".join(f"{name} {cores.get(name, 0):.2f}  " for name in OURS)
    return line + f"other {_other(result):.2f}"


def _other(result: Result) -> float:
    """Cores the rest of the machine used while ``result`` was measured."""
    cores = result.cores
    return max(cores.get("machine", 0) - sum(cores.get(name, 0) for name in OURS), 0.0)


def _cpu_ms(result: Result) -> float:
    """Server CPU milliseconds per completed request during the measurement."""
    done = len(result.latencies)
    return result.cores.get("server", 0) * result.elapsed * 1000 / done if done else 0.0


async def run(requests: int, teams_count: int, concurrency: int) -> int:
    """Start everything, measure the three targets, print the table; the exit status."""
    with tempfile.TemporaryDirectory(prefix="policybot-load-") as tmp:
        children = Children(Path(tmp))
        try:
            return await _run(children, requests, teams_count, concurrency)
        finally:
            await children.stop_all()
            children.kill_all()


async def _run(children: Children, requests: int, teams_count: int, concurrency: int) -> int:
    fakes = await children.start_announcing("fakes", "fakes")
    bare = await children.start_announcing("bare", "bare")
    port = _free_port()
    key, jwks = signing_keys(children.workdir)
    token = bot_framework_token(key)
    server = await children.start(
        "server",
        ["-m", "benchmarks.load_servers", "policybot"],
        policybot_env(children.workdir, port, fakes, jwks),
    )
    server.port = port
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for child in (bare, server):
            await wait_ready(session, child)
        slack_url, teams_url = server.url("/slack/events"), server.url("/api/messages")
        respond, service_url = fakes.url("/respond/"), fakes.url("/")
        warm = CpuWatch({})
        await measure("warm-up", slack_url, slack_requests(50, respond, "w"), 10, warm)
        await measure("warm-up", teams_url, teams_requests(50, service_url, token), 10, warm)
        await measure("warm-up", bare.url("/"), slack_requests(50, respond, "b"), 10, warm)
        await wait_slack_replies(session, fakes, 0, 50)

        print(
            f"{os.cpu_count()} CPU cores, loopback; separate processes: load client "
            f"(pid {os.getpid()}), policybot serve (pid {server.proc.pid}), bare aiohttp "
            f"(pid {bare.proc.pid}), fake Slack + Bot Framework connector (pid {fakes.proc.pid})"
        )
        print(
            "Teams runs with credentials: every /api/messages request's Bot Framework JWT "
            "is validated (RS256, against a local key set)"
        )
        print(
            f"{requests} Slack slash commands (3 /policy : 1 /report), {teams_count} Teams "
            f"messages (9 questions : 1 report), {concurrency} concurrent connections"
        )
        watch = CpuWatch({"server": server, "fakes": fakes})
        bare_result = await measure(
            "bare aiohttp handler",
            bare.url("/slack/events"),
            slack_requests(requests, respond, "b"),
            concurrency,
            CpuWatch({"server": bare, "fakes": fakes}),
        )
        replies_before = _slack_replies(await fake_stats(session, fakes))
        slack = await measure(
            "policybot /slack/events",
            slack_url,
            slack_requests(requests, respond, "s"),
            concurrency,
            watch,
        )
        drain_from = watch.snapshot()
        drained, replies = await wait_slack_replies(
            session, fakes, replies_before, len(slack.latencies)
        )
        drain_to = watch.snapshot()
        drain_cores = CpuWatch.cores(drain_from, drain_to)
        drain_cpu = drain_to[1]["server"] - drain_from[1]["server"]
        async with session.get(fakes.url("/arrivals")) as resp:
            arrivals: dict[str, float] = await resp.json()
        before_teams = await fake_stats(session, fakes)
        teams = await measure(
            "policybot /api/messages",
            teams_url,
            teams_requests(teams_count, service_url, token),
            concurrency,
            watch,
        )
        stats = await fake_stats(session, fakes)

    print()
    print(
        f"{'target':<24}{'p50 ms':>8}{'p99 ms':>9}{'max ms':>9}{'req/s':>9}"
        f"{'x bare: p50':>14}{'p99':>7}{'req/s':>7}   CPU cores used"
    )
    for result in (bare_result, slack, teams):
        print(_row(result, bare_result))
    print(
        f"slowest Slack ack {slack.slowest * 1000:.0f} ms (Slack allows "
        f"{SLACK_ACK_LIMIT * 1000:.0f} ms)"
    )
    tenths = " ".join(f"{p99:.0f}" for p99 in slack.p99_by_tenth())
    print(f"Slack ack p99 in each tenth of the run, ms: {tenths}")
    answers, modals = _after_ack(slack, arrivals)
    print(
        f"after the ack, {replies} replies finished {drained:.1f} s after the last ack "
        f"(server {drain_cores.get('server', 0):.2f} cores meanwhile); from each command:"
    )
    print(f"  /policy answer (response_url)  {_spread(answers)}")
    late = sum(1 for d in modals if d >= SLACK_ACK_LIMIT)
    print(
        f"  /report modal (views.open)     {_spread(modals)}; {late} opened 3 s or more "
        "after the command (Slack's trigger_id would have expired)"
    )
    teams_sent = stats["calls"].get("teams.send", 0) - before_teams["calls"].get("teams.send", 0)
    print(f"Teams replies received by the fake connector: {teams_sent}")
    acked = max(len(slack.latencies), 1)
    whole = (_cpu_ms(slack) * len(slack.latencies) + drain_cpu * 1000) / acked
    print(
        "server CPU per request (less sensitive to other load than latency): bare "
        f"{_cpu_ms(bare_result):.2f} ms; Slack {_cpu_ms(slack):.2f} ms while acking, "
        f"{whole:.2f} ms with the work after ack; Teams {_cpu_ms(teams):.2f} ms per turn"
    )
    print(
        "  (all CPU of the policybot serve process, every thread: a Slack command from its "
        "request until its answer (response_url) or form (views.open) was sent, the outbox "
        "worker's polling meanwhile included; a Teams turn until its reply was sent)"
    )
    for what, cpu, target in (
        ("Slack command", whole, SLACK_CPU_TARGET_MS),
        ("Teams turn", _cpu_ms(teams), TEAMS_CPU_TARGET_MS),
    ):
        verdict = "PASS" if cpu < target else "FAIL"
        print(
            f"{verdict}: {what} {cpu:.2f} ms server CPU (target < {target:g} ms; bare "
            f"handler {_cpu_ms(bare_result):.2f} ms in the same run)"
        )
    busy = max(_other(result) for result in (bare_result, slack, teams))
    if busy >= 0.2:
        print(
            f"NOTE: other processes on this machine used up to {busy:.2f} of its "
            f"{os.cpu_count()} cores during the run; the latencies above are pessimistic"
        )

    failed = []
    if not slack.slowest < SLACK_ACK_LIMIT:
        failed.append(f"a Slack ack took {slack.slowest:.2f} s")
    for result in (bare_result, slack, teams):
        if result.failures or not result.latencies:
            failed.append(f"{result.name}: {dict(result.failures) or 'no requests'}")
    if drained == float("inf"):
        failed.append(f"Slack replies did not finish within {DRAIN_TIMEOUT:.0f} s")
    if len(answers) + len(modals) < len(slack.latencies):
        failed.append(
            f"Slack: {len(answers) + len(modals)} answers/modals for "
            f"{len(slack.latencies)} commands"
        )
    if teams_sent < len(teams.latencies):
        failed.append(f"Teams: {teams_sent} replies for {len(teams.latencies)} turns")
    if stats["sorry"]:
        failed.append(f"the bot apologised {stats['sorry']} time(s) (a listener failed)")
    errors = _count_errors(server.log)
    if errors:
        failed.append(f"the server logged {errors} error(s) (log: see {server.log.name})")
    for problem in failed:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if failed else 0


def _after_ack(slack: Result, arrivals: dict[str, float]) -> tuple[list[float], list[float]]:
    """Seconds from each command to its answer, and to its modal, as the fake Slack saw them."""
    answers, modals = [], []
    for key, sent in slack.sent_at.items():
        if f"answer:{key}" in arrivals:
            answers.append(arrivals[f"answer:{key}"] - sent)
        if f"modal:{key}" in arrivals:
            modals.append(arrivals[f"modal:{key}"] - sent)
    return answers, modals


def _spread(seconds: list[float]) -> str:
    if not seconds:
        return "none arrived"
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"n={len(ordered):<5} p50 {statistics.median(ordered) * 1000:7.0f} ms  "
        f"p99 {p99 * 1000:7.0f} ms  max {ordered[-1] * 1000:7.0f} ms"
    )


def _count_errors(log: Path) -> int:
    """ERROR lines in a JSON-lines server log."""
    count = 0
    with contextlib.suppress(OSError), log.open(errors="replace") as lines:
        for line in lines:
            if '"level": "ERROR"' in line or '"level": "CRITICAL"' in line:
                count += 1
    return count


async def _bounded(coro: Any, limit: float) -> int:
    """Run ``coro`` with an overall time limit; SIGTERM cancels it (children still stop)."""
    task = asyncio.ensure_future(coro)
    with contextlib.suppress(NotImplementedError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return int(await asyncio.wait_for(task, limit))
    except TimeoutError:
        print(f"FAILED: benchmark did not finish within {limit:.0f} s", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="Slack requests")
    parser.add_argument("--teams-requests", type=int, default=None, help="default: --requests")
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds, overall")
    args = parser.parse_args(argv)
    teams = args.requests if args.teams_requests is None else args.teams_requests
    try:
        return asyncio.run(_bounded(run(args.requests, teams, args.concurrency), args.time_limit))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; child processes stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
