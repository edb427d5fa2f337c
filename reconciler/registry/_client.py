"""The async client for the Confluent Schema Registry REST API."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import ssl
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    Generic,
    Literal,
    NamedTuple,
    Protocol,
    Self,
    TypeVar,
    cast,
)
from urllib.parse import quote, urlencode, urlsplit

import lazy_loader
import orjson

from reconciler import __version__

from ._auth import (
    Auth,
    ClientCredentials,
    Redactor,
    TokenError,
    auth_kind,
    authorization_header,
    query_secrets,
    split_query,
    split_userinfo,
)
from ._config import ClientConfig, OAuthClientCredentials, TlsConfig
from ._errors import (
    AuthenticationError,
    ErrorCode,
    IncompatibleSchemaError,
    NotFoundError,
    ReadOnlyRegistryError,
    RegistryConfigurationError,
    RegistryError,
    RegistryUnavailableError,
    SchemaRejectedError,
    UnexpectedResponseError,
    UnprocessableError,
    error_class,
)
from ._prefetch import ReadAhead
from ._retry import RETRYABLE_STATUSES, Backoff, Safety, classify_transport_error, parse_retry_after
from ._transport import (
    Http11Transport,
    Origin,
    Proxy,
    Reply,
    Timeouts,
    encode_headers,
    environment_proxy,
    netloc,
    origin_and_prefix,
)
from ._types import (
    DEFAULT_SCHEMA_TYPE,
    CompatibilityVerdict,
    Reference,
    SchemaById,
    SchemaVersion,
    SubjectVersion,
    parse_schema_by_id,
    parse_schema_version,
)

if TYPE_CHECKING:
    import httpx
else:
    httpx = lazy_loader.load("httpx")  # imported when first used (``_transport``)


logger = logging.getLogger("reconciler.registry")

LOCAL_SCHEME = "local:"
# The ASGI transport ignores the host; this one only shows up in httpx's own objects.
_LOCAL_BASE_URL = "http://local-registry"
_CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
_ACCEPT = (
    "application/vnd.schemaregistry.v1+json, "
    "application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5"
)
_MAX_MESSAGE = 500

Version = int | Literal["latest"]
Sleep = Callable[[float], Awaitable[None]]
Settles = Callable[[RegistryError], bool]
T = TypeVar("T")


class _Versioned(Protocol):
    """What a listing keeps of each version it builds: which one it is."""

    @property
    def subject(self) -> str: ...

    @property
    def version(self) -> int: ...


Listed = TypeVar("Listed", bound=_Versioned)


class Listing(NamedTuple, Generic[Listed]):
    """A listing's versions, the sha256 of each page's body in order, and whether a
    version was listed twice (and kept once: ``list_schemas``)."""

    versions: list[Listed]
    digests: tuple[bytes, ...]
    repeated: bool


class _AppliedEarlier:
    """``_call``'s answer when a retry's error shows that an earlier attempt did the work."""

    def __init__(self, error: RegistryError) -> None:
        self.error = error


# A path segment ``quote`` leaves as it is (its always-safe characters only).
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]+")


def _segment(value: str | int) -> str:
    """One URL path segment, percent-encoded (``:.ctx:name`` -> ``%3A.ctx%3Aname``).

    Most subject names need nothing: they skip ``quote`` (~6k instructions a call, the
    snapshot's 12,000 settings reads among its callers)."""
    text = str(value)
    return text if _UNQUOTED.fullmatch(text) else quote(text, safe="")


def _flag(value: bool) -> str | None:
    """Query flags are sent only when set, as the registry's ``true``."""
    return "true" if value else None


def _params(**values: str | int | None) -> dict[str, str | int]:
    return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True, slots=True)
class Absent(Generic[T]):
    """404 error codes that answer a read with ``value`` rather than an error.

    For reads where "nothing there" is an expected answer (a subject without a
    mode of its own: 10,000 of a large snapshot's reads): no error object is
    built, raised and caught for them. Any other 404 is still a ``NotFoundError``.
    """

    codes: frozenset[int]
    value: T


