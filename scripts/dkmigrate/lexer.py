"""The one lexer: the tokens of SQL text, for the statement splitter and for the linter alike.

Each engine states its lexical rules (dkmigrate.engines, Lexicon); from them one master regular expression
per dialect (and statement delimiter) is compiled, and `finditer` walks the text with it: one match per
token, leading white space included, so white space costs no match of its own. Every alternative is linear:
quoted tokens are written as unrolled loops (`'[^']*(?:''[^']*)*'`), and an unterminated one runs to the end
of the text instead of failing, so nothing backtracks on long input. The linter drops comments and reads
unterminated tokens leniently; the splitter (dkmigrate.sqlsplit) checks them and reports where they start.

Everything else that reads SQL reads it here: `tokenize` (a statement's tokens at once), `tokens` (one at a time,
for a reader that may stop early), `keywords` (a statement's leading words in one match), `string_content` (the
body of a DO block or function, to be read in turn), `identifier` and `name_of` (the name a token stands for).
The splitter's search (`boundaries`) is built from the same alternatives, each opening with a literal
character, so that the regular-expression engine skips in C to the next token that can end a statement.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterator

from .engines import ENGINES, engine
from .engines.base import Quote
from .records import record

WORD = "word"  # a keyword or an unquoted identifier
QUOTED = "quoted"  # a quoted identifier: "Name", `name`, [name]
STRING = "string"  # a string literal, dollar-quoted body included
NUMBER = "number"
PUNCT = "punct"  # an operator or punctuation: ( ) , ; . :: = ...
COMMENT = "comment"
DELIMITER = "delimiter"  # the statement delimiter (the splitter's; the linter reads it as PUNCT)


@record
class Token:
    kind: str
    text: str  # as written
    upper: str  # WORD: the text in upper case, to compare with keywords; other kinds: the text
    pos: int  # offset in the text
    keyword: str = ""  # WORD: the text in upper case; other kinds: "" (a reader's keyword tests compare these)


# The lexer's group names, each with the kind of token it makes.
_KINDS = {"delimiter": PUNCT, "word": WORD, "number": NUMBER, "param": NUMBER, "punct": PUNCT,
          "string": STRING, "escape": STRING, "dollar": STRING, "double": STRING,
          "quoted": QUOTED, "backtick": QUOTED, "bracket": QUOTED}

_WORD = r"[^\W\d][\w$]*"
_NUMBER = r"\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+"
_BLOCK_COMMENT = r"/\*(?s:.*?)(?:\*/|\Z)"
_PUNCT = r"::|[<>!]=|<>|\|\||=>|\S"
_NOT_AFTER_WORD = r"(?<![\w$])"


def _quote_pattern(quote: Quote) -> str:
    """The whole token, from its prefix; an unterminated one runs to the end of the text."""
    prefix = ""
    if quote.prefix:
        prefix = f"{_NOT_AFTER_WORD}(?:{quote.prefix})"
        prefix = prefix if quote.prefix_required else f"(?:{prefix})?"
    guard = "" if quote.after_word else _NOT_AFTER_WORD
    return f"{prefix}{guard}{re.escape(quote.first)}{quote.opening}{quote.inner}(?:{quote.closing}|\\Z)"


def _quote_search(quote: Quote) -> str:
    """The token from its first character on, which a search jumps to; lookbehinds check what precedes it."""
    first = re.escape(quote.first)
    behind = ""
    if quote.prefix and quote.prefix_required:
        behind += f"(?<={_NOT_AFTER_WORD}(?:{quote.prefix}){first})"
    if not quote.after_word:
        behind += f"(?<![\\w$]{first})"
    return f"{first}{behind}{quote.opening}{quote.inner}(?:{quote.closing}|\\Z)"


@functools.lru_cache(maxsize=None)
def scanner(dialect: str, delimiter: str = ";") -> re.Pattern[str]:
    """The master expression of a dialect: group `delimiter`, `word`, `number`, `comment`, one group per kind
    of quoted token of the engine, `param`, `punct`. No other capture groups but a dollar quote's tag."""
    lexicon = engine(dialect).lexicon
    alternatives = [
        f"(?P<delimiter>{re.escape(delimiter)})",
        f"(?P<word>{_word(lexicon, delimiter)})",
        f"(?P<number>{_NUMBER})",
        f"(?P<comment>(?:{'|'.join(lexicon.line_comments)})[^\\n]*|{_BLOCK_COMMENT})",
        *(f"(?P<{quote.group}>{_quote_pattern(quote)})" for quote in lexicon.quotes),
        *([f"(?P<param>{lexicon.parameters})"] if lexicon.parameters else []),
        f"(?P<punct>{_PUNCT})",
    ]
    return re.compile(r"\s*(?:" + "|".join(alternatives) + ")")


