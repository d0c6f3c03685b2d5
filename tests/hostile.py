"""Hypothesis strategies for hostile input: what a client can put on the wire.

Header values are bytes as a WSGI server hands them to Django (decoded as
latin-1); form values are any text; secrets, client ids and JWTs are either
arbitrary or near misses of real ones (one character changed, a NUL added,
cut short, padded), which is where bugs hide.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote_plus

from hypothesis import strategies as st

from m2m_auth import crypto

BASE62 = crypto.ALPHABET
header_values = st.binary(max_size=300).map(lambda raw: raw.decode("latin-1"))
texts = st.text(max_size=300)
odd_characters = st.sampled_from(["\x00", "\n", "\r", " ", "%", "+", ":", "_", "é", "ÿ", "\u2028", "😀"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)


def near_misses(valid: str) -> st.SearchStrategy[str]:
    """A real value with one character replaced, inserted or removed, cut short or padded."""
    position = st.integers(0, max(len(valid) - 1, 0))
    character = odd_characters | st.characters()
    return st.one_of(
        st.just(valid),
        st.builds(lambda i, c: valid[:i] + c + valid[i + 1 :], position, character),
        st.builds(lambda i, c: valid[:i] + c + valid[i:], position, character),
        st.builds(lambda i: valid[:i], position),
        st.builds(lambda tail: valid + tail, texts),
        st.builds(lambda n: valid * n, st.integers(2, 40)),
    )


def forged_secrets(prefix: str) -> st.SearchStrategy[str]:
    """Checksum-valid secrets of a kind that no one issued: they reach the database lookup."""
    body = st.text(BASE62, min_size=crypto.PUBLIC_ID_LENGTH, max_size=crypto.PUBLIC_ID_LENGTH)
    secret = st.text(BASE62, min_size=crypto.RANDOM_LENGTH, max_size=crypto.RANDOM_LENGTH)
    return st.builds(lambda public_id, rest: _with_checksum(f"{prefix}{public_id}_{rest}"), body, secret)


def _with_checksum(head: str) -> str:
    return head + crypto.checksum(head)


def secrets_of(valid: str, prefix: str) -> st.SearchStrategy[str]:
    return st.one_of(near_misses(valid), forged_secrets(prefix), texts, header_values)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _compact(header: bytes, claims: bytes, signature: bytes) -> str:
    return ".".join(map(b64url, (header, claims, signature)))


def _json(value) -> bytes:
    return json.dumps(value).encode()


nested = st.integers(100, 3000).map(lambda depth: ("[" * depth + "]" * depth).encode())
jose_headers = st.one_of(
    st.fixed_dictionaries(
        {"typ": st.sampled_from(["at+jwt", "JWT"]) | json_values,
         "alg": st.sampled_from(["RS256", "ES256", "EdDSA", "none", "HS256"]) | json_values,
         "kid": texts | json_values},
        optional={"crit": json_values, "jku": texts, "x5c": json_values},
    ).map(_json),
    json_values.map(_json),
    nested,
    st.binary(max_size=200),
)
jwt_like = st.one_of(
    st.builds(_compact, jose_headers, json_values.map(_json) | nested, st.binary(max_size=300)),
    st.builds(lambda parts: ".".join(parts), st.lists(st.text("eyJ" + BASE62 + "-_.=", max_size=200), max_size=5)),
)


def client_ids(real: str, secret: str) -> st.SearchStrategy[str]:
    """Claimed client ids: the real one, its near misses, the secret itself (a swap), anything."""
    return st.one_of(near_misses(real), st.just(secret), st.text(BASE62, min_size=24, max_size=24), texts)


def basic_authorization(client_id: st.SearchStrategy[str], secret: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    encoded = st.builds(lambda c, s: f"{quote_plus(c)}:{quote_plus(s)}".encode("utf-8", "surrogatepass"),
                        client_id, secret)
    return st.one_of(
        st.builds(lambda raw: "Basic " + base64.b64encode(raw).decode(), encoded | st.binary(max_size=200)),
        st.builds(lambda scheme, value: f"{scheme} {value}",
                  st.sampled_from(["Basic", "basic", "Bearer", "Digest", ""]), header_values),
    )


scope_values = st.lists(st.sampled_from(["orders:read", "orders:write", "m2m:introspect"]) | texts, max_size=4).map(
    " ".join
)
query_strings = header_values | st.text("%=&+;aZ09\x00é", max_size=40)
