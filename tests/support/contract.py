"""Check REST exchanges against Discord's official OpenAPI 3.1 description.

Every request the bot sends to the sandbox, and every response the sandbox returns, can be checked
here against ``discord-api-spec/openapi.json`` (kept outside the project, in ``../shared``)::

    contract = DiscordContract.load()
    problems = contract.check_exchange("POST", "/channels/1/messages", body, 200, reply)

Problems come back as :class:`Violation` values rather than exceptions, so a caller can collect
every problem of a whole scenario and report them together.

Bodies are parsed JSON (``dict``, ``list``, ...), ``None`` for no body, or raw ``bytes`` (parsed
here; ``b""`` is no body). Multipart requests: pass the form fields as a mapping; its
``payload_json`` part (``str`` or ``bytes``) is decoded and validated, file parts are ignored.
Paths may carry the ``/api/v10`` prefix, a query string, or be whole URLs.

Responses are checked against the schema declared for the exact status, else its ``4XX``-style
range, else ``default`` (OpenAPI's order). A 204 must have no body. An error status the spec does
not declare (Discord's declares no 5xx) must still be an object with ``code`` and ``message``.

Validation is as strict as the spec, except at the few documented places listed in
:data:`KNOWN_SPEC_GAPS`, where discord.py 2.7.1 sends something Discord accepts but the spec
does not describe.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import reprlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from jsonschema import FormatChecker, ValidationError
from jsonschema.validators import extend
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = [
    "DEFAULT_SPEC_PATH",
    "KNOWN_SPEC_GAPS",
    "SPEC_ENV_VAR",
    "DiscordContract",
    "SpecGap",
    "SpecUnavailable",
    "Violation",
    "default_spec_path",
]

SPEC_ENV_VAR: Final = "WATCHCLUB_DISCORD_SPEC"


def default_spec_path() -> Path:
    """Where the spec is looked for: ``$WATCHCLUB_DISCORD_SPEC``, else next to the project."""
    override = os.environ.get(SPEC_ENV_VAR)
    if override:
        return Path(override)
    # tests/support/contract.py -> project root -> its parent, which holds shared/
    return Path(__file__).resolve().parents[3] / "shared" / "discord-api-spec" / "openapi.json"


DEFAULT_SPEC_PATH: Final[Path] = default_spec_path()

_SPEC_URI: Final = "urn:watchclub:discord-openapi"
_HTTP_METHODS: Final = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})
_API_PREFIXES: Final = ("/api/v10", "/api/v9", "/api")
_JSON: Final = "application/json"
_FORM_TYPES: Final = ("multipart/form-data", "application/x-www-form-urlencoded")
_MAX_ERRORS_PER_BODY: Final = 10
_UNION_KEYWORDS: Final = frozenset({"anyOf", "oneOf"})
_JSON_TYPES: Final = frozenset(
    {"null", "boolean", "object", "array", "number", "string", "integer"}
)

_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40
_short.maxdict = 3
_short.maxlist = 3
_short.maxlevel = 2


class SpecUnavailable(Exception):
    """The OpenAPI file is missing or is not a usable OpenAPI document."""


@dataclass(frozen=True)
class Violation:
    """One way an exchange departs from the spec.

    ``where`` is ``"route"``, ``"request body"`` or ``"response <status>"``; ``message`` starts with
    the JSON pointer (``#/data/embeds/0/title``) of the failing part of the body where there is one.
    """

    method: str
    path: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.where}] {self.message}"


@dataclass(frozen=True)
class SpecGap:
    """A documented, narrow widening of the spec: at each of ``pointers`` the schema found there
    becomes ``anyOf: [<that schema>, also]``; nothing else changes."""

    name: str
    pointers: tuple[str, ...]
    also: Mapping[str, Any]
    reason: str


# A snowflake sent as a JSON number. discord.py serialises ``Object.id``/``x.id`` (Python ints)
# as-is in a few request fields; Discord parses snowflakes from numbers as well as strings.
_INT_SNOWFLAKE: Final[Mapping[str, Any]] = {
    "type": "integer",
    "minimum": 0,
    "maximum": 18446744073709551615,
}
_S: Final = "#/components/schemas/"

KNOWN_SPEC_GAPS: Final[tuple[SpecGap, ...]] = (
    SpecGap(
        name="component-emoji-id",
        pointers=(f"{_S}ComponentEmojiForRequest/properties/id",),
        also=_INT_SNOWFLAKE,
        reason="PartialEmoji.to_dict() puts a custom emoji's id (an int) in buttons and select "
        "options as a JSON number.",
    ),
    SpecGap(
        name="select-default-value-id",
        pointers=tuple(
            f"{_S}{kind}SelectDefaultValue/properties/id" for kind in ("User", "Role", "Channel")
        ),
        also=_INT_SNOWFLAKE,
        reason="SelectDefaultValue.to_dict() sends the default value's id as a JSON number.",
    ),
    SpecGap(
        name="allowed-mentions-ids",
        pointers=(
            f"{_S}MessageAllowedMentionsRequest/properties/users/items",
            f"{_S}MessageAllowedMentionsRequest/properties/roles/items",
        ),
        also=_INT_SNOWFLAKE,
        reason="AllowedMentions.to_dict() lists explicit users/roles as [x.id ...], JSON numbers.",
    ),
    SpecGap(
        name="message-reference-ids",
        pointers=tuple(
            f"{_S}MessageReferenceRequest/properties/{field}"
            for field in ("message_id", "channel_id", "guild_id")
        ),
        also=_INT_SNOWFLAKE,
        reason="MessageReference.to_dict() / Message.to_message_reference_dict() (replies) send "
        "message_id, channel_id and guild_id as JSON numbers.",
    ),
    SpecGap(
        name="attachment-upload-id",
        pointers=(f"{_S}MessageAttachmentRequest/properties/id",),
        also=_INT_SNOWFLAKE,
        reason="File.to_dict(index) sends a new upload's id as its files[n] index (0, 1, ...) and "
        "Attachment.to_dict() an existing one's id, both as JSON numbers; Discord documents the "
        "index form for uploads.",
    ),
    SpecGap(
        name="scheduled-event-channel-id",
        pointers=(
            f"{_S}VoiceScheduledEventCreateRequest/properties/channel_id",
            f"{_S}StageScheduledEventCreateRequest/properties/channel_id",
        ),
        also=_INT_SNOWFLAKE,
        reason="Guild.create_scheduled_event() sends channel.id for voice/stage events as a JSON "
        "number.",
    ),
    SpecGap(
        name="dm-recipient-id",
        pointers=(f"{_S}CreatePrivateChannelRequest/properties/recipient_id",),
        also=_INT_SNOWFLAKE,
        reason="HTTPClient.start_private_message() sends the user's id as a JSON number.",
    ),
    SpecGap(
        name="field-error-code",
        pointers=(f"{_S}InnerErrors/properties/_errors/items",),
        also={
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        },
        reason="Inside a 50035 Invalid Form Body answer, each field's errors carry string codes "
        "such as BASE_TYPE_MAX_LENGTH; the spec reuses the integer top-level Error there.",
    ),
)


# --------------------------------------------------------------------------------------------
# Loading


def _build_format_checker() -> FormatChecker:
    """int32/int64 range checks from OpenAPI, plus RFC 3339 ``date-time``.

    ``double`` is left out on purpose: JSON has one number type, so ``1`` for a double is fine.
    ``uri`` is left out because checking it needs a package this project does not install.
    """
    checker = FormatChecker(formats=())
    for name in ("int32", "int64"):
        checker.checkers[name] = oas31_format_checker.checkers[name]
    date_time = FormatChecker.checkers.get("date-time")
    if date_time is not None:  # present whenever rfc3339-validator is installed
        checker.checkers["date-time"] = date_time
    return checker


_FORMAT_CHECKER: Final = _build_format_checker()


def _pointer_escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pointer_tokens(pointer: str) -> list[str]:
    body = pointer.removeprefix("#")
    if not body:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in body.lstrip("/").split("/")]


def _lookup(document: Any, pointer: str) -> Any:
    node = document
    for token in _pointer_tokens(pointer):
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _apply_gaps(spec: dict[str, Any], gaps: Iterable[SpecGap]) -> None:
    for gap in gaps:
        for pointer in gap.pointers:
            tokens = _pointer_tokens(pointer)
            try:
                parent = _lookup(spec, "#/" + "/".join(_pointer_escape(t) for t in tokens[:-1]))
                original = parent[tokens[-1]]
            except (KeyError, IndexError, TypeError, ValueError) as exc:
                msg = f"spec gap {gap.name!r}: {pointer} is not in the spec"
                raise SpecUnavailable(msg) from exc
            if not isinstance(original, dict):
                raise SpecUnavailable(f"spec gap {gap.name!r}: {pointer} is not a schema")
            parent[tokens[-1]] = {"anyOf": [original, copy.deepcopy(dict(gap.also))]}


def _index_schemas(spec: Mapping[str, Any]) -> dict[int, str]:
    """Map id() of every schema dict under components/schemas to its JSON pointer."""
    where: dict[int, str] = {}
    stack: list[tuple[Any, str]] = [(spec["components"]["schemas"], "#/components/schemas")]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, dict):
            where.setdefault(id(node), pointer)
            for key, value in node.items():
                if isinstance(value, dict | list):
                    stack.append((value, f"{pointer}/{_pointer_escape(str(key))}"))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, dict | list):
                    stack.append((value, f"{pointer}/{i}"))
    return where


# (JSON types allowed, values allowed by const/enum, tag property -> values allowed)
_Branch = tuple[tuple[str, ...] | None, frozenset[object] | None, dict[str, frozenset[object]]]


class _BranchFilter:
    """anyOf/oneOf that skip branches an instance cannot match, for speed.

    Discord's unions are mostly tagged: ``oneOf: [{"type": "null"}, {"$ref": ...}]``, or objects
    told apart by a ``type`` property with an ``enum``/``const``. jsonschema evaluates every
    branch in full (twice for oneOf); here a branch whose JSON type or tag cannot fit the instance
    is skipped, which changes no outcome since that branch would fail anyway. When no branch is
    left, all are evaluated, so the errors still say what was expected.
    """

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._spec = spec
        self._cache: dict[int, tuple[object, list[_Branch]]] = {}

    def _describe(self, branch: object) -> _Branch:
        node = branch
        for _ in range(16):
            ref = node.get("$ref") if isinstance(node, Mapping) else None
            if not (isinstance(ref, str) and ref.startswith("#/")):
                break
            node = _lookup(self._spec, ref)
        if not isinstance(node, Mapping):
            return (None, None, {})
        kind = node.get("type")
        types = (
            (kind,) if isinstance(kind, str) else tuple(kind) if isinstance(kind, list) else None
        )
        if types is not None and not set(types) <= _JSON_TYPES:
            types = None
        tags: dict[str, frozenset[object]] = {}
        properties = node.get("properties")
        for name, prop in properties.items() if isinstance(properties, Mapping) else ():
            if not isinstance(prop, Mapping):
                continue
            values = [prop["const"]] if "const" in prop else prop.get("enum")
            if isinstance(values, list) and values and all(_is_tag(v) for v in values):
                tags[name] = frozenset(values)
        own = [node["const"]] if "const" in node else node.get("enum")
        allowed = frozenset(own) if isinstance(own, list) and all(map(_is_tag, own)) else None
        return (types, allowed, tags)

    def _candidates(self, validator: Any, branches: list[Any], instance: object) -> list[int]:
        cached = self._cache.get(id(branches))
        if cached is None or cached[0] is not branches:
            cached = (branches, [self._describe(b) for b in branches])
            self._cache[id(branches)] = cached
        keep: list[int] = []
        for index, (types, allowed, tags) in enumerate(cached[1]):
            if types is not None and not any(validator.is_type(instance, t) for t in types):
                continue
            if allowed is not None and _is_tag(instance) and instance not in allowed:
                continue
            if tags and isinstance(instance, dict):
                value_misses = (
                    name in instance and _is_tag(instance[name]) and instance[name] not in values
                    for name, values in tags.items()
                )
                if any(value_misses):
                    continue
            keep.append(index)
        return keep or list(range(len(branches)))

    def any_of(
        self, validator: Any, branches: list[Any], instance: object, schema: object
    ) -> Iterable[ValidationError]:
        errors: list[ValidationError] = []
        for index in self._candidates(validator, branches, instance):
            found = list(validator.descend(instance, branches[index], schema_path=index))
            if not found:
                return
            errors.extend(found)
        yield ValidationError(
            f"{instance!r} is not valid under any of the given schemas", context=errors
        )

    def one_of(
        self, validator: Any, branches: list[Any], instance: object, schema: object
    ) -> Iterable[ValidationError]:
        errors: list[ValidationError] = []
        indices = iter(self._candidates(validator, branches, instance))
        for index in indices:
            found = list(validator.descend(instance, branches[index], schema_path=index))
            if not found:
                first_valid = index
                break
            errors.extend(found)
        else:
            yield ValidationError(
                f"{instance!r} is not valid under any of the given schemas", context=errors
            )
            return
        also = [i for i in indices if validator.evolve(schema=branches[i]).is_valid(instance)]
        if also:
            reprs = ", ".join(repr(branches[i]) for i in [*also, first_valid])
            yield ValidationError(f"{instance!r} is valid under each of {reprs}")


def _is_tag(value: object) -> bool:
    """Values a tag comparison can trust: no bools (True == 1) and nothing unhashable."""
    return isinstance(value, str | int) and not isinstance(value, bool)


@dataclass(frozen=True)
class _Template:
    template: str
    segments: tuple[str | None, ...]  # None for a {parameter}
    names: tuple[str | None, ...]

    @property
    def specificity(self) -> tuple[int, tuple[int, ...]]:
        """Sorts fewest parameters first, then literals before parameters, left to right."""
        flags = tuple(1 if s is None else 0 for s in self.segments)
        return (sum(flags), flags)

    def bind(self, parts: list[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for literal, name, part in zip(self.segments, self.names, parts, strict=True):
            if literal is None:
                if not part:
                    return None
                params[name or ""] = part
            elif literal != part:
                return None
        return params


def _split(path: str) -> list[str]:
    stripped = path.strip("/")
    return [unquote(p) for p in stripped.split("/")] if stripped else []


def _normalise_path(path: str) -> str:
    if "://" in path:
        path = urlsplit(path).path
    path = path.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        path = "/" + path
    for prefix in _API_PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            path = path[len(prefix) :] or "/"
            break
    return path


class DiscordContract:
    """Discord's REST contract, loaded once; validators are built lazily and cached."""

    def __init__(
        self,
        spec: dict[str, Any],
        *,
        source: Path | None = None,
        gaps: Iterable[SpecGap] = KNOWN_SPEC_GAPS,
        copy_spec: bool = True,
        fast_unions: bool = True,
    ) -> None:
        """Wrap a parsed OpenAPI document; ``gaps`` are applied to a copy of it (to ``spec``
        itself when ``copy_spec`` is false, for a document nobody else holds). ``fast_unions``
        skips anyOf/oneOf branches that cannot match (see :class:`_BranchFilter`); without it
        jsonschema's own keywords run, with the same verdicts, two to four times slower."""
        components = spec.get("components")
        if not isinstance(spec.get("paths"), dict) or not (
            isinstance(components, dict) and isinstance(components.get("schemas"), dict)
        ):
            raise SpecUnavailable("not an OpenAPI document with paths and components.schemas")
        if copy_spec:
            spec = copy.deepcopy(spec)
        _apply_gaps(spec, gaps)
        self.source = source
        self.spec: Final[dict[str, Any]] = spec
        self._registry: Registry[Any] = Registry().with_resource(
            _SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
        )
        self._templates: dict[int, list[_Template]] = {}
        for template in spec["paths"]:
            parts = template.strip("/").split("/") if template.strip("/") else []
            segments = tuple(None if p.startswith("{") and p.endswith("}") else p for p in parts)
            names = tuple(
                p[1:-1] if s is None else None for p, s in zip(parts, segments, strict=True)
            )
            self._templates.setdefault(len(parts), []).append(_Template(template, segments, names))
        for bucket in self._templates.values():
            bucket.sort(key=lambda t: t.specificity)
        self._validators: dict[tuple[str, str, str], Any] = {}
        self._schema_names: dict[int, str] | None = None
        self._path_params: dict[tuple[str, str], dict[str, str]] = {}
        self._branches = _BranchFilter(spec)
        self._validator_cls: Any = (
            extend(OAS31Validator, {"anyOf": self._branches.any_of, "oneOf": self._branches.one_of})
            if fast_unions
            else OAS31Validator
        )

    @classmethod
    def load(cls, path: Path | None = None) -> DiscordContract:
        """Load (once per path) the spec at ``path``, ``$WATCHCLUB_DISCORD_SPEC`` or the default."""
        resolved = Path(path if path is not None else default_spec_path()).expanduser().resolve()
        return _load_cached(resolved)

    # ---------------------------------------------------------------------------------- routes

    def _bind(self, path: str) -> tuple[str, dict[str, str]] | None:
        parts = _split(_normalise_path(path))
        for template in self._templates.get(len(parts), ()):  # most specific first
            params = template.bind(parts)
            if params is not None:
                return template.template, params
        return None

    def match_route(self, method: str, path: str) -> str | None:
        """The spec's template for ``path`` (``/channels/1/messages`` -> ``/channels/{channel_id}/
        messages``), or None. The most specific template wins (fewest parameters, literals such as
        ``@me`` or ``@original`` before parameters), whether or not it has ``method``: the ambiguous
        parameters are all snowflakes, which a literal can never be. ``method`` is accepted for
        symmetry with the checks, which report a missing operation as a route violation."""
        del method
        bound = self._bind(path)
        return bound[0] if bound else None

    def _operation(
        self, method: str, path: str
    ) -> tuple[str, dict[str, Any], dict[str, str], list[Violation]]:
        """Returns (template, operation, path params, route violations)."""
        bound = self._bind(path)
        upper = method.upper()
        if bound is None:
            msg = f"no route in the spec matches {upper} {_normalise_path(path)}"
            return "", {}, {}, [Violation(upper, path, "route", msg)]
        template, params = bound
        item = self.spec["paths"][template]
        operation = item.get(method.lower())
        if not isinstance(operation, dict):
            allowed = ", ".join(sorted(m.upper() for m in item if m in _HTTP_METHODS))
            msg = f"{upper} is not an operation of {template} (the spec has {allowed})"
            return template, {}, params, [Violation(upper, path, "route", msg)]
        checked = self._check_path_params(upper, path, template, operation, params)
        return template, operation, params, checked

    def _path_param_schemas(
        self, method: str, template: str, operation: Mapping[str, Any]
    ) -> dict[str, str]:
        """Parameter name -> JSON pointer of its schema, for the path parameters of an operation."""
        cached = self._path_params.get((template, method))
        if cached is not None:
            return cached
        base = f"#/paths/{_pointer_escape(template)}"
        declared: dict[str, str] = {}
        for owner, node in (
            (base, self.spec["paths"][template]),
            (f"{base}/{method.lower()}", operation),
        ):
            for i, param in enumerate(node.get("parameters", ())):
                pointer = self._ref_target(param, f"{owner}/parameters/{i}")
                param = _lookup(self.spec, pointer)
                if param.get("in") == "path" and "schema" in param:
                    declared[param["name"]] = f"{pointer}/schema"
        self._path_params[(template, method)] = declared
        return declared

    def _check_path_params(
        self,
        method: str,
        path: str,
        template: str,
        operation: Mapping[str, Any],
        params: Mapping[str, str],
    ) -> list[Violation]:
        declared = self._path_param_schemas(method, template, operation)
        found: list[Violation] = []
        for name, value in params.items():
            schema_at = declared.get(name)
            if schema_at is None:
                continue
            key = (template, method, f"path parameter {name}")
            validator = self._validator_for(key, {"$ref": schema_at})
            for error in validator.iter_errors(value):
                msg = f"path parameter {name}={value!r}: {_plain_message(error)}"
                found.append(Violation(method, path, "route", msg))
        return found

    # ------------------------------------------------------------------------------- checking

    def check_request(self, method: str, path: str, body: object | None) -> list[Violation]:
        """Check the route and the request body ``body`` (parsed JSON, form fields, or None)."""
        template, operation, _params, violations = self._operation(method, path)
        if not operation:
            return violations
        return violations + self._check_request_body(
            method.upper(), path, template, operation, body
        )

    def check_response(
        self, method: str, path: str, status: int, body: object | None
    ) -> list[Violation]:
        """Check the route and the response ``body`` (parsed JSON or None) sent with ``status``."""
        template, operation, _params, violations = self._operation(method, path)
        if not operation:
            return violations
        return violations + self._check_response_body(
            method.upper(), path, template, operation, status, body
        )

    def check_exchange(
        self,
        method: str,
        path: str,
        request_body: object | None,
        status: int,
        response_body: object | None,
    ) -> list[Violation]:
        """Both checks for one request/response pair; a route the spec lacks is one violation."""
        template, operation, _params, violations = self._operation(method, path)
        if not operation:
            return violations
        upper = method.upper()
        return (
            violations
            + self._check_request_body(upper, path, template, operation, request_body)
            + self._check_response_body(upper, path, template, operation, status, response_body)
        )

    def _check_request_body(
        self,
        method: str,
        path: str,
        template: str,
        operation: Mapping[str, Any],
        body: object | None,
    ) -> list[Violation]:
        where = "request body"
        request_body = self._deref(operation.get("requestBody"))
        form_payload = _form_payload(body)
        is_form = form_payload is not None
        if form_payload is not None:
            body, problem = _decode(form_payload, text_is_json=True)
            if problem:
                return [Violation(method, path, where, f"#: payload_json is not JSON ({problem})")]
        else:
            body, problem = _decode(body)
            if problem:
                return [Violation(method, path, where, f"#: the body is not JSON ({problem})")]
        if not request_body:
            if body is None or body == {}:
                return []
            msg = f"#: the spec declares no request body for {method} {template}"
            return [Violation(method, path, where, msg)]
        if body is None:
            if request_body.get("required"):
                return [Violation(method, path, where, "#: a request body is required")]
            return []
        content: Mapping[str, Any] = request_body.get("content", {})
        order = (*_FORM_TYPES, _JSON) if is_form else (_JSON, *_FORM_TYPES)
        media = next((m for m in order if m in content and "schema" in content[m]), None)
        if media is None:
            return []  # no JSON-shaped content declared: nothing to check against
        pointer = "/".join(("#/paths", _pointer_escape(template), method.lower(), "requestBody"))
        pointer = self._ref_target(operation.get("requestBody"), pointer)
        pointer += f"/content/{_pointer_escape(media)}/schema"
        validator = self._validator_for((template, method, f"request {media}"), {"$ref": pointer})
        return self._violations(method, path, where, validator, body)

    def _check_response_body(
        self,
        method: str,
        path: str,
        template: str,
        operation: Mapping[str, Any],
        status: int,
        body: object | None,
    ) -> list[Violation]:
        where = f"response {status}"
        body, problem = _decode(body)
        if problem:
            return [Violation(method, path, where, f"#: the body is not JSON ({problem})")]
        responses: Mapping[str, Any] = operation.get("responses", {})
        key = next(
            (
                k
                for k in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default")
                if k in responses
            ),
            None,
        )
        if status == 204 and body is not None:
            return [Violation(method, path, where, "#: a 204 response must have no body")]
        if key is None:
            if status >= 400:
                return self._check_bare_error(method, path, where, body)
            declared = ", ".join(responses) or "none"
            msg = f"status {status} is not declared for {method} {template} (declared: {declared})"
            return [Violation(method, path, where, msg)]
        base = "/".join(("#/paths", _pointer_escape(template), method.lower(), "responses", key))
        pointer = self._ref_target(responses[key], base)
        response = _lookup(self.spec, pointer)
        content: Mapping[str, Any] = response.get("content") or {}
        if not content:
            if body is None:
                return []
            return [Violation(method, path, where, "#: the spec declares no body for this status")]
        if _JSON not in content or "schema" not in content[_JSON]:
            return []  # e.g. image/png or text/csv: not JSON, not checked
        if body is None:
            return [Violation(method, path, where, "#: a JSON body is required for this status")]
        schema_pointer = f"{pointer}/content/{_pointer_escape(_JSON)}/schema"
        validator = self._validator_for(
            (template, method, f"response {key}"), {"$ref": schema_pointer}
        )
        return self._violations(method, path, where, validator, body)

    def _check_bare_error(
        self, method: str, path: str, where: str, body: object | None
    ) -> list[Violation]:
        if not isinstance(body, Mapping):
            return [Violation(method, path, where, "#: an error body must be a JSON object")]
        found: list[Violation] = []
        if not isinstance(body.get("code"), int) or isinstance(body.get("code"), bool):
            found.append(
                Violation(method, path, where, "#/code: an integer error code is required")
            )
        if not isinstance(body.get("message"), str):
            found.append(Violation(method, path, where, "#/message: a string message is required"))
        return found

    # -------------------------------------------------------------------------------- helpers

    def _deref(self, node: Any) -> Any:
        """Follow OpenAPI-level ``$ref`` (responses, parameters, request bodies) in the spec."""
        seen = 0
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 16:
            node = _lookup(self.spec, node["$ref"])
            seen += 1
        return node

    def _ref_target(self, node: Any, pointer: str) -> str:
        seen = 0
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 16:
            pointer = node["$ref"]
            node = _lookup(self.spec, pointer)
            seen += 1
        return pointer

    def _validator_for(self, key: tuple[str, str, str], schema: Mapping[str, Any]) -> Any:
        validator = self._validators.get(key)
        if validator is None:
            if "$ref" in schema and str(schema["$ref"]).startswith("#"):
                schema = {"$ref": _SPEC_URI + schema["$ref"]}
            validator = self._validator_cls(
                schema, registry=self._registry, format_checker=_FORMAT_CHECKER
            )
            self._validators[key] = validator
        return validator

    def _schema_pointer(self, schema: object) -> str | None:
        if self._schema_names is None:
            self._schema_names = _index_schemas(self.spec)
        return self._schema_names.get(id(schema))

    def _violations(
        self, method: str, path: str, where: str, validator: Any, body: object
    ) -> list[Violation]:
        found: list[Violation] = []
        seen: set[str] = set()
        for error in validator.iter_errors(body):
            for leaf in _leaves(error):
                message = self._describe(leaf)
                if message not in seen:
                    seen.add(message)
                    found.append(Violation(method, path, where, message))
            if len(found) >= _MAX_ERRORS_PER_BODY:
                return found[:_MAX_ERRORS_PER_BODY]
        return found

    def _describe(self, error: Any) -> str:
        text = f"{_instance_pointer(error)}: {_plain_message(error)}"
        schema_at = self._schema_pointer(error.schema)
        if schema_at:
            text += f" [schema {schema_at.removeprefix('#/components/schemas/')}]"
        return text


@functools.cache
def _load_cached(path: Path) -> DiscordContract:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise SpecUnavailable(f"Discord's OpenAPI spec is not at {path}") from exc
    except OSError as exc:
        raise SpecUnavailable(f"cannot read Discord's OpenAPI spec at {path}: {exc}") from exc
    try:
        spec = json.loads(raw)
    except ValueError as exc:
        raise SpecUnavailable(f"{path} is not JSON: {exc}") from exc
    if not isinstance(spec, dict):
        raise SpecUnavailable(f"{path} is not an OpenAPI document")
    return DiscordContract(spec, source=path, copy_spec=False)


# ------------------------------------------------------------------------------ error messages


def _form_payload(body: object) -> str | bytes | None:
    """The ``payload_json`` part of multipart form fields, if ``body`` is such fields."""
    if isinstance(body, Mapping):
        payload = body.get("payload_json")
        if isinstance(payload, str | bytes):
            return payload
    return None


def _decode(body: object, *, text_is_json: bool = False) -> tuple[object, str]:
    """Raw bytes (and, for form parts, text) become parsed JSON, empty meaning no body; anything
    else is taken as already parsed. Returns (body, problem); problem is "" when all is well."""
    if isinstance(body, bytes | bytearray) or (text_is_json and isinstance(body, str)):
        if not body:
            return None, ""
        try:
            return json.loads(body), ""
        except ValueError as exc:
            return None, str(exc)
    return body, ""


def _instance_pointer(error: Any) -> str:
    return "#" + "".join(f"/{_pointer_escape(str(p))}" for p in error.absolute_path)


def _plain_message(error: Any) -> str:
    if error.validator in _UNION_KEYWORDS and error.context:
        return _union_message(error)
    message = str(error.message)
    full = repr(error.instance)
    if len(full) > 48 and full in message:
        message = message.replace(full, _short.repr(error.instance), 1)
    return message


def _branch_label(schema: object) -> str:
    if isinstance(schema, Mapping):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return ref.rsplit("/", 1)[-1]
        kind = schema.get("type")
        if isinstance(kind, list):
            return "|".join(map(str, kind))
        if kind is not None:
            return str(kind)
        if "anyOf" in schema or "oneOf" in schema:
            return "/".join(_branch_label(s) for s in schema.get("anyOf", schema.get("oneOf", ())))
    return "schema"


def _union_message(error: Any) -> str:
    """A union none of whose branches fit: say what was wanted instead."""
    depth = len(error.absolute_path)
    tag_values: list[str] = []
    own_values: list[str] = []
    field: object = None
    got: object = None
    for sub in error.context:
        if sub.validator not in ("const", "enum"):
            continue
        expected = sub.validator_value if sub.validator == "enum" else [sub.validator_value]
        if len(sub.absolute_path) == depth + 1:
            field, got = sub.absolute_path[-1], sub.instance
            tag_values.extend(repr(v) for v in expected if repr(v) not in tag_values)
        elif len(sub.absolute_path) == depth:
            own_values.extend(repr(v) for v in expected if repr(v) not in own_values)
    if tag_values:
        return f"{field}={_short.repr(got)} is none of the allowed kinds ({_listing(tag_values)})"
    if own_values:
        return (
            f"{_short.repr(error.instance)} is none of the allowed values ({_listing(own_values)})"
        )
    labels = " | ".join(_branch_label(s) for s in error.validator_value)
    return f"{_short.repr(error.instance)} is none of: {labels}"


def _listing(values: list[str], limit: int = 12) -> str:
    shown = ", ".join(values[:limit])
    return shown if len(values) <= limit else f"{shown}, ... {len(values) - limit} more"


def _is_discriminator_miss(sub: Any, parent: Any) -> bool:
    """A branch error that only says 'this is a different kind of thing': a wrong tag property
    (``type`` const/enum one level down), a wrong value of an enum-like union, a wrong JSON type."""
    depth = len(parent.absolute_path)
    if sub.validator in ("const", "enum") and len(sub.absolute_path) in (depth, depth + 1):
        return True
    return sub.validator == "type" and len(sub.absolute_path) == depth


def _leaves(error: Any) -> list[Any]:
    """Descend through anyOf/oneOf failures to the errors of the branch that was meant.

    Branches failing only on a discriminator (``type`` const/enum, or the wrong JSON type) are
    dropped; of the rest the one with the fewest errors is taken. If none is left the union
    error itself is reported (its message lists what was wanted).
    """
    if error.validator not in _UNION_KEYWORDS or not error.context:
        return [error]
    branches: dict[object, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    meant = [
        errs
        for errs in branches.values()
        if not any(_is_discriminator_miss(e, error) for e in errs)
    ]
    if not meant:
        return [error]
    closest = min(meant, key=len)
    return [leaf for sub in closest for leaf in _leaves(sub)]