@functools.lru_cache(maxsize=None)
def _token_pattern(dialect: str) -> re.Pattern[str]:
    """The master expression's alternatives grouped by the kind of token they make (the groups are named as the
    kinds: word, number, comment, string, quoted, punct): tokenize takes a token's kind from its group, and a
    match of fewer groups costs less. Words first, the most frequent."""
    lexicon = engine(dialect).lexicon
    kinds: dict[str, list[str]] = {STRING: [], QUOTED: []}
    for quote in lexicon.quotes:
        kinds[_KINDS[quote.group]].append(_quote_pattern(quote))
    parameters = f"|{lexicon.parameters}" if lexicon.parameters else ""
    alternatives = [
        f"(?P<word>{_word(lexicon, ';')})",
        f"(?P<number>{_NUMBER}{parameters})",
        f"(?P<comment>(?:{'|'.join(lexicon.line_comments)})[^\\n]*|{_BLOCK_COMMENT})",
        *(f"(?P<{kind}>{'|'.join(patterns)})" for kind, patterns in kinds.items() if patterns),
        f"(?P<punct>{_PUNCT})",
    ]
    return re.compile(r"\s*(?:" + "|".join(alternatives) + ")")


def _word(lexicon, delimiter: str) -> str:
    word = _WORD
    if any(char.isalnum() or char in "_$" for char in delimiter):  # END$$: the word ends where the delimiter starts
        word = rf"[^\W\d](?:(?!{re.escape(delimiter)})[\w$])*"
    prefixed = [f"(?:{quote.prefix}){re.escape(quote.first)}" for quote in lexicon.quotes if quote.prefix]
    if prefixed:  # E'...' is a string, not the word E
        word = f"(?!{'|'.join(prefixed)})" + word
    return word


@record
class Boundaries:
    search: Callable[[str, int], re.Match[str] | None]  # the next boundary token at or after a position
    groups: tuple[str | None, ...]  # by a match's lastindex: "delimiter", "comment", or a quote group


@functools.lru_cache(maxsize=None)
def boundaries(dialect: str, delimiter: str = ";", keywords: tuple[str, ...] = ()) -> Boundaries:
    """The tokens that can end a statement or hide a delimiter, for a search that jumps over words, numbers
    and punctuation: the delimiter, comments and quoted tokens, each matched from its first character; with
    `keywords` (upper case), also those words (group "keyword", not after a dot) and parentheses ("(" and ")"),
    which a trigger's or routine's nesting follows.

    Every alternative opens with a literal character, so the regular-expression engine skips to the next
    such character in C; a prefix (E'...') or what must not precede the token ($ after a word character) is
    checked by a lookbehind. A token's kind is the empty group that ends its alternative (`groups`)."""
    lexicon = engine(dialect).lexicon
    alternatives = [(re.escape(delimiter), "delimiter")]
    alternatives += [(f"{opener}[^\\n]*", "comment") for opener in lexicon.line_comments]
    alternatives.append((_BLOCK_COMMENT, "comment"))
    # A quote that needs its prefix is tried before those that do not: both open with the same character.
    ordered = sorted(lexicon.quotes, key=lambda quote: not quote.prefix_required)
    alternatives += [(_quote_search(quote), quote.group) for quote in ordered]
    for keyword in keywords:  # each case of its first letter opens an alternative: a literal character
        for first in {keyword[0], keyword[0].lower()}:
            alternatives.append((f"{first}(?<![\\w$.]{first})(?i:{keyword[1:]})(?![\\w$])", "keyword"))
    if keywords:
        alternatives += [(r"\(", "("), (r"\)", ")")]
    pattern = re.compile("|".join(f"{alternative}(?P<k{index}>)" for index, (alternative, _) in enumerate(alternatives)))
    groups: list[str | None] = [None] * (pattern.groups + 1)
    for index, (_, group) in enumerate(alternatives):
        groups[pattern.groupindex[f"k{index}"]] = group
    return Boundaries(pattern.search, tuple(groups))


