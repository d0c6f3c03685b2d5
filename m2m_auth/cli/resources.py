"""``m2m resource create|list``: the APIs tokens are issued for, and their scopes."""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import OutputWrapper

from .. import rbac
from ..exceptions import InvalidInput
from ..models import ApiResource
from .output import iso, write_json
from .verbs import ACTOR, add_create, add_list, add_scopes, noun, scope_names


def register(nouns) -> None:
    verbs = noun(nouns, "resource", "API resources and their scopes")
    parser = add_create(verbs, create, "create an API resource (IDENTIFIER: the audience)", "IDENTIFIER")
    parser.add_argument("--name", required=True)
    add_scopes(parser)
    # A string, so that a bad value is an error of meaning (one line), not of syntax.
    parser.add_argument("--token-ttl", default="900", metavar="SECONDS")
    add_list(verbs, rows, ["identifier", "name", "token_ttl", "scopes", "created_at"], "list API resources")


def token_ttl(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,10}", text):
        raise InvalidInput(f"Invalid --token-ttl {text!r}: a whole number of seconds, 1 to {rbac.MAX_TOKEN_TTL}.")
    return int(text)


def create(options: dict, out: OutputWrapper) -> None:
    identifier, name, ttl = options["identifier"], options["name"], token_ttl(options["token_ttl"])
    resource = rbac.create_resource(identifier, name, options["scopes"], ttl, actor=ACTOR)
    row = _row(ApiResource.objects.prefetch_related("permissions").get(pk=resource.pk))
    if options["json"]:
        write_json(out, row)
    else:
        scopes = ", ".join(row["scopes"]) or "none"
        out.write(f"Created resource {resource.name!r} ({resource.identifier}), scopes: {scopes}.")


def rows() -> list[dict[str, Any]]:
    return [_row(resource) for resource in ApiResource.objects.prefetch_related("permissions")]


def _row(resource: ApiResource) -> dict[str, Any]:
    return {"identifier": resource.identifier, "name": resource.name, "token_ttl": resource.token_ttl,
            "scopes": scope_names(resource.permissions), "created_at": iso(resource.created_at)}
