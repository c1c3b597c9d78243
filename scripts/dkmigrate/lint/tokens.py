"""The tokens of one SQL statement, as the linter reads them: dkmigrate.lexer, the splitter's own lexer."""

from ..lexer import NUMBER, PUNCT, QUOTED, STRING, WORD, Token, identifier, keywords, string_content, tokenize, tokens

__all__ = ["NUMBER", "PUNCT", "QUOTED", "STRING", "WORD", "Token", "identifier", "keywords", "string_content", "tokenize", "tokens"]
