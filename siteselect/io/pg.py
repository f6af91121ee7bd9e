"""PostgreSQL connections for PostGIS sources and exports, with no password ever in text.

A connection is named the way libpq names it, so GIS staff reuse what they
already have:

* nothing (``None`` / empty): libpq's environment variables ``PGHOST``,
  ``PGPORT``, ``PGDATABASE``, ``PGUSER``, ``PGSERVICE`` …;
* a service name (``gis``, or ``service=gis``) from ``pg_service.conf``;
* libpq keywords (``host=db port=5432 dbname=gis user=anna``) or a URI
  (``postgresql://anna@db/gis``) **without** a password;
* ``env:NAME``: the keywords or URI held in environment variable ``NAME``
  (which may hold a password, since it is not written in any file).

A password written in a catalog, a scenario or on a command line is refused:
it belongs in ``~/.pgpass`` (``PGPASSFILE``), the service file or
``PGPASSWORD``. Every label and message is built from the parameters with the
password left out, and any password libpq knows is scrubbed from error text.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from siteselect.errors import SiteSelectError

__all__ = ["connect", "describe", "parse_connection", "scrub"]

_PASSWORD_FIX = ("put the password in ~/.pgpass (or the file PGPASSFILE names), in the service's "
                 "entry of pg_service.conf, or in the PGPASSWORD environment variable, or give the "
                 "whole connection as `env:NAME` (an environment variable holding it)")
#: Keys shown in labels, in this order.
_SHOWN = ("service", "host", "hostaddr", "port", "dbname", "user")


def parse_connection(text: str | None, *, where: str, error: type[SiteSelectError],
                     allow_password: bool = False) -> dict[str, str]:
    """libpq connection keywords from a connection value (see the module docstring).

    Parameters
    ----------
    text
        The value as written (``None`` for the PG* environment variables).
    where
        What the value is, for messages (``"catalog c.yaml: roles.roads.connection"``).
    error
        The error class to raise.
    allow_password
        Accept a password (only for values read from the environment).

    Raises
    ------
    SiteSelectError
        (``error``) A password written in the value, an unset ``env:`` variable,
        or text libpq cannot parse. The message never contains the password.
    """
    import psycopg.conninfo

    raw = "" if text is None else str(text).strip()
    if raw.startswith("env:"):
        name = raw[4:].strip()
        value = os.environ.get(name, "") if name else ""
        if not value.strip():
            raise error(f"{where}: environment variable '{name}' is not set or empty; export it "
                        "with the connection keywords or URI, or name a service instead.")
        return parse_connection(value, where=f"{where} (from ${name})", error=error,
                                allow_password=True)
    if not raw:
        return {}
    if "=" not in raw and "://" not in raw:
        if allow_password:  # an environment value is never echoed: it may be any secret
            raise error(f"{where}: holds no libpq keywords or URI; set it to e.g. "
                        "`host=db dbname=gis user=anna password=…` or postgresql://anna:…@db/gis.")
        return {"service": raw}
    try:
        params = {k: str(v) for k, v in psycopg.conninfo.conninfo_to_dict(raw).items()}
    except Exception as exc:  # psycopg.ProgrammingError with libpq's text
        detail = "" if allow_password else f" ({scrub(str(exc), {})})"
        raise error(f"{where}: not a libpq connection string or URI{detail}; write "
                    "e.g. `service=gis` or `host=localhost dbname=gis user=anna`.") from None
    if params.get("password") and not allow_password:
        raise error(f"{where}: holds a password; a password is never written in a catalog, "
                    f"scenario or command line: remove it and {_PASSWORD_FIX}.")
    return params


def describe(params: Mapping[str, str]) -> str:
    """A label for a connection without its password (``host=db port=5432 dbname=gis``)."""
    shown = [f"{k}={params[k]}" for k in _SHOWN if params.get(k)]
    if not shown:
        env = [f"{k}={os.environ[v]}" for k, v in (("service", "PGSERVICE"), ("host", "PGHOST"),
                                                   ("port", "PGPORT"), ("dbname", "PGDATABASE"))
               if os.environ.get(v)]
        return "PostgreSQL from PG* environment" + (f" ({' '.join(env)})" if env else "")
    return "PostgreSQL " + " ".join(shown)


def scrub(text: str, params: Mapping[str, str]) -> str:
    """``text`` with every password this process knows replaced by ``***``."""
    secrets = {params.get("password") or "", os.environ.get("PGPASSWORD") or ""}
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


@contextmanager
def connect(params: Mapping[str, str], *, what: str, error: type[SiteSelectError],
            autocommit: bool = True) -> Iterator[Any]:
    """Open a psycopg connection, turning a refusal into ``error`` naming ``what`` and the fix.

    Parameters
    ----------
    params
        From :func:`parse_connection`.
    what
        The source or target, for messages.
    error
        The error class to raise.
    autocommit
        ``False`` for a connection whose work is one transaction.
    """
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency of the postgis extra
        raise error(f"{what}: PostGIS needs the psycopg package; install it with "
                    "`pip install 'psycopg[binary]'`.") from exc
    kwargs: dict[str, Any] = {"connect_timeout": 15, **params}
    try:
        con = psycopg.connect(autocommit=autocommit, **kwargs)
    except psycopg.Error as exc:
        text = scrub(str(exc).strip(), params) or type(exc).__name__
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        raise error(f"{what}: cannot connect to {describe(params)}: {' '.join(lines[:2])}. Fix: check "
                    "that the server runs and accepts connections there, that the service or the "
                    "PGHOST / PGPORT / PGDATABASE / PGUSER variables name it, and that the user's "
                    f"password (if one is needed) is in ~/.pgpass or PGPASSWORD.") from None
    try:
        yield con
    finally:
        con.close()
