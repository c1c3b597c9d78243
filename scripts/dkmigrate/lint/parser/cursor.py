"""A position in a statement's tokens, with the tests the readers are made of."""

from __future__ import annotations

import operator

from ...engines import ENGINES
from ...lexer import name_of
from ..syntax import Name
from ..tokens import PUNCT, QUOTED, WORD, Token, identifier


_GRAMMAR = {name: each.grammar for name, each in ENGINES.items()}
_KEYWORD = operator.itemgetter(4)  # Token.keyword
_NAME_KINDS = (WORD, QUOTED)


class Cursor:
    """A position in a statement's tokens, with the tests the readers below are made of."""

    def __init__(self, tokens: list[Token], text: str, dialect: str, words: tuple[str, ...] | None = None):
        self.tokens = tokens
        # Each token's keyword ("" for anything but a plain word): keyword tests compare slices of it.
        self.words = words if words is not None else tuple(map(_KEYWORD, tokens))
        self.index = 0
        self.text = text
        self.dialect = dialect

    def reads(self, feature: str) -> bool:
        """Whether the engine has a statement or clause of its own (dkmigrate.engines, Engine.grammar)."""
        return feature in _GRAMMAR[self.dialect]

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.index + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def word(self, ahead: int = 0) -> str:
        """The keyword at the position, upper case; "" for anything that is not a plain word."""
        index = self.index + ahead
        return self.words[index] if index < len(self.words) else ""

    @property
    def done(self) -> bool:
        return self.index >= len(self.tokens)

    def advance(self) -> Token | None:
        index = self.index
        if index >= len(self.tokens):
            return None
        self.index = index + 1
        return self.tokens[index]

    def at(self, *words: str) -> bool:
        return self.words[self.index:self.index + len(words)] == words

    def accept(self, *words: str) -> bool:
        end = self.index + len(words)
        if self.words[self.index:end] == words:
            self.index = end
            return True
        return False

    def accept_one(self, *choices: str) -> str | None:
        index = self.index
        word = self.words[index] if index < len(self.words) else ""
        if word and word in choices:
            self.index += 1
            return word
        return None

    def at_punct(self, punct: str) -> bool:
        index = self.index
        if index >= len(self.tokens):
            return False
        token = self.tokens[index]
        return token.text == punct and token.kind == PUNCT

    def accept_punct(self, punct: str) -> bool:
        index = self.index
        if index >= len(self.tokens):
            return False
        token = self.tokens[index]
        if token.text == punct and token.kind == PUNCT:
            self.index = index + 1
            return True
        return False

    def identifier(self) -> str | None:
        index = self.index
        if index >= len(self.tokens):
            return None
        token = self.tokens[index]
        if token.kind not in _NAME_KINDS:
            return None
        self.index += 1
        return identifier(token, self.dialect)

    def name(self) -> Name | None:
        """A possibly qualified name: schema.table, "Quoted".name, `db`.`t`."""
        tokens, index, dialect = self.tokens, self.index, self.dialect
        count = len(tokens)
        if index >= count or tokens[index].kind not in _NAME_KINDS:
            return None
        first = tokens[index]
        parts, stored = [], []
        while True:  # the parts, each a WORD or QUOTED token, joined by dots
            token = tokens[index]
            parts.append(identifier(token, dialect))
            stored.append(name_of(token, dialect))
            index += 1
            if not (index + 1 < count and tokens[index].text == "." and tokens[index].kind == PUNCT
                    and tokens[index + 1].kind in _NAME_KINDS):
                break
            index += 1
        self.index = index
        return Name(tuple(parts), self.text[first.pos:token.pos + len(token.text)], tuple(stored))

    def skip_group(self) -> list[Token]:
        """Consumes a balanced ( ... ) if one starts here; returns the tokens inside it."""
        if not self.at_punct("("):
            return []
        start = self.index + 1
        depth = 0
        for index in range(self.index, len(self.tokens)):
            token = self.tokens[index]
            if token.kind == PUNCT:
                if token.text == "(":
                    depth += 1
                elif token.text == ")":
                    depth -= 1
                    if depth == 0:
                        self.index = index + 1
                        return self.tokens[start:index]
        self.index = len(self.tokens)
        return self.tokens[start:]

    def take_until(self, stop_words: frozenset[str] = frozenset(), commas: bool = True) -> list[Token]:
        """Consumes tokens up to a stop word or comma at the top level (not inside parentheses)."""
        start, depth, tokens = self.index, 0, self.tokens
        index = start
        while index < len(tokens):
            token = tokens[index]
            if token.kind == PUNCT:
                if token.text == "(":
                    depth += 1
                elif token.text == ")":
                    depth -= 1
                elif commas and depth == 0 and token.text == ",":
                    break
            elif depth == 0 and token.kind == WORD and token.upper in stop_words:
                break
            index += 1
        self.index = index
        return tokens[start:index]

    def rest(self) -> list[Token]:
        taken = self.tokens[self.index:]
        self.index = len(self.tokens)
        return taken

    def split_top_level(self) -> list[Cursor]:
        """The remaining tokens as one cursor per comma-separated item."""
        items = []
        while not self.done:
            start = self.index
            tokens = self.take_until()
            items.append(Cursor(tokens, self.text, self.dialect, self.words[start:self.index]))
            self.accept_punct(",")
        return items

    def span(self, tokens: list[Token]) -> str:
        if not tokens:
            return ""
        return self.text[tokens[0].pos:tokens[-1].pos + len(tokens[-1].text)]

    def text_since(self, start: int) -> str:
        """The statement text from the token at index `start` to the last token consumed."""
        return self.span(self.tokens[start:self.index])


_SWITCHED_OFF = frozenset({"FALSE", "OFF", "0", "NO"})


def read_options(c: Cursor) -> dict[str, str | None]:
    """A parenthesised option list, as REINDEX, VACUUM, EXPLAIN, CLUSTER and WITH (...) write it:
    `(CONCURRENTLY false, VERBOSE)` is {"CONCURRENTLY": "FALSE", "VERBOSE": None}; `(fillfactor = 70)` is
    {"FILLFACTOR": "70"}. Names are upper case; a value is as written (upper case for a word), None when
    none is written (for a boolean option: on)."""
    group = Cursor(c.skip_group(), c.text, c.dialect)
    options = {}
    for item in group.split_top_level():
        name_tokens = []
        while not item.done and item.peek().kind == WORD and not item.at_punct("="):
            name_tokens.append(item.advance().upper)
            if item.done or item.peek().kind != WORD:
                break
        item.accept_punct("=")
        value = item.span(item.rest()) or None
        if len(name_tokens) > 1 and value is None:  # a word value: (CONCURRENTLY false), (FORMAT json)
            value = name_tokens.pop()
        if name_tokens:
            options[" ".join(name_tokens)] = value.upper() if value and value.isidentifier() else value
    return options


def switched_on(value: str | None) -> bool:
    """Whether a boolean option's value turns it on: none written, TRUE, ON, 1."""
    return value is None or value.strip("'").upper() not in _SWITCHED_OFF