@functools.lru_cache(maxsize=None)
def closed_quote(dialect: str, group: str) -> tuple[re.Pattern[str], str]:
    """A terminated token of a quote group, from its prefix or its first character, and the group's name in
    error messages."""
    quote = next(quote for quote in engine(dialect).lexicon.quotes if quote.group == group)
    prefix = f"(?:{quote.prefix})?" if quote.prefix else ""
    return re.compile(f"{prefix}{re.escape(quote.first)}{quote.opening}{quote.inner}{quote.closing}"), quote.name


_COMMENT_DELIMITERS = re.compile(r"/\*|\*/")
_NESTED_COMMENT = re.compile(r"/\*(?:(?!\*/).)*?/\*", re.DOTALL)  # a /* inside a block comment


def nested_comment_end(text: str, start: int) -> int:
    """The end of the nested block comment opening at `start`; -1 when it is not closed."""
    depth = 0
    for delimiter in _COMMENT_DELIMITERS.finditer(text, start):
        depth += 1 if delimiter.group() == "/*" else -1
        if depth == 0:
            return delimiter.end()
    return -1


def tokenize(text: str, dialect: str, start: int = 0) -> list[Token]:
    """The tokens of a statement (from `start`), comments dropped. Lenient: never fails, and reads an unterminated
    token to the end of the text (the splitter has already refused those)."""
    pattern, new = _token_pattern(dialect), tuple.__new__  # Token._make is a Python function: tuple.__new__ is not
    if "/*" in text and engine(dialect).lexicon.nested_comments and _NESTED_COMMENT.search(text, start):
        return [_token(kind, value, position)
                for kind, value, position in _nesting_matches(pattern, text, start) if kind != COMMENT]
    return [new(Token, (WORD, value, upper := value.upper(), match.start(kind), upper) if kind == WORD else
                       (kind, value, value, match.start(kind), ""))
            for match in pattern.finditer(text, start)
            if (kind := match.lastgroup) != COMMENT for value in (match.group(kind),)]


def _token(kind: str, value: str, position: int) -> Token:
    if kind == WORD:
        upper = value.upper()
        return tuple.__new__(Token, (WORD, value, upper, position, upper))
    return tuple.__new__(Token, (kind, value, value, position, ""))


def tokens(text: str, dialect: str, start: int = 0) -> Iterator[Token]:
    """The tokens of a text from `start`, one at a time, comments dropped: a reader of a statement's first
    keywords pays for those alone. Lenient, as tokenize."""
    pattern = _token_pattern(dialect)
    if "/*" in text and engine(dialect).lexicon.nested_comments and _NESTED_COMMENT.search(text, start):
        for kind, value, position in _nesting_matches(pattern, text, start):
            if kind != COMMENT:
                yield _token(kind, value, position)
        return
    for match in pattern.finditer(text, start):
        kind = match.lastgroup
        if kind != COMMENT:
            yield _token(kind, match.group(kind), match.start(kind))


def keywords(text: str, dialect: str, count: int) -> tuple[str, ...]:
    """The words a text starts with, in upper case: up to `count` (at most 16) of them, and none past its first
    token that is not a word. One match of an expression made of the master's word alternative and of comments
    that cannot be read shorter or longer than the tokens read them: what a statement is, read as fast as a
    regular expression of its own would."""
    match, nested = _LEADING.get((dialect, count)) or _leading_words(dialect, count)
    found = match(text)
    if nested and "/*" in text and "/*" in text[:found.end()]:  # a /* /* */ */ comment: token by token
        return tuple(token.upper for token in itertools.takewhile(lambda token: token.kind == WORD,
                                                                  itertools.islice(tokens(text, dialect), count)))
    words = found.group(*_WORD_GROUPS[:count]) if count > 1 else found.groups()
    return tuple(map(str.upper, filter(None, words)))  # the words found (those not found are None), in C


_WORD_GROUPS = tuple(f"w{index}" for index in range(16))
# A block comment up to its first */ and no further (or, unterminated, to the end), written so that it cannot
# match shorter or longer: a failed match backtracks into no comment.
_WHOLE_BLOCK_COMMENT = r"/\*[^*]*\*+(?:[^/*][^*]*\*+)*/|/\*(?:(?!\*/)(?s:.))*\Z"


