"""Verify LinkGateway's X-Bot-* headers at a Python origin (standard library only, Python 3.7+).

Copy this file next to your application. Create the verifier once with the gateway's LinkGateway:Signing:Key
(base64 of at least 32 bytes; anything else, hex above all, raises KeyRefused), then check each request against
its RAW request target, never the decoded path (Flask/Werkzeug: request.environ["RAW_URI"] or
environ["REQUEST_URI"] under gunicorn and uWSGI; Django: request.get_full_path() decodes, use the same
environ keys):

    verifier = BotHeaderVerifier(os.environ["LINKGATEWAY_SIGNING_KEY"])
    verdict = verifier.verify(request.headers, request.method, raw_target)
    if verdict.verified and verdict.verdict == "bot": ...

`headers` is any mapping with .get(name) that matches names case-insensitively (Flask's, Django's
request.headers). The rules, and the vectors every verifier is checked against:
docs/reference/header-contract.md#verifiers, src/verifiers/test-vectors.json.
"""

import base64
import hashlib
import hmac
import re
import time
from typing import Any, NamedTuple, Optional, Tuple

MAX_AGE_SECONDS = 300
MAX_AHEAD_SECONDS = 60
MINIMUM_KEY_BYTES = 32

_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_HEX = re.compile(r"[0-9A-Fa-f]+")
_SCORE = re.compile(r"0|[1-9][0-9]{0,2}")
_TIMESTAMP = re.compile(r"0|[1-9][0-9]{0,11}")


class KeyRefused(ValueError):
    """The key is not base64 of at least 32 bytes."""


class Verdict(NamedTuple):
    verified: bool
    score: Optional[int] = None
    verdict: Optional[str] = None
    reasons: Tuple[str, ...] = ()
    degraded: bool = False
    failure: Optional[str] = None  # unsigned, incomplete, malformed, expired, future or mismatch


def parse_key(text: Optional[str]) -> bytes:
    """The key's bytes: base64 (padded, standard alphabet, surrounding whitespace ignored) of at least 32 bytes."""
    trimmed = (text or "").strip()
    if not trimmed:
        raise KeyRefused("missing")
    if _HEX.fullmatch(trimmed):
        raise KeyRefused("hex digits, not base64: give the same bytes as base64")
    if len(trimmed) % 4 != 0 or not _BASE64.fullmatch(trimmed):
        raise KeyRefused("not base64")
    key = base64.b64decode(trimmed, validate=True)
    if len(key) < MINIMUM_KEY_BYTES:
        raise KeyRefused("too short: %d bytes, needs at least %d" % (len(key), MINIMUM_KEY_BYTES))
    return key


class BotHeaderVerifier:
    def __init__(self, key_text: str):
        self._key = parse_key(key_text)

    def verify(self, headers: Any, method: str, raw_target: str, now: Optional[int] = None) -> Verdict:
        signature = headers.get("X-Bot-Signature")
        score = headers.get("X-Bot-Score")
        verdict = headers.get("X-Bot-Verdict")
        timestamp = headers.get("X-Bot-Timestamp")
        required = (signature, score, verdict, timestamp)
        if all(value is None for value in required):
            return Verdict(False, failure="unsigned")
        if any(value is None for value in required):
            return Verdict(False, failure="incomplete")
        # Only the spelling the gateway writes ("094" or "+94" would parse as 94).
        if not _SCORE.fullmatch(score) or not _TIMESTAMP.fullmatch(timestamp):
            return Verdict(False, failure="malformed")
        age = (int(time.time()) if now is None else now) - int(timestamp)
        if age > MAX_AGE_SECONDS:
            return Verdict(False, failure="expired")
        if age < -MAX_AHEAD_SECONDS:
            return Verdict(False, failure="future")
        reasons = headers.get("X-Bot-Reasons") or ""
        degraded = headers.get("X-Bot-Degraded") or ""
        canonical = "\n".join(["v1", score, verdict, reasons, degraded, method.upper(), raw_target, timestamp])
        mac = hmac.new(self._key, canonical.encode("utf-8"), hashlib.sha256).digest()
        expected = "v1=" + base64.b64encode(mac).decode("ascii")
        if not hmac.compare_digest(expected.encode("utf-8"), signature.encode("utf-8")):
            return Verdict(False, failure="mismatch")
        return Verdict(True, int(score), verdict, tuple(reasons.split(",")) if reasons else (), degraded != "")
