"""Configuration files read by their format's own parser, chosen by the file's name: INI (alembic.ini,
sqitch.conf), Java properties (flyway.conf, liquibase.properties, application.properties), TOML, JSON, YAML,
XML (pom.xml, *.csproj) and .env files. A file whose format is code (JavaScript, TypeScript, Python, C#,
Gradle) or a line list (requirements.txt, go.mod) is not parsed here: the tool table reads those with a
pattern."""

from __future__ import annotations

import configparser
import json
import re
import tomllib
import xml.etree.ElementTree as ElementTree

import yaml

UNPARSED = object()  # a format this module does not parse (code): the caller reads it with a pattern


def parse(name: str, text: str):
    """The file's content as dicts and lists (XML: element and attribute texts by local name); None when the
    file does not parse in its format; UNPARSED for a format that is code."""
    reader = _reader(name.lower())
    if reader is None:
        return UNPARSED
    try:
        return reader(text)
    except (ValueError, configparser.Error, yaml.YAMLError, ElementTree.ParseError, RecursionError):
        return None


def _reader(name: str):
    if name in ("flyway.conf", "liquibase.properties") or name.endswith(".properties"):
        return java_properties
    if name.endswith((".ini", ".cfg")) or name == "sqitch.conf":
        return _ini
    if name.endswith(".toml"):
        return tomllib.loads
    if name.endswith(".json"):
        return json.loads
    if name.endswith((".yml", ".yaml")):
        return _yaml
    if name.endswith((".xml", ".csproj")):
        return _xml
    if name == ".env" or name.startswith(".env."):
        return dotenv
    return None


def _ini(text: str) -> dict:
    """INI, and git-config style files (sqitch.conf) whose keys are indented with a tab: an indented key is a key,
    not the continuation of the line before."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # keys keep their case
    parser.read_string("\n".join(line.strip() for line in text.splitlines()))
    return {section: dict(parser[section]) for section in parser.sections()}


def _yaml(text: str) -> list:
    """Every document of the file (Spring's application.yml keeps one per profile)."""
    return [document for document in yaml.safe_load_all(text) if document is not None]


def _xml(text: str) -> dict[str, list[str]]:
    """Each element's text under its local name, and each attribute's value as `element@attribute`."""
    found: dict[str, list[str]] = {}
    for element in ElementTree.fromstring(text).iter():
        tag = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""
        if element.text and element.text.strip():
            found.setdefault(tag, []).append(element.text.strip())
        for attribute, value in element.attrib.items():
            found.setdefault(f"{tag}@{attribute.rpartition('}')[2]}", []).append(value)
    return found


def java_properties(text: str) -> dict[str, str]:
    """A Java .properties file: `key=value`, `key: value` or `key value`, `#` and `!` comments, a trailing
    backslash continuing the line."""
    values, pending = {}, ""
    for line in text.splitlines():
        line = pending + line.lstrip()
        pending = ""
        if not line or line[0] in "#!":
            continue
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending = line[:-1]
            continue
        match = re.match(r"((?:[^=:\s\\]|\\.)+)\s*[=:\s]\s*(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2).strip()
    return values


_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def dotenv(text: str) -> dict[str, str]:
    """A .env file's KEY=VALUE lines: `export` allowed, a quoted value taken as written inside its quotes, a
    `# comment` after an unquoted value dropped."""
    values = {}
    for line in text.splitlines():
        match = _DOTENV_LINE.match(line)
        if not match:
            continue
        value = match.group(2)
        if len(value) >= 2 and value[0] in "'\"" and value.find(value[0], 1) > 0:
            value = value[1:value.find(value[0], 1)]
        else:
            value = value.split(" #", 1)[0].strip()
        values[match.group(1)] = value
    return values


ANY = "*"


def lookup(document, key: tuple[str, ...], wanted: re.Pattern) -> str | None:
    """The first value at `key` (a path of keys; `*` stands for any key, a list is searched item by item) that
    `wanted` matches, as its first group. At the end of the path a list gives its first matching item and a
    mapping its first matching key (a dependency's name)."""
    if isinstance(document, list):
        return next((found for item in document if (found := lookup(item, key, wanted)) is not None), None)
    if not key:
        if isinstance(document, dict):
            candidates = [str(name) for name in document]
        elif isinstance(document, (str, int, float)) and not isinstance(document, bool):
            candidates = [str(document)]
        else:
            candidates = []
        return next((match.group(1) for candidate in candidates if (match := wanted.search(candidate))), None)
    if not isinstance(document, dict):
        return None
    head, rest = key[0], key[1:]
    children = list(document.values()) if head == ANY else [document[head]] if head in document else []
    return next((found for child in children if (found := lookup(child, rest, wanted)) is not None), None)