def _leading_words(dialect: str, count: int) -> tuple[Callable[[str], re.Match[str]], bool]:
    """The match function of groups w0, w1, ... (the leading words), and whether comments nest."""
    lexicon = engine(dialect).lexicon
    line_comment = f"(?:{'|'.join(lexicon.line_comments)})[^\\n]*(?![^\\n])"  # to the end of its line, whole
    gap = f"(?:\\s|{line_comment}|{_WHOLE_BLOCK_COMMENT})*"
    word = _WORD
    prefixed = [f"(?:{quote.prefix}){re.escape(quote.first)}" for quote in lexicon.quotes if quote.prefix]
    if prefixed:
        word = f"(?!{'|'.join(prefixed)})" + word
    pattern = ""
    for index in reversed(range(count)):
        pattern = f"(?:{gap}(?P<w{index}>{word}){pattern})?"
    _LEADING[dialect, count] = re.compile(pattern).match, lexicon.nested_comments
    return _LEADING[dialect, count]


_LEADING: dict[tuple[str, int], tuple[Callable[[str], re.Match[str]], bool]] = {}  # (dialect, count): its reader


def words(text: str, dialect: str, count: int) -> tuple[str, ...]:
    """The first `count` tokens of a text (fewer when it has fewer), a word in upper case, any other token as
    written: what a statement is, read from its first keywords."""
    found = []
    for token in tokens(text, dialect):
        found.append(token.upper)
        if len(found) == count:
            break
    return tuple(found)


def string_content(token: Token) -> str:
    """The text a string token quotes, its quotes (or dollar tags) and prefix removed, doubled quotes undone:
    the body of a DO block or of a function, to be read as SQL in turn."""
    text = token.text
    if text.startswith("$"):
        tag = text[:text.index("$", 1) + 1]
        return text[len(tag):-len(tag)] if len(text) >= 2 * len(tag) and text.endswith(tag) else text[len(tag):]
    quote = next((index for index, char in enumerate(text) if char in "'\""), 0)
    body = text[quote + 1:-1] if len(text) > quote + 1 and text.endswith(text[quote]) else text[quote + 1:]
    return body.replace(text[quote] * 2, text[quote])


def _nesting_matches(pattern: re.Pattern[str], text: str, pos: int):
    """(group, text, start) of each token from `pos`, where a block comment may hold others."""
    while True:
        for match in pattern.finditer(text, pos):
            kind = match.lastgroup
            start = match.start(kind)
            if kind == "comment" and text.startswith("/*", start) and "/*" in match.group(kind)[2:]:
                end = nested_comment_end(text, start)
                end = len(text) if end < 0 else end
                yield kind, text[start:end], start
                pos = end
                break
            yield kind, match.group(kind), start
        else:
            return


def identifier(token: Token, dialect: str) -> str:
    """The name a WORD or QUOTED token stands for, as the engine compares names: PostgreSQL keeps quoted
    names as written, the other engines (and PostgreSQL for unquoted names) compare them without case."""
    if token.kind != QUOTED:
        return token.text.lower()
    name = _quoted_name(token.text)
    return name if _QUOTED_CASE_KEPT[dialect] else name.lower()


def name_of(token: Token, dialect: str) -> str:
    """The name a WORD or QUOTED token stands for, as the engine stores it."""
    if token.kind == QUOTED:
        return _quoted_name(token.text)
    return token.text.lower() if _QUOTED_CASE_KEPT[dialect] else token.text  # PostgreSQL folds unquoted names


def stored_parts(written: str, dialect: str) -> tuple[str, ...]:
    """The parts of a qualified name written as SQL (a regclass's text), as the engine stores them: `[users]` is
    users, `"Mixed"."T"` keeps its case, an unquoted PostgreSQL name folds to lower case."""
    return tuple(name_of(token, dialect) for token in tokenize(written, dialect) if token.kind in (WORD, QUOTED))


def _quoted_name(text: str) -> str:
    closing = "]" if text[0] == "[" else text[0]
    name = text[1:-1] if text.endswith(closing) and len(text) > 1 else text[1:]
    return name.replace(closing * 2, closing) if closing != "]" else name


_QUOTED_CASE_KEPT = {name: each.folds_to_lower for name, each in ENGINES.items()}
