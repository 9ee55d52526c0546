"""RegexTokenizer: Unicode-aware tokens for languages the whitespace rules serve badly.

Rasa's whitespace rules assume words are separated by spaces. Chinese and
Japanese are written without them, so a whole clause becomes one
token and no entity inside it can be tagged. This tokenizer finds tokens
with a regular expression instead. The default pattern makes each CJK
ideograph and kana its own token (what character-level taggers use when no
word segmenter is installed) and keeps other words whole, combining marks
included (Devanagari and Thai vowel signs, Arabic harakat).
Punctuation and emoji are dropped; if nothing is left, the whole text is
one token, as with ``WhitespaceTokenizer``.
"""
from __future__ import annotations

import re
from typing import Any

from engine.nlu.component import Token, config_error
from engine.nlu.tokenizers.whitespace import WhitespaceTokenizer

# Scripts written without spaces between words: one character per token.
_UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kana, CJK ideographs
# Word characters: \\w plus the combining marks \\w leaves out (Latin accents,
# Hebrew and Arabic vowel points, Indic and Thai vowel signs) and ZWNJ/ZWJ;
# not the Devanagari danda (a full stop).
_WORD = (
    "\\w\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u0900-\u0963\u0966-\u0dff\u0e31-\u0e4e\u0eb1-\u0ecd\u200c\u200d"
)
_WORD_RUN = f"(?:(?![{_UNSPACED}])[{_WORD}])+"
# A word run, joined by apostrophes or hyphens ("l'hôtel", "e-mail"); or one
# CJK/kana character (with a combining sound mark).
DEFAULT_PATTERN = f"[{_UNSPACED}][\u3099\u309a]?|{_WORD_RUN}(?:['\u2019\\-]{_WORD_RUN})*"


class RegexTokenizer(WhitespaceTokenizer):
    """Tokens are the matches of a regular expression (Unicode-aware default).

    Config:
        pattern: The token regex (default :data:`DEFAULT_PATTERN`).
        intent_tokenization_flag / intent_split_symbol: As for
            ``WhitespaceTokenizer`` (multi-intents like ``greet+ask_time``).
    """

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return the defaults (the whitespace tokenizer's intent options too)."""
        return {"pattern": DEFAULT_PATTERN, "intent_tokenization_flag": False, "intent_split_symbol": "_"}

    def validate_config(self) -> None:
        """Check that ``pattern`` compiles and matches no empty string."""
        super().validate_config()
        compiled = self._token_regex()
        if compiled.fullmatch(""):
            raise config_error(type(self).__name__, f"pattern {self.config['pattern']!r} matches the empty string.")

    def _compiled_pattern(self) -> re.Pattern[str] | None:
        return None  # no ``token_pattern`` post-split: ``pattern`` is the whole rule

    def _token_regex(self) -> re.Pattern[str]:
        return self._compiled_option("pattern")

    def tokenize(self, text: str) -> list[Token]:
        """Return the matches of ``pattern`` in ``text`` as tokens."""
        tokens = [Token(m.group(), m.start(), m.end()) for m in self._token_regex().finditer(text) if m.end() > m.start()]
        if not tokens and text.strip():
            stripped = text.strip()
            offset = text.index(stripped)
            tokens = [Token(stripped, offset, offset + len(stripped))]
        return tokens