def _loads(body: bytes) -> Any:
    """``json.loads``, by orjson where it can (a 1,000-version listing page: ~5x faster).

    The standard library reads what orjson refuses (``NaN``, ``1e400``, lone
    surrogates, a BOM, UTF-16 or UTF-32 bodies), so those decode as before.
    One difference remains: an integer past 64 bits comes back from orjson as
    a float. No field of the API holds one (ids and versions are Java ints,
    metadata properties and rule parameters are strings), and a float where
    the API documents an id or a version still reads as an int.
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


def _error_body(response: Reply) -> dict[str, Any] | None:
    """An error response's JSON object (``error_code``, ``message``), if it is one."""
    try:
        data = _loads(response.body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _error_code(response: Reply) -> int | None:
    """The ``error_code`` of an error response, as ``_error`` reads it (None: none given)."""
    data = _error_body(response)
    code = None if data is None else data.get("error_code")
    return code if isinstance(code, int) else None


# What a setting read answers when the level holds no setting of its own.
_NO_LEVEL: Absent[None] = Absent(
    frozenset((ErrorCode.SUBJECT_NOT_FOUND, ErrorCode.SUBJECT_COMPATIBILITY_NOT_CONFIGURED)), None
)
_NO_MODE: Absent[None] = Absent(
    frozenset((ErrorCode.SUBJECT_NOT_FOUND, ErrorCode.SUBJECT_MODE_NOT_CONFIGURED)), None
)
_GLOBAL_DEFAULT = {"defaultToGlobal": "true"}


def _codes(*codes: ErrorCode) -> Settles:
    wanted = {int(c) for c in codes}
    return lambda error: error.error_code in wanted


def _schema_body(
    schema: str,
    schema_type: str,
    references: Iterable[Reference],
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"schema": schema}
    # Confluent omits schemaType for Avro, and registries that predate the field reject it.
    if schema_type.upper() != DEFAULT_SCHEMA_TYPE:
        body["schemaType"] = schema_type.upper()
    refs = [r.to_json() for r in references]
    if refs:
        body["references"] = refs
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


# -- reading response bodies: each raises KeyError/TypeError/ValueError on a body
# -- of the wrong shape, which ``_call`` turns into UnexpectedResponseError.


def _reply(reply: Reply) -> Reply:
    return reply


_LISTING = "GET /schemas"


def _built(build: Callable[[Mapping[str, Any]], Listed], data: Any) -> list[Listed]:
    """A listing page's versions, each built by ``build``."""
    return [build(item) for item in _list(data)]


def _list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise TypeError("expected a JSON array")
    return data


def _int(data: Any) -> int:
    if isinstance(data, bool) or not isinstance(data, int):
        raise TypeError("expected an integer")
    return data


def _ints(data: Any) -> list[int]:
    return [_int(v) for v in _list(data)]


def _strings(data: Any) -> list[str]:
    if not all(isinstance(s, str) for s in _list(data)):
        raise TypeError("expected strings")
    return list(data)


def _optional_str(data: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = data.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise TypeError(f"expected a string in {keys}")
            return value
    return None


def _level(data: Any) -> str | None:
    """``compatibilityLevel`` (GET/DELETE answers) or ``compatibility`` (PUT answers)."""
    return _optional_str(data, "compatibilityLevel", "compatibility")


def _mode(data: Any) -> str | None:
    return _optional_str(data, "mode")


# A subject's own setting, read by ``read_settings``: its path, its parse, its absence.
_CONFIG_READ = ("/config", _level, _NO_LEVEL)
_MODE_READ = ("/mode", _mode, _NO_MODE)


def _verdict(data: Any) -> CompatibilityVerdict:
    compatible = data["is_compatible"]
    if not isinstance(compatible, bool):
        raise TypeError("is_compatible is not a boolean")
    return CompatibilityVerdict(compatible, [str(m) for m in data.get("messages") or []])


def _refused_repeat(error: RegistryError) -> bool:
    """How a registry may refuse a repeated pinned (IMPORT) registration it already applied."""
    return isinstance(error, IncompatibleSchemaError | UnprocessableError) and not isinstance(
        error, SchemaRejectedError
    )


def _scoped(root: str, subject: str | None) -> str:
    """``/config`` or ``/mode``: global without a subject, else the subject's (or context's)."""
    return root if subject is None else f"{root}/{_segment(subject)}"


def _ssl_context(tls: TlsConfig | None, display: str) -> ssl.SSLContext:
    """The TLS context: ``tls.ca_file`` alone when given, else the system CAs plus certifi's.

    Both default stores, because slim containers lack the system one and
    corporate roots live only there.
    """
    tls = tls or TlsConfig()
    try:
        if tls.ca_file and tls.verify:
            context = ssl.create_default_context(cafile=str(tls.ca_file))
        else:
            import certifi  # HTTPS only: its bundle's lookup is a few ms of every start

            context = ssl.create_default_context()
            context.load_verify_locations(certifi.where())
        if not tls.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if tls.cert_file:
            context.load_cert_chain(str(tls.cert_file), str(tls.key_file) if tls.key_file else None)
    except (OSError, ssl.SSLError) as exc:
        reason = f"cannot load TLS files: {exc.strerror or exc}"
    else:
        return context
    raise RegistryConfigurationError(display, None, None, reason)


RequestObserver = Callable[[str, str, int | None, int], None]
_observers: list[RequestObserver] = []


def add_request_observer(observer: RequestObserver) -> None:
    """Call ``observer(registry, method, status, attempt)`` after every HTTP attempt
    (status None: no response). For metrics (reconciler/service); it must not raise."""
    _observers.append(observer)


# Requests one client runs at once by default (its keep-alive connections).
MAX_CONCURRENCY = 16


class _Slots:
    """At most ``size`` requests at once, the waiting ones served first come first.

    What ``asyncio.Semaphore`` did here, for less per request: taken with
    ``if slots.free: slots.free -= 1`` (else ``await slots.wait()``), given back
    with ``release``. Python 3.11's ``Semaphore.acquire`` is a coroutine even when
    a slot is free, and its ``locked`` walks the waiters through a generator: six
    Python calls a request, about 4 % of a snapshot's settings read.
    """

    __slots__ = ("_waiters", "free")

    def __init__(self, size: int) -> None:
        self.free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def wait(self) -> None:
        """Wait (no slot is free) until ``release`` hands this caller one."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot as it was cancelled: the next one gets it
            raise

    def release(self) -> None:
        """Give a slot back: to the longest waiting caller, if one still waits."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():  # not cancelled while it waited
                waiter.set_result(None)
                return
        self.free += 1


class RegistryClient:
    """Async client for one Confluent-compatible schema registry.

    Use it as an async context manager (or call ``aclose()``). Requests share
    one pool of keep-alive connections; at most ``max_concurrency`` run at once.
    Failed requests are retried where repeating them is safe (see
    docs/registry-client.md); ``requests_made`` counts every HTTP request,
    retries included.

    ``url`` is ``http(s)://...`` (userinfo in it is used as basic auth and
    stripped), or ``local:PATH`` for the embedded registry in-process (PATH
    relative to the working directory; ``from_config`` resolves it against the
    project instead). ``transport`` replaces the network (tests inject faults
    with it); TLS options then do not apply. ``readonly`` refuses every write
    before it is sent (``ReadOnlyRegistryError``): the engine never plans one for
    a readonly registry, and this is the last line behind it. ``sleep``
    replaces ``asyncio.sleep`` between retries.
    """

    def __init__(
        self,
        url: str | Sequence[str],
        *,
        name: str | None = None,
        auth: Auth | None = None,
        tls: TlsConfig | None = None,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 0.25,
        max_concurrency: int = MAX_CONCURRENCY,
        transport: httpx.AsyncBaseTransport | Http11Transport | None = None,
        readonly: bool = False,
        max_retry_delay: float = 30.0,
        sleep: Sleep = asyncio.sleep,
        proxy: str | None = None,
    ) -> None:
        urls = [url] if isinstance(url, str) else list(url)
        if not urls:
            raise ValueError("a registry needs at least one URL")
        is_local = urls[0].startswith(LOCAL_SCHEME)
        self.name = name
        # Each URL without its userinfo (basic auth when no ``auth`` is given) and its
        # query string (a gateway's ?api_key=..., sent with every request and shown
        # nowhere: not in self.url, the display, errors or logs).
        self._urls: list[str] = []
        # Where requests go: (base URL, query parameters), one per URL.
        self._bases: list[tuple[str, tuple[tuple[str, str], ...]]] = []
        secrets: list[str] = []
        url_auth: Auth | None = None
        for each in urls:
            if is_local:
                self._urls.append(each)
                self._bases.append((_LOCAL_BASE_URL, ()))
                continue
            split = split_userinfo(each)
            url_auth = url_auth or split.auth
            if split.auth is not None:  # as written (maybe percent-encoded), and decoded
                raw_userinfo = urlsplit(each).netloc.rpartition("@")[0]
                secrets += [raw_userinfo.partition(":")[2], split.auth.password]
            clean, query = split_query(split.url)
            self._urls.append(clean)
            self._bases.append((clean.rstrip("/"), query))
            secrets += query_secrets(query)
        # Which URL requests go to: the first, until it fails (docs/registry-client.md).
        self._active = 0
        self._answered: list[str] = []
        self._auth: Auth | None = auth or url_auth
        proxies = {} if is_local or transport is not None else self._proxies(proxy)
        proxy_secrets = [
            secret
            for p in proxies.values()
            for secret in (p.password, (p.authorization or " ").split(" ", 1)[1])
        ]
        self._redactor = Redactor(self._auth, *secrets, *proxy_secrets)
        self._oauth = (
            ClientCredentials(self._auth, self._redactor, timeout, proxy)
            if isinstance(self._auth, OAuthClientCredentials)
            else None
        )
        self.readonly = readonly
        self._timeout = timeout
        self._max_retries = max_retries
        self._backoff = Backoff(base=backoff, cap=max_retry_delay)
        self._sleep = sleep
        self._max_concurrency = max_concurrency
        self._slots = _Slots(max_concurrency)
        self._requests_made = 0

        if is_local:
            if len(urls) > 1:
                raise RegistryConfigurationError(
                    self.display, None, None, "local: takes one database, not several URLs"
                )
            if transport is None:
                transport = _local_transport(Path(urls[0][len(LOCAL_SCHEME) :]))
        else:
            if any(urlsplit(u).scheme not in ("http", "https") for u in self.urls):
                raise RegistryConfigurationError(
                    self.display, None, None, "URL must start with http://, https:// or local:"
                )
            if transport is None:
                # Loading the CA stores takes ~50 ms: not for plain http without TLS options.
                https = any(u.startswith("https:") for u in self.urls) or tls is not None
                transport = Http11Transport(
                    _ssl_context(tls, self.display) if https else None,
                    max_idle=max_concurrency,
                    proxies=proxies,
                )
        # Requests go straight to the transport: httpx.AsyncClient's per-request
        # work (URL merging, cookie jar, auth and redirect machinery) costs several
        # times the transport's own on the snapshot's thousands of small reads,
        # and this client needs none of it. The network transport is sent bytes
        # (``Http11Transport.send``): each URL is parsed here, once.
        self._transport = transport
        self._network = transport if isinstance(transport, Http11Transport) else None
        # Per URL: where it connects, its path prefix and its Host header.
        self._origins: list[tuple[Origin, str, tuple[str, str]]] = []
        if self._network is not None:
            for base, _ in self._bases:
                origin, prefix = origin_and_prefix(base)
                host = ("Host", netloc(origin).decode("ascii"))
                self._origins.append((origin, prefix, host))
        self._headers = {
            "Accept": _ACCEPT,
            "Accept-Encoding": "gzip, deflate",
            "User-Agent": f"reconciler/{__version__}",
        }
        header = authorization_header(self._auth)
        if header is not None:
            self._headers["Authorization"] = header
        # The headers of most requests (no body, no OAuth token), per URL: encoded (and
        # checked) when sent, from the cache of ``encode_headers``.
        self._plain_headers = [(host, *self._headers.items()) for _, _, host in self._origins]
        # httpx.Timeout(timeout).as_dict(): the transports' form.
        self._timeouts: Timeouts = dict.fromkeys(("connect", "read", "write", "pool"), timeout)
        self._extensions = {"timeout": self._timeouts}

    @property
    def urls(self) -> tuple[str, ...]:
        """Every URL of the registry, without credentials, in order of preference."""
        return tuple(self._urls)

    @property
    def url(self) -> str:
        """The URL requests go to now: the first, or the one failed over to."""
        return self._urls[self._active]

    @property
    def display(self) -> str:
        """``name (url)``, with the URL requests go to now; never credentials."""
        return f"{self.name} ({self.url})" if self.name else self.url

    @property
    def answered(self) -> tuple[str, ...]:
        """The URLs that answered at least one request, in the order they first did."""
        return tuple(self._answered)

    def _proxies(self, explicit: str | None) -> dict[Origin, Proxy]:
        """The proxy of each origin: ``explicit`` for all, else what the environment says.

        Resolved once, when the client is built (as httpx does): a bad proxy URL
        is a ``RegistryConfigurationError`` then, naming neither it nor its
        credentials.
        """
        result: dict[Origin, Proxy] = {}
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                continue  # refused below, with the URL scheme message
            proxy_url = explicit or environment_proxy(url)
            if not proxy_url:
                continue
            try:
                proxy = Proxy.parse(proxy_url)
                port = parts.port or (443 if parts.scheme == "https" else 80)
            except ValueError as exc:
                reason = str(exc)
            else:
                result[(parts.scheme, parts.hostname, port)] = proxy
                continue
            raise RegistryConfigurationError(self.display, None, None, reason)
        return result

    @classmethod
    def from_config(
        cls,
        cfg: ClientConfig,
        base_dir: Path,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        max_concurrency: int = MAX_CONCURRENCY,
    ) -> RegistryClient:
        """A client for a project-file registry; ``local:PATH`` is resolved against ``base_dir``.

        A registry whose ``${VAR}``s are unset is refused here, where it is first
        used, naming each variable and where it is written (never a value).
        """
        if cfg.unresolved:
            raise RegistryError(cfg.name, None, None, "; ".join(cfg.unresolved))
        if cfg.is_local and transport is None:
            transport = _local_transport(base_dir / cfg.url[len(LOCAL_SCHEME) :])
        return cls(
            cfg.urls or cfg.url,
            name=cfg.name,
            auth=cfg.auth,
            tls=cfg.tls,
            timeout=cfg.timeout,
            max_concurrency=max_concurrency,
            transport=transport,
            readonly=cfg.readonly,
            proxy=cfg.proxy,
        )

    @property
    def max_concurrency(self) -> int:
        """Requests this client runs at once: more concurrent callers only queue."""
        return self._max_concurrency

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far, retries included (for benchmarks and request budgets)."""
        return self._requests_made

    def __repr__(self) -> str:
        return f"RegistryClient({self.display!r}, auth={auth_kind(self._auth)!r})"

    def read_ahead(self) -> ReadAhead | None:
        """Record the GETs this client sends to its first URL, and send a list of them
        ahead (``ReadAhead.start``): see ``_prefetch``. None where it does not apply: the
        embedded registry or an injected transport, a proxy (``Http11Transport``'s
        tunnels), OAuth (its tokens are fetched), or query parameters in the URL (a
        gateway's key: the recorded targets would hold it)."""
        network = self._network
        if network is None or network.proxied or self._oauth is not None or self._bases[0][1]:
            return None
        if network.read_ahead is None:
            origin, prefix, _ = self._origins[0]
            headers = encode_headers(self._plain_headers[0])
            ReadAhead(network, origin, prefix, headers, self._timeout)
        return network.read_ahead

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._oauth is not None:
            await self._oauth.aclose()
        await self._transport.aclose()

    async def _oauth_header(self, label: str, refresh: bool) -> str:
        assert self._oauth is not None
        try:
            return await self._oauth.header(refresh)
        except TokenError as exc:
            raise AuthenticationError(self.display, None, None, str(exc), request=label) from None

    # -- the request loop -------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        parse: Callable[[Any], T],
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        safety: Safety = Safety.IDEMPOTENT,
        reads_only: bool = False,
        absent: Absent[T] | None = None,
        decode: bool = True,
    ) -> Awaitable[T]:
        """Send a request with retries; return ``parse`` of the decoded JSON body.

        A body ``parse`` cannot read (a missing field, a wrong type) is an
        ``UnexpectedResponseError``. Every method but GET counts as a write
        (refused by a readonly client) unless ``reads_only`` says otherwise, so
        that a forgotten flag errs on the safe side. ``absent`` answers a 404
        with one of its error codes with its value (see ``Absent``). Without
        ``decode``, ``parse`` is given the answer itself (a 2xx ``Reply``).

        The request itself, awaited by the caller: no coroutine of its own
        (a snapshot sends 12,000 of them). Without ``settles`` the request
        never answers ``_AppliedEarlier``.
        """
        return cast(
            "Awaitable[T]",
            self._call_settling(
                method,
                path,
                parse=parse,
                params=params,
                body=body,
                safety=safety,
                reads_only=reads_only,
                settles=None,
                absent=absent,
                decode=decode,
            ),
        )

    async def _call_settling(
        self,
        method: str,
        path: str,
        *,
        parse: Callable[[Any], T],
        settles: Settles | None,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        safety: Safety = Safety.IDEMPOTENT,
        reads_only: bool = False,
        absent: Absent[T] | None = None,
        first: tuple[int, Reply | httpx.TransportError | OSError] | None = None,
        decode: bool = True,
    ) -> T | _AppliedEarlier:
        """``_call``, where an error can also mean success.

        ``settles`` recognises an error that, on a retry after an attempt that
        may have been applied, means that attempt did the work: the answer is
        then ``_AppliedEarlier`` instead of the error. ``first`` is a first
        attempt made already (``read_settings``): the index of the URL it went
        to and its answer or failure, sent and counted; the loop goes on from it.
        """
        label = f"{method} {path}"
        if self.readonly and method != "GET" and not reads_only:
            raise ReadOnlyRegistryError(
                self.display,
                None,
                None,
                "refused: the registry is readonly (project file); nothing was sent",
                request=label,
            )
        query = list(params.items()) if params else []
        content = None if body is None else json.dumps(body).encode()
        headers = self._headers
        if content is not None:
            headers = {**headers, "Content-Type": _CONTENT_TYPE}
        maybe_applied = False
        attempt = 0
        failovers = 0  # attempts that went to a URL this call had not tried: not retries
        tried = {self._active if first is None else first[0]}
        refreshed = refresh = False
        slots = self._slots
        while True:
            attempt += 1
            response: Reply | None = None
            if first is not None:
                index, outcome = first
                first = None
                if isinstance(outcome, Reply):
                    response = outcome
                else:
                    failure = classify_transport_error(outcome, self._timeout)
            else:
                self._requests_made += 1
                index = self._active
                if self._oauth is not None:
                    headers = {**headers, "Authorization": await self._oauth_header(label, refresh)}
                if slots.free:
                    slots.free -= 1
                else:
                    await slots.wait()
                try:
                    response = await self._send(method, index, path, query, headers, content)
                except (httpx.TransportError, OSError) as exc:
                    failure = classify_transport_error(exc, self._timeout)
                finally:
                    slots.release()
            last_attempt = attempt - failovers > self._max_retries
            for observe in _observers:
                status = None if response is None else response.status
                observe(self.name or self.url, method, status, attempt)

            if response is None:
                logger.debug("%s %s -> %s (attempt %d)", method, path, failure.reason, attempt)
                maybe_applied = maybe_applied or failure.maybe_sent
                may_retry = failure.retryable and (
                    safety is Safety.IDEMPOTENT or not failure.maybe_sent
                )
                if may_retry and self._fail_over(index, tried):
                    failovers += 1
                    continue
                if not may_retry or last_attempt:
                    reason = self._redactor.redact(failure.reason)
                    if attempt > 1:
                        reason += f" after {attempt} attempts"
                    raise RegistryUnavailableError(self.display, None, None, reason, request=label)
                await self._sleep(self._backoff.delay(attempt - failovers, None))
                continue

            if self._urls[index] not in self._answered:
                self._answered.append(self._urls[index])
            status = response.status
            logger.debug("%s %s -> %d (attempt %d)", method, path, status, attempt)
            if status == 401 and self._oauth is not None and not refreshed:
                # A token revoked or expired early: one new token, and the same request
                # again (refused before it was applied, so any request may be repeated).
                refreshed = refresh = True
                attempt -= 1
                continue
            refresh = False
            if 200 <= status < 300:
                data = self._decode(response, label) if decode else response
                return self._parse(parse, data, status, label)
            if status == 404 and absent is not None and _error_code(response) in absent.codes:
                return absent.value
            error = self._error(response, label)
            if maybe_applied and settles is not None and settles(error):
                return _AppliedEarlier(error)
            maybe_applied = maybe_applied or status >= 500
            may_retry = status in RETRYABLE_STATUSES and (
                safety is Safety.IDEMPOTENT or status == 429
            )
            # A 5xx is a failing server, worth another URL; a 429 is the registry's
            # wish to be asked later, worth the same URL after its Retry-After.
            if may_retry and status >= 500 and self._fail_over(index, tried):
                failovers += 1
                continue
            if not may_retry or last_attempt:
                raise error
            retry_after = parse_retry_after(response.header("Retry-After"))
            await self._sleep(self._backoff.delay(attempt - failovers, retry_after))

    def _query(self, index: int, query: list[tuple[str, str | int]]) -> str:
        """``?...``: this URL's own parameters (e.g. a gateway's key) and the request's."""
        fixed = self._bases[index][1]
        if query or fixed:
            return "?" + urlencode([*fixed, *query], quote_via=quote)
        return ""

    def _fail_over(self, failed: int, tried: set[int]) -> bool:
        """After URL ``failed`` failed: requests go to the next URL from now on (unless
        a concurrent request moved on already). True when this call has not tried it yet:
        the caller then tries it at once, as a failover rather than a retry."""
        if len(self._bases) == 1:
            return False
        if self._active == failed:
            self._active = (failed + 1) % len(self._bases)
            logger.debug("registry %s: failing over to %s", self.name or "", self.url)
        if self._active in tried:
            return False
        tried.add(self._active)
        return True

    def _send(
        self,
        method: str,
        index: int,
        path: str,
        query: list[tuple[str, str | int]],
        headers: Mapping[str, str],
        content: bytes | None,
    ) -> Awaitable[Reply]:
        """One attempt: the network transport's ``send`` itself (no coroutine in between),
        or an injected transport's through httpx's types."""
        if self._network is None:
            return self._send_httpx(method, index, path, query, headers, content)
        origin, prefix, host = self._origins[index]
        return self._network.send(
            origin,
            method,
            f"{prefix}{path}{self._query(index, query)}".encode("ascii"),
            encode_headers(
                self._plain_headers[index] if headers is self._headers else (host, *headers.items())
            ),
            content,
            self._timeouts,
        )

    async def _send_httpx(
        self,
        method: str,
        index: int,
        path: str,
        query: list[tuple[str, str | int]],
        headers: Mapping[str, str],
        content: bytes | None,
    ) -> Reply:
        request = httpx.Request(
            method,
            self._bases[index][0] + path + self._query(index, query),
            headers=headers,
            content=content,
            extensions=self._extensions,
        )
        response = await self._transport.handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        return Reply.of(
            response.status_code,
            response.reason_phrase.encode("latin-1"),
            response.headers.raw,
            response.content,
        )

    def _decode(self, response: Reply, label: str) -> Any:
        body = response.body
        if not body:
            return None
        try:
            return _loads(body)
        except ValueError:
            pass
        # Raised here, not in the except block: the JSON error (its ``doc`` is the
        # whole body) must not ride along as ``__context__``.
        raise UnexpectedResponseError(
            self.display, response.status, None, "the response is not JSON", request=label
        )

    def _parse(self, parse: Callable[[Any], T], data: Any, status: int, label: str) -> T:
        try:
            return parse(data)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            pass
        # Outside the except block, as in ``_decode``: the parse error may quote the body.
        raise UnexpectedResponseError(
            self.display,
            status,
            None,
            "the response body is not what the API documents",
            request=label,
        )

    def _error(self, response: Reply, label: str) -> RegistryError:
        status = response.status
        error_code, message = status, ""
        data = _error_body(response)
        if data is not None:
            raw_code = data.get("error_code")
            if isinstance(raw_code, int):
                error_code = raw_code
            message = str(data.get("message") or "")
        if not message:
            message = response.text.strip() or response.reason or "request failed"
        message = self._redactor.redact(message)
        if len(message) > _MAX_MESSAGE:
            message = message[:_MAX_MESSAGE] + "..."
        return error_class(status, error_code)(
            self.display, status, error_code, message, request=label
        )

    # -- subjects and versions ---------------------------------------------

    async def get_subjects(self, prefix: str | None = None, deleted: bool = False) -> list[str]:
        """Subject names; ``prefix`` can be a context (``:.ctx:``)."""
        return await self._call(
            "GET",
            "/subjects",
            params=_params(subjectPrefix=prefix, deleted=_flag(deleted)),
            parse=_strings,
        )

    async def get_versions(self, subject: str, deleted: bool = False) -> list[int]:
        return await self._call(
            "GET",
            f"/subjects/{_segment(subject)}/versions",
            params=_params(deleted=_flag(deleted)),
            parse=_ints,
        )

    async def get_version(
        self, subject: str, version: Version, deleted: bool = False
    ) -> SchemaVersion:
        return await self._call(
            "GET",
            f"/subjects/{_segment(subject)}/versions/{_segment(version)}",
            params=_params(deleted=_flag(deleted)),
            parse=lambda data: parse_schema_version(data, subject=subject),
        )

    async def list_schemas(
        self,
        subject_prefix: str | None = None,
        deleted: bool = False,
        latest_only: bool = False,
        page_size: int = 1000,
        on_page: Callable[[list[SchemaVersion]], None] | None = None,
    ) -> list[SchemaVersion]:
        """Every schema version (``GET /schemas``), paged with offset/limit until a short page.

        N versions cost ceil((N + 1) / page_size) requests. A registry that
        ignores ``limit`` answers with everything at once (one request); one that
        ignores ``offset`` would repeat a page forever, so a page that adds
        nothing new ends the listing. ``on_page`` is given each page's new
        versions as it arrives (so that reads they call for can start).
        """
        return await self.list_schemas_as(
            parse_schema_version, subject_prefix, deleted, latest_only, page_size, on_page
        )

    async def list_schemas_as(
        self,
        build: Callable[[Mapping[str, Any]], Listed],
        subject_prefix: str | None = None,
        deleted: bool = False,
        latest_only: bool = False,
        page_size: int = 1000,
        on_page: Callable[[list[Listed]], None] | None = None,
    ) -> list[Listed]:
        """``list_schemas``, each version built by ``build`` from its JSON object (which
        raises as ``parse_schema_version`` does on one the API does not document): a
        caller that keeps its own type of version (the plan's snapshot: 500,000 of them
        at 100,000 subjects) builds it without a ``SchemaVersion`` first."""
        listing = await self._listing(
            build, subject_prefix, deleted, latest_only, page_size, on_page, None
        )
        return listing.versions

    async def list_schemas_digested(
        self,
        build: Callable[[Mapping[str, Any]], Listed],
        remembered: Sequence[bytes] = (),
        subject_prefix: str | None = None,
        deleted: bool = False,
        page_size: int = 1000,
    ) -> Listing[Listed]:
        """``list_schemas_as``, with the sha256 of each page's body (``Listing``).

        ``remembered``: the digests of an earlier listing of the same arguments that
        listed no version twice. While this listing's bodies are those, page for page,
        it goes on or ends as that one did, and its versions are not looked for among
        the ones before them (the same bytes list none twice either): a caller that
        kept what it made of that listing can tell, by ``digests``, that it holds this
        one's too."""
        return await self._listing(
            build, subject_prefix, deleted, False, page_size, None, tuple(remembered)
        )

    async def _listing(
        self,
        build: Callable[[Mapping[str, Any]], Listed],
        subject_prefix: str | None,
        deleted: bool,
        latest_only: bool,
        page_size: int,
        on_page: Callable[[list[Listed]], None] | None,
        remembered: tuple[bytes, ...] | None,
    ) -> Listing[Listed]:
        """The listing's loop (``list_schemas``); with ``remembered`` (not None), each
        body's digest is taken, and compared with the remembered ones while they last."""
        result: list[Listed] = []
        seen: set[tuple[str, int]] = set()
        digests: list[bytes] = []
        same = bool(remembered)  # this listing's bodies are the remembered ones so far
        repeated = False
        offset = 0
        parse_page = partial(_built, build)
        while True:
            reply: Reply = await self._call(
                "GET",
                "/schemas",
                params=_params(
                    subjectPrefix=subject_prefix,
                    deleted=_flag(deleted),
                    latestOnly=_flag(latest_only),
                    offset=offset,
                    limit=page_size,
                ),
                parse=_reply,
                decode=False,
            )
            page = self._parse(parse_page, self._decode(reply, _LISTING), reply.status, _LISTING)
            if remembered is not None:
                digests.append(hashlib.sha256(reply.body).digest())
                count = len(digests)
                if same and count <= len(remembered) and digests[-1] == remembered[count - 1]:
                    result += page
                    if count == len(remembered):
                        return Listing(result, tuple(digests), False)
                    offset += page_size
                    continue
                if same:  # the first page that differs: from here on, a listing as any
                    same = False
                    seen.update((sv.subject, sv.version) for sv in result)
            fresh = [sv for sv in page if (sv.subject, sv.version) not in seen]
            seen.update((sv.subject, sv.version) for sv in fresh)
            repeated = repeated or len(fresh) < len(page)
            result.extend(fresh)
            if on_page is not None:
                on_page(fresh)
            if len(page) != page_size or not fresh:
                return Listing(result, tuple(digests), repeated)
            offset += page_size

    async def register(
        self,
        subject: str,
        schema: str,
        schema_type: str = DEFAULT_SCHEMA_TYPE,
        references: Iterable[Reference] = (),
        normalize: bool = False,
        id: int | None = None,
        version: int | None = None,
        metadata: Mapping[str, Any] | None = None,
        rule_set: Mapping[str, Any] | None = None,
    ) -> int:
        """Register ``schema`` under ``subject``; return its global id.

        Retried: the registry answers a repeated registration of a schema the
        subject already has with the existing id. With an explicit ``id`` or
        ``version`` (IMPORT mode) a repeat may instead be refused (409/422) by
        some implementations; after an attempt that may have been applied such
        a refusal is checked with a lookup, and is a success when the subject
        holds the schema under the requested id and version.
        """
        references = tuple(references)
        body = _schema_body(
            schema,
            schema_type,
            references,
            id=id,
            version=version,
            metadata=None if metadata is None else dict(metadata),
            ruleSet=None if rule_set is None else dict(rule_set),
        )
        pinned = id is not None or version is not None
        result = await self._call_settling(
            "POST",
            f"/subjects/{_segment(subject)}/versions",
            params=_params(normalize=_flag(normalize)),
            body=body,
            settles=_refused_repeat if pinned else None,
            parse=lambda data: int(data["id"]),
        )
        if not isinstance(result, _AppliedEarlier):
            return int(result)
        found = await self.lookup(
            subject,
            schema,
            schema_type,
            references,
            normalize,
            metadata=metadata,
            rule_set=rule_set,
        )
        if (
            found is None
            or (id is not None and found.id != id)
            or (version is not None and found.version != version)
        ):
            raise result.error
        return found.id

    async def lookup(
        self,
        subject: str,
        schema: str,
        schema_type: str = DEFAULT_SCHEMA_TYPE,
        references: Iterable[Reference] = (),
        normalize: bool = False,
        deleted: bool = False,
        metadata: Mapping[str, Any] | None = None,
        rule_set: Mapping[str, Any] | None = None,
    ) -> SchemaVersion | None:
        """The version of ``subject`` that holds ``schema``, or None (40401/40403).

        With ``metadata``/``rule_set`` the version must hold that data contract
        too (the registry matches them as part of the schema, as it does when
        registering; a version with another contract is not a match).
        """
        try:
            return await self._call(
                "POST",
                f"/subjects/{_segment(subject)}",
                params=_params(normalize=_flag(normalize), deleted=_flag(deleted)),
                body=_schema_body(
                    schema,
                    schema_type,
                    references,
                    metadata=None if metadata is None else dict(metadata),
                    ruleSet=None if rule_set is None else dict(rule_set),
                ),
                reads_only=True,
                parse=lambda data: parse_schema_version(data, subject=subject),
            )
        except NotFoundError as exc:
            if exc.error_code in (ErrorCode.SUBJECT_NOT_FOUND, ErrorCode.SCHEMA_NOT_FOUND):
                return None
            raise

    async def delete_subject(self, subject: str, permanent: bool = False) -> list[int]:
        """Soft delete ``subject`` (or hard delete a soft-deleted one); return the versions.

        A retry that meets 40404 "already soft deleted" (soft) or 40401 "not
        found" (permanent) after an attempt that may have been applied counts
        as that attempt's success. The version list of the lost answer is then
        rebuilt from ``GET versions?deleted=true`` (soft), or empty (permanent:
        the subject is gone).
        """
        result = await self._call_settling(
            "DELETE",
            f"/subjects/{_segment(subject)}",
            params=_params(permanent=_flag(permanent)),
            settles=_codes(
                ErrorCode.SUBJECT_NOT_FOUND if permanent else ErrorCode.SUBJECT_SOFT_DELETED
            ),
            parse=_ints,
        )
        if isinstance(result, _AppliedEarlier):
            return [] if permanent else await self.get_versions(subject, deleted=True)
        return result

    async def delete_version(self, subject: str, version: Version, permanent: bool = False) -> int:
        """Soft (or, after that, hard) delete one version; return its number.

        ``"latest"`` is sent once and never repeated after an attempt that may
        have been applied: a repeat would delete the next version.
        """
        result = await self._call_settling(
            "DELETE",
            f"/subjects/{_segment(subject)}/versions/{_segment(version)}",
            params=_params(permanent=_flag(permanent)),
            safety=Safety.ONCE if version == "latest" else Safety.IDEMPOTENT,
            settles=_codes(
                ErrorCode.SUBJECT_NOT_FOUND,
                ErrorCode.VERSION_NOT_FOUND,
                *(() if permanent else (ErrorCode.VERSION_SOFT_DELETED,)),
            ),
            parse=_int,
        )
        return int(version) if isinstance(result, _AppliedEarlier) else result

    async def referenced_by(self, subject: str, version: Version) -> list[int]:
        """Ids of the schemas that reference this version."""
        return await self._call(
            "GET",
            f"/subjects/{_segment(subject)}/versions/{_segment(version)}/referencedby",
            parse=_ints,
        )

    # -- schemas by id -----------------------------------------------------

    async def get_schema_by_id(self, id: int, subject: str | None = None) -> SchemaById:
        """The schema with global ``id`` (``subject`` picks the context to look in)."""
        return await self._call(
            "GET",
            f"/schemas/ids/{id}",
            params=_params(subject=subject),
            parse=lambda data: parse_schema_by_id(data, id),
        )

    async def get_subjects_for_id(self, id: int, deleted: bool = False) -> list[str]:
        return await self._call(
            "GET",
            f"/schemas/ids/{id}/subjects",
            params=_params(deleted=_flag(deleted)),
            parse=_strings,
        )

    async def get_versions_for_id(self, id: int, deleted: bool = False) -> list[SubjectVersion]:
        return await self._call(
            "GET",
            f"/schemas/ids/{id}/versions",
            params=_params(deleted=_flag(deleted)),
            parse=lambda data: [
                SubjectVersion(str(d["subject"]), int(d["version"])) for d in _list(data)
            ],
        )

    # -- compatibility -----------------------------------------------------

    async def check_compatibility(
        self,
        subject: str,
        schema: str,
        schema_type: str = DEFAULT_SCHEMA_TYPE,
        references: Iterable[Reference] = (),
        version: Version | None = "latest",
        verbose: bool = True,
    ) -> CompatibilityVerdict:
        """The registry's verdict on ``schema`` against ``version`` (None: all versions)."""
        path = f"/compatibility/subjects/{_segment(subject)}/versions"
        if version is not None:
            path += f"/{_segment(version)}"
        return await self._call(
            "POST",
            path,
            params=_params(verbose=_flag(verbose)),
            body=_schema_body(schema, schema_type, references),
            reads_only=True,
            parse=_verdict,
        )

    # -- config and mode ---------------------------------------------------

    def _get_setting(
        self,
        path: str,
        subject: str | None,
        default_to_global: bool,
        not_set: Absent[None],
        parse: Callable[[Any], str | None],
    ) -> Awaitable[str | None]:
        """GET /config or /mode at a level; None when nothing is set there."""
        return self._call(
            "GET",
            _scoped(path, subject),
            params=_GLOBAL_DEFAULT if default_to_global else None,
            parse=parse,
            absent=not_set,
        )

    async def _delete_setting(
        self,
        path: str,
        subject: str | None,
        not_set: ErrorCode,
        parse: Callable[[Any], str | None],
    ) -> str | None:
        """DELETE /config or /mode at a level; the removed value, None if already gone.

        Already gone is success on the first attempt too (40401, or 40408/40409
        "not configured"): the level holds nothing of its own, as asked.
        """
        gone = _codes(ErrorCode.SUBJECT_NOT_FOUND, not_set)
        try:
            result = await self._call_settling(
                "DELETE",
                _scoped(path, subject),
                settles=gone,
                parse=lambda data: parse(data or {}),
            )
        except NotFoundError as exc:
            if not gone(exc):
                raise
            return None
        return None if isinstance(result, _AppliedEarlier) else result

    async def get_config(
        self, subject: str | None = None, default_to_global: bool = False
    ) -> str | None:
        """The compatibility level set at this level (global when ``subject`` is None).

        None when the subject has none of its own (40401/40408).
        """
        return await self._get_setting("/config", subject, default_to_global, _NO_LEVEL, _level)

    async def set_config(self, level: str, subject: str | None = None) -> str:
        return await self._call(
            "PUT",
            _scoped("/config", subject),
            body={"compatibility": level},
            parse=lambda data: _level(data or {}) or level,
        )

    async def delete_config(self, subject: str | None = None) -> str | None:
        """Remove the level set at this level; return the removed one (None if already gone)."""
        return await self._delete_setting(
            "/config", subject, ErrorCode.SUBJECT_COMPATIBILITY_NOT_CONFIGURED, _level
        )

    async def get_mode(
        self, subject: str | None = None, default_to_global: bool = False
    ) -> str | None:
        """The mode set at this level; None when the subject has none of its own (40401/40409)."""
        return await self._get_setting("/mode", subject, default_to_global, _NO_MODE, _mode)

    async def read_settings(self, wanted: Sequence[tuple[str, str]]) -> list[str | None]:
        """Subjects' own settings, ``(subject, "compatibility" | "mode")`` each, as
        ``get_config(subject)`` and ``get_mode(subject)`` answer them, in ``wanted``'s order.

        As many workers as the client runs requests at once, each sending its next read
        when its last is answered. A snapshot reads 12,000 of them, nearly all answered
        at once (a level, or the 404 of "none of its own"): such a read costs here ~68k
        instructions, against ~84k through ``get_mode`` (its layers of calls, the URL's
        quoting, the retry loop's bookkeeping). Any other answer, and any failure, goes
        to ``_call_settling`` as its first attempt: retries, failover and errors are the
        loop's, as for ``get_mode``. Without the network transport, or with OAuth tokens
        (refreshed on a 401), each read is ``get_config``'s or ``get_mode``'s.
        """
        values: list[str | None] = [None] * len(wanted)
        pending = iter(enumerate(wanted))
        network = self._network if self._oauth is None else None
        slots, timeouts, observers = self._slots, self._timeouts, _observers
        suffixes = [self._query(index, []) for index in range(len(self._bases))]

        async def worker() -> None:
            for position, (subject, what) in pending:
                config = what == "compatibility"
                if network is None:
                    values[position] = await (self.get_config if config else self.get_mode)(subject)
                    continue
                root, parse, absent = _CONFIG_READ if config else _MODE_READ
                path = _scoped(root, subject)
                if slots.free:
                    slots.free -= 1
                else:
                    await slots.wait()
                self._requests_made += 1
                index = self._active
                origin, prefix, _ = self._origins[index]
                outcome: Reply | httpx.TransportError | OSError
                try:
                    outcome = await network.send(
                        origin,
                        "GET",
                        f"{prefix}{path}{suffixes[index]}".encode("ascii"),
                        encode_headers(self._plain_headers[index]),
                        None,
                        timeouts,
                    )
                except (httpx.TransportError, OSError) as exc:
                    outcome = exc
                finally:
                    slots.release()
                if isinstance(outcome, Reply):
                    status = outcome.status
                    ok = 200 <= status < 300
                    if ok or (status == 404 and _error_code(outcome) in absent.codes):
                        for observe in observers:
                            observe(self.name or self.url, "GET", status, 1)
                        if self._urls[index] not in self._answered:
                            self._answered.append(self._urls[index])
                        logger.debug("%s %s -> %d (attempt %d)", "GET", path, status, 1)
                        if ok:
                            label = f"GET {path}"
                            data = self._decode(outcome, label)
                            values[position] = self._parse(parse, data, status, label)
                        continue
                answer = await self._call_settling(
                    "GET", path, parse=parse, settles=None, absent=absent, first=(index, outcome)
                )
                values[position] = cast("str | None", answer)

        await asyncio.gather(*(worker() for _ in range(min(self._max_concurrency, len(wanted)))))
        return values

    async def set_mode(self, mode: str, subject: str | None = None, force: bool = False) -> str:
        """Set the mode; ``force`` allows IMPORT on a subject or registry that has schemas."""
        return await self._call(
            "PUT",
            _scoped("/mode", subject),
            params=_params(force=_flag(force)),
            body={"mode": mode},
            parse=lambda data: _mode(data or {}) or mode,
        )

    async def delete_mode(self, subject: str | None = None) -> str | None:
        """Remove the mode set at this level; return the removed one (None if already gone)."""
        return await self._delete_setting(
            "/mode", subject, ErrorCode.SUBJECT_MODE_NOT_CONFIGURED, _mode
        )

    # -- contexts and server -----------------------------------------------

    async def get_contexts(self) -> list[str]:
        return await self._call("GET", "/contexts", parse=_strings)

    async def ping(self) -> None:
        """Raise unless the registry answers ``GET /`` with a success."""
        await self._call("GET", "/", parse=lambda data: None)

    async def server_info(self) -> dict[str, Any]:
        """``GET /v1/metadata/version`` (version, commitId); empty where not implemented."""
        try:
            return await self._call("GET", "/v1/metadata/version", parse=lambda data: dict(data))
        except NotFoundError:
            return {}


def _local_transport(db_path: Path) -> httpx.AsyncBaseTransport:
    """The embedded registry, in-process. Imported here: only ``local:`` URLs need it."""
    from reconciler.localregistry import create_app

    return httpx.ASGITransport(app=create_app(db_path))
