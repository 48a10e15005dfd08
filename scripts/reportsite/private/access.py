"""Who may read which report: ``access`` in reports, ``audiences`` in site.yaml, passwords from the environment.

Everything is checked before any query runs; each mistake is located at the key that can fix it.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping

from reportsite.config import delivery_rules
from reportsite.config.project import SITE_FILE, Project
from reportsite.config.yamlsrc import load_file
from reportsite.errors import ConfigError, Problem, did_you_mean
from reportsite.private.crypto import AudienceKey, Lock, audience_key

MIN_PASSWORD = 16
MIN_DISTINCT = 6  # "aaaaaaaaaaaaaaaa" is 16 characters and no password
HINT = "`reportsite password new` prints a strong one"


def problems(project: Project, environ: Mapping[str, str] | None = None) -> list[Problem]:
    """Unknown audiences in access, missing or short passwords of the audiences reports use, and digests or
    alerts that would send anything where it may not go."""
    environ = os.environ if environ is None else environ
    site = project.site
    found: list[Problem] = []
    used: set[str] = set()
    for report in project.reports:
        config = report.config
        for index, name in enumerate(config.access):
            if name in site.audiences:
                used.add(name)
                continue
            known = ", ".join(sorted(site.audiences)) or "none"
            found.append(
                report.problem(
                    ("access", index),
                    f"unknown audience '{name}'{did_you_mean(name, site.audiences)}; "
                    f"{SITE_FILE.as_posix()} defines: {known}",
                )
            )
        if config.hide_title and not config.access:
            found.append(
                report.problem(
                    ("hide_title",),
                    "hide_title hides the title of a private report; add access: [audience] or remove hide_title",
                )
            )
    for name in sorted(used):
        variable = site.audiences[name].password_env
        password = environ.get(variable)
        if password is None or not password:
            message = (
                f"the environment variable {variable} is not set; set it to the password of audience "
                f"'{name}' (at least {MIN_PASSWORD} characters; {HINT})"
            )
        elif len(password) < MIN_PASSWORD:
            message = (
                f"{variable} holds a password of {len(password)} characters; audience '{name}' needs at "
                f"least {MIN_PASSWORD} ({HINT})"
            )
        elif len(set(password)) < MIN_DISTINCT:
            message = (
                f"{variable} holds a password of only {len(set(password))} different characters; audience "
                f"'{name}' needs at least {MIN_DISTINCT} ({HINT})"
            )
        else:
            continue
        found.append(_site_problem(project, ("audiences", name, "password_env"), message))
    if used:
        found.extend(_insecure_address(project, environ))
    return [*found, *delivery_rules.problems(project)]  # what digests and alerts may send where


def secure_address(url: str) -> bool:
    """HTTPS, or a loopback address (a preview on this machine): where browsers give pages WebCrypto."""
    parsed = urllib.parse.urlsplit(url.strip())
    if parsed.scheme == "https":
        return True
    host = (parsed.hostname or "").lower()
    return parsed.scheme == "http" and (host in ("localhost", "::1") or host.startswith("127."))


def _insecure_address(project: Project, environ: Mapping[str, str]) -> list[Problem]:
    """Private reports open only where the browser offers WebCrypto: a site URL that is plain HTTP (an S3
    website endpoint) would publish pages nobody can open."""
    why = ("private reports open only over HTTPS (browsers give WebCrypto, which unlocks them, to secure pages "
           "only); publish behind HTTPS (CloudFront, see README → Publishing to S3)")
    found = []
    if environ.get("SITE_URL") and not secure_address(environ["SITE_URL"]):
        found.append(Problem(f"SITE_URL is {environ['SITE_URL']}: {why}"))
    if project.site.base_url and not secure_address(project.site.base_url):
        found.append(_site_problem(project, ("base_url",), f"'{project.site.base_url}' is not HTTPS: {why}"))
    return found


def _site_problem(project: Project, key: tuple[str | int, ...], message: str) -> Problem:
    path = project.root / SITE_FILE
    if not path.exists():
        return Problem(message, SITE_FILE.as_posix())
    return load_file(path, SITE_FILE.as_posix()).problem(key, message)


def locks(project: Project, environ: Mapping[str, str] | None = None) -> dict[str, Lock]:
    """Each private report's Lock (its content key, wrapped for its audiences); raises ConfigError first when
    anything is wrong. Each audience's key is derived once (PBKDF2 is slow on purpose)."""
    environ = os.environ if environ is None else environ
    found = problems(project, environ)
    if found:
        raise ConfigError(found)
    keys: dict[str, AudienceKey] = {}
    out = {}
    site = project.site.base_url or project.site.title  # salts differ from site to site
    for report in project.reports:
        names = list(dict.fromkeys(report.config.access))
        if not names:
            continue
        for name in names:
            if name not in keys:
                keys[name] = audience_key(name, environ[project.site.audiences[name].password_env], site)
        out[report.slug] = Lock.of(report.slug, [keys[n] for n in names])
    return out


__all__ = ["MIN_DISTINCT", "MIN_PASSWORD", "locks", "problems", "secure_address"]
