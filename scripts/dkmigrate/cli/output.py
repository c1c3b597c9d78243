"""Where everything the user sees goes, in text for people or JSON for programs, passwords masked."""

from collections.abc import Mapping

from ..errors import MigrateError
from ..text import printable
from ..urls import mask_url

_COLOURS = {
    "applied": "32", "rolled_back": "32", "pending": "33", "would_apply": "36", "would_roll_back": "36",
    "modified": "31", "missing": "31", "dirty": "31", "failed": "31",
}


class Output:
    """stdout for results, stderr for progress notes and errors.

    With --format json, stdout receives exactly one JSON document. Every line is masked for passwords.
    """

    def __init__(self, stdout, stderr, json_mode: bool, environ: Mapping[str, str], stdin=None):
        self.stdout, self.stderr, self.json_mode = stdout, stderr, json_mode
        self.environ = environ  # the variables a command reads beside its settings (another tool's database)
        self.stdin = stdin  # for the commands that read input (`lint -`)
        self.colour = (not json_mode and stdout.isatty() and not environ.get("NO_COLOR")
                       and environ.get("TERM") != "dumb")
        self.secrets: tuple[str, ...] = ()  # the database URL's passwords and their pieces (urls.url_secrets)

    def mask(self, value: str) -> str:
        value = mask_url(value)
        for secret in self.secrets:
            value = value.replace(secret, "***")
        return value

    def line(self, value: str = "") -> None:
        """A line of the text result (nothing in JSON mode)."""
        if not self.json_mode:
            print(self.mask(value), file=self.stdout, flush=True)

    def raw(self, value: str) -> None:
        """Text printed as it is (a SQL script), in text mode."""
        if not self.json_mode:
            self.stdout.write(self.mask(value))
            self.stdout.flush()

    def note(self, value: str) -> None:
        print(self.mask(value), file=self.stderr, flush=True)

    def document(self, document: dict) -> None:
        print(self.mask(indented_json(document)), file=self.stdout, flush=True)

    def error(self, error: MigrateError, document: dict | None = None, detail: str | None = None) -> int:
        if self.json_mode:
            self.document(document or {"error": error_document(error)})
        self.note(f"error: {printable(error.message)}")
        if detail:
            self.note(f"  {printable(detail)}")
        if error.hint:
            self.note(f"hint: {printable(error.hint)}")
        return error.exit_code

    def state(self, word: str, width: int = 0) -> str:
        """A state or result word as people read it ("rolled back"), coloured on a terminal."""
        shown = word.replace("_", " ")
        padded = shown.ljust(width)
        if not self.colour or word not in _COLOURS:
            return padded
        return f"\033[{_COLOURS[word]}m{shown}\033[0m{padded[len(shown):]}"


def indented_json(value) -> str:
    """json.dumps(value, indent=2), the same text, written in a fraction of the time: json writes an indented
    document in Python, value by value, and lint's JSON of a large migration is megabytes. Dicts with string keys,
    lists and tuples are written here, strings with json's own escaper (C); anything else by json itself."""
    from json.encoder import encode_basestring_ascii

    return _json(value, "\n", encode_basestring_ascii)


def _json(value, newline: str, escape) -> str:
    """`value` as JSON, its nested lines indented as `newline` says (a line break and spaces)."""
    kind = type(value)
    if kind is str:
        return escape(value)
    if value is None or kind is bool:
        return _JSON_CONSTANTS[value]
    if kind is int:
        return int.__repr__(value)
    inner = newline + "  "
    if kind is dict and value and all(type(key) is str for key in value):
        return "{" + inner + f",{inner}".join([
            f"{escape(key)}: {escape(item) if type(item) is str else _json(item, inner, escape)}"
            for key, item in value.items()]) + newline + "}"
    if (kind is list or kind is tuple) and value:
        return "[" + inner + f",{inner}".join([_json(item, inner, escape) for item in value]) + newline + "]"
    import json  # a float, an empty or other container, another type: json's own text (a string holds no newline)

    return json.dumps(value, indent=2).replace("\n", newline)


_JSON_CONSTANTS = {None: "null", True: "true", False: "false"}


def error_document(error: MigrateError) -> dict:
    """The value of the "error" field of a JSON document."""
    document = {"code": error.exit_code, "message": error.message}
    if error.hint:
        document["hint"] = error.hint
    return document
