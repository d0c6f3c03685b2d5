"""Errors raised by m2m_auth's flows (issuing, revoking, RBAC, ``apply``).

The whole tree::

    M2MAuthError            any refused operation; str(error) is one line for people
    ├── InvalidInput        malformed value: scope syntax, duration, file, kind
    ├── NotFound            unknown scope, role, user, resource or credential
    ├── Conflict            a name or identifier already in use
    └── NotPermitted        a rule forbids it: a PAT scope its user does not hold,
                            a role of the wrong kind, a lifetime over the maximum

Flows raise these before writing anything, inside a transaction, so a refused
operation changes nothing. The command line prints the message and exits 1;
the admin shows it as a form error. Authentication failures on the request
path are DRF exceptions instead (see ``authentication.py``).
"""


class M2MAuthError(Exception):
    pass


class InvalidInput(M2MAuthError):
    pass


class NotFound(M2MAuthError):
    pass


class Conflict(M2MAuthError):
    pass


class NotPermitted(M2MAuthError):
    pass
