"""Cheaper MIME building for notification emails, with the standard library's output.

Every backend turns a Django email into bytes with ``message().as_bytes()``
(Python's ``email`` package, ``email.policy.default`` or ``SMTP``). Profiled on
notification chunks, that was about two thirds of a delivery's time: for every
message the package parses and refolds each header from scratch, builds a new
header *class* per header (``HeaderRegistry.__getitem__`` calls ``type()``) and
compiles a regular expression for a fresh multipart boundary. A chunk of 100
emails from one city repeats most of those headers verbatim (From, Reply-To,
List-Unsubscribe-Post, Auto-Submitted, Content-Language, the parts'
Content-Type and Content-Transfer-Encoding, MIME-Version).

``NotificationEmail.message()`` builds the same message through the same
policy, with three changes that do not alter the bytes produced, and one
that fixes them (``VERBATIM``: the List-Unsubscribe URL stays a URL):

* header classes are created once per header name (per policy);
* a header value already parsed (same name, same text) reuses the parsed,
  immutable header object, and its folded bytes are reused for the same
  policy; values that differ per message (To, Subject, Message-ID, Date,
  List-Unsubscribe) are parsed as before. The caches are bounded;
* the multipart boundary is a random token per process instead of per
  message, used only when neither part contains it (checked on the encoded
  payloads, as the generator would); otherwise the generator picks one.

Header validation is kept: a new value still goes through the policy's
parser (which refuses CR/LF) except a ``VERBATIM`` one, written as is only
when it is printable ASCII (so no CR/LF either), and the generator still
verifies every folded header. Message-ID stays unique per message (Django's ``make_msgid``).
"""

from __future__ import annotations

import email.policy
import secrets
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy
from typing import Any

from django.core.mail import EmailMultiAlternatives

#: Parsed header objects / folded bytes kept per policy; cleared when full.
CACHE_SIZE = 4096


class _HeaderClasses(HeaderRegistry):
    """A copy of a policy's header registry that creates each header class once
    per name and holds the caches of the policy using it (clones of a policy
    share its registry, and parsing depends on nothing else)."""

    def __init__(self, source: HeaderRegistry) -> None:
        super().__init__(source.base_class, source.default_class, use_default_map=False)
        self.registry = dict(source.registry)
        self._classes: dict[str, type] = {}
        #: (lower-case name, value text) -> parsed header object
        self.parsed: dict[tuple[str, str], Any] = {}
        #: (name, id(header), folding settings) -> (header, folded bytes)
        self.folded: dict[tuple, tuple[Any, bytes]] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls


#: Headers holding URLs (RFC 2369). The standard library folds a token longer
#: than 78 characters into RFC 2047 encoded words
#: (``=?utf-8?q?=3Chttp=3A//...?=``), which mail providers do not decode in
#: these headers: the one-click unsubscribe link would not work. An ASCII
#: value is written on one line instead (RFC 5322 allows up to 998).
VERBATIM = frozenset({"list-unsubscribe", "list-unsubscribe-post"})


def _fits_verbatim(name: str, value: str) -> bool:
    """ASCII, printable (so no CR/LF: injection is still refused), no
    encoded-word look-alike, within the line limit."""
    text = str(value)
    return (
        text.isascii()
        and text.isprintable()
        and "=?" not in text
        and len(name) + 2 + len(text) <= 998
    )


def _remember(cache: dict, key: Any, value: Any) -> None:
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[key] = value


class _CachingPolicy(EmailPolicy):
    """An ``EmailPolicy`` that reuses parsed headers and their folded bytes.

    Header objects are immutable (``str`` subclasses whose folding only reads
    the parse tree), which is why the standard library itself refolds the same
    objects on every ``as_bytes()``; sharing them between messages is safe.
    Folded bytes are keyed by every setting that shapes them, so a clone with
    another line separator or length never reads another's bytes.
    """

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        factory = self.header_factory
        if not isinstance(factory, _HeaderClasses) or type(value) is not str:
            return super().header_store_parse(name, value)
        if name.lower() in VERBATIM and _fits_verbatim(name, value):
            # Written as is by fold_binary; parsed only if someone reads it.
            return name, value
        key = (name.lower(), value)
        header = factory.parsed.get(key)
        if header is None:
            name, header = super().header_store_parse(name, value)  # refuses CR/LF
            _remember(factory.parsed, key, header)
        return name, header

    def fold_binary(self, name: str, value: Any) -> bytes:
        factory = self.header_factory
        if not isinstance(factory, _HeaderClasses):
            return super().fold_binary(name, value)
        if name.lower() in VERBATIM and _fits_verbatim(name, value):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        if not hasattr(value, "name"):
            return super().fold_binary(name, value)
        key = (
            name,
            id(value),
            self.linesep,
            self.max_line_length,
            self.utf8,
            self.cte_type,
        )
        hit = factory.folded.get(key)
        if hit is not None and hit[0] is value:
            return hit[1]
        result = super().fold_binary(name, value)
        # Holding `value` keeps its id from being reused by another object.
        _remember(factory.folded, key, (value, result))
        return result


#: Caching twins of the standard policies, by the id of the original (held).
_TWINS: dict[int, tuple[EmailPolicy, _CachingPolicy]] = {}


def caching_policy(policy: Any) -> Any:
    """The caching twin of a standard ``EmailPolicy`` (``default``, ``SMTP``...);
    any other policy (a subclass, a custom header factory) is returned as is."""
    known = _TWINS.get(id(policy))
    if known is not None and known[0] is policy:
        return known[1]
    if type(policy) is not EmailPolicy or type(policy.header_factory) is not HeaderRegistry:
        return policy
    if len(_TWINS) >= 32:  # policies built per call: do not hoard them
        _TWINS.clear()
    twin = _CachingPolicy.__new__(_CachingPolicy)
    for attr, value in policy.__dict__.items():
        object.__setattr__(twin, attr, value)
    object.__setattr__(twin, "header_factory", _HeaderClasses(policy.header_factory))
    _TWINS[id(policy)] = (policy, twin)
    return twin


#: Same shape as the generator's boundaries; random per process, so another
#: process's emails do not reveal it, and checked against every message's parts.
_BOUNDARY = f"==============={secrets.randbelow(10**19):019d}=="


def _set_boundary(msg: EmailMessage) -> None:
    if msg.get_content_type() != "multipart/alternative" or msg.get_boundary() is not None:
        return
    marker = f"--{_BOUNDARY}"
    for part in msg.iter_parts():
        payload = part.get_payload()
        if not isinstance(payload, str) or marker in payload:
            return  # the generator makes a fresh boundary for this one
    msg.replace_header("Content-Type", f'multipart/alternative; boundary="{_BOUNDARY}"')


class NotificationEmail(EmailMultiAlternatives):
    """``EmailMultiAlternatives`` whose MIME building reuses what messages share."""

    def message(self, *, policy: Any = email.policy.default) -> Any:
        msg = super().message(policy=caching_policy(policy))
        _set_boundary(msg)
        return msg
