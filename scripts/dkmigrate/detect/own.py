"""dk migrate's own configuration, read as `migrate` reads it: every environment's migrations directory."""

import re

import yaml

from ..config import DEFAULT_DIR

_SCHEME = re.compile(r"^([a-z0-9]+)(?:\+\w+)?:", re.IGNORECASE)


def environment_directories(text: str) -> list[tuple[str, str | None, str, str | None]]:
    """(migrations directory, URL scheme or None, evidence, environment) for each directory migrate.yaml names;
    the environment is the first that uses the directory, named when the directories differ by environment."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    if not isinstance(document, dict):
        return []
    top = document.get("dir") if isinstance(document.get("dir"), str) else DEFAULT_DIR
    found: dict[str, tuple[str | None, str, str | None]] = {}
    environments = document.get("environments") if isinstance(document.get("environments"), dict) else {}
    for name, environment in environments.items():
        if not isinstance(environment, dict):
            continue
        directory = environment["dir"] if isinstance(environment.get("dir"), str) else top
        url = environment.get("url") if isinstance(environment.get("url"), str) else ""
        scheme = _SCHEME.match(url)
        if directory not in found:
            found[directory] = (scheme.group(1) if scheme else None, f"environment {name}: dir {directory}", name)
    if not found:
        found[top] = (None, f"dir {top}", None)
    several = len(found) > 1
    return [(directory, scheme, evidence, name if several else None)
            for directory, (scheme, evidence, name) in found.items()]
