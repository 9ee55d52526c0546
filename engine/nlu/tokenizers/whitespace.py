"""WhitespaceTokenizer: Rasa's whitespace-and-punctuation token rules.

Rules (same results as Rasa's tokenizer, our own scanner):

1. The text is cut into whitespace-separated chunks.
2. Punctuation at the end of a chunk is dropped ("hello!" -> "hello").
   Characters ``#``, ``@`` and ``&`` count as word characters here.
3. Punctuation at the start of a chunk is dropped unless a digit follows
   it ("(hi" -> "hi", but "$10" and "-5" stay whole).
4. Inside a chunk, a run of characters that are neither word characters
   nor URL/e-mail/number characters (``._~:/?#[]()@!$&*+,;=-``) splits the
   chunk when it is not next to a digit ("don't" -> "don", "t";
   "10'000" stays whole).
5. Tokens made only of emoji are dropped; if nothing is left, the whole
   text is one token.

Word characters are letters, digits, combining marks and connector
punctuation, so scripts like Devanagari keep their vowel signs inside words.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Sequence

from engine.data.types import NluData
from engine.nlu.component import Component, Message, Token, config_error

_CHUNK = re.compile(r"\S+")
# Characters rule 4 keeps inside a chunk besides word characters.
_INNER_KEEP = frozenset("._~:/?#[]()@!$&*+,;=-")
# Characters rules 2 and 3 treat like word characters.
_EDGE_KEEP = frozenset("#@&")
_JOINERS = frozenset("\u200c\u200d")


@lru_cache(maxsize=4096)
def _is_word_char(char: str) -> bool:
    if char.isalnum() or char in _JOINERS:
        return True
    return unicodedata.category(char) in ("Mn", "Mc", "Me", "Pc")


def _is_digit(char: str) -> bool:
    # Rasa's rules mean ASCII digits (``[0-9]``), not every Unicode digit.
    return "0" <= char <= "9"


def _is_emoji_char(char: str) -> bool:
    # Emoji are "other symbols"; variation selectors, skin tones and ZWJ glue them.
    return unicodedata.category(char) in ("So", "Sk", "Mn", "Cf") or "\U0001f3fb" <= char <= "\U0001f3ff"


def _split_chunk(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Return (start, end) spans of the tokens inside one whitespace chunk."""
    # Rule 2: drop trailing punctuation.
    while end > start and not (_is_word_char(text[end - 1]) or text[end - 1] in _EDGE_KEEP):
        end -= 1
    if end == start:
        return []
    # Rule 3: drop leading punctuation unless a digit follows it; when a digit
    # follows, the last punctuation character stays attached to the number.
    lead = start
    while lead < end and not (_is_word_char(text[lead]) or text[lead] in _EDGE_KEEP):
        lead += 1
    if lead > start:
        if _is_digit(text[lead]):
            lead -= 1
        start = lead
    # Rule 4: split at runs of "foreign" characters. A run is cut out when the
    # character before it and the one after it are not digits; next to a digit
    # only the run's inner part goes (the regex-backtracking behaviour).
    spans: list[tuple[int, int]] = []
    piece = start
    i = start
    while i < end:
        if _is_word_char(text[i]) or text[i] in _INNER_KEEP:
            i += 1
            continue
        run_end = i + 1
        while run_end < end and not (_is_word_char(text[run_end]) or text[run_end] in _INNER_KEEP):
            run_end += 1
        before_ok = i > 0 and not _is_digit(text[i - 1]) and not text[i - 1].isspace()
        cut_from = i if before_ok else i + 1
        # run_end < end: after rule 2 the chunk ends with a word character.
        cut_to = run_end - 1 if _is_digit(text[run_end]) else run_end
        if cut_from < cut_to:
            if cut_from > piece:
                spans.append((piece, cut_from))
            piece = cut_to
        i = run_end
    if piece < end:
        spans.append((piece, end))
    return spans


def _apply_token_pattern(tokens: list[Token], pattern: re.Pattern[str]) -> list[Token]:
    result: list[Token] = []
    for token in tokens:
        for match in pattern.finditer(token.text):
            if match.end() > match.start():
                result.append(Token(match.group(), token.start + match.start(), token.start + match.end()))
    return result


def tokenize_text(text: str, token_pattern: re.Pattern[str] | None = None) -> list[Token]:
    """Split ``text`` into tokens with character offsets (rules in the module doc)."""
    if not text or text.isspace():
        return []
    tokens: list[Token] = []
    for chunk in _CHUNK.finditer(text):
        for start, end in _split_chunk(text, chunk.start(), chunk.end()):
            word = text[start:end]
            if not word.isascii() and all(_is_emoji_char(c) for c in word):
                continue
            tokens.append(Token(word, start, end))
    if not tokens:
        # Only punctuation or emoji (":)", "👍"): the whole text is one token.
        stripped = text.strip()
        offset = text.index(stripped)
        tokens = [Token(stripped, offset, offset + len(stripped))]
    if token_pattern is not None:
        tokens = _apply_token_pattern(tokens, token_pattern)
    return tokens


class WhitespaceTokenizer(Component):
    """Tokenize message texts on whitespace and punctuation (Rasa's rules).

    Config:
        intent_tokenization_flag: Also tokenize intent names of training
            examples (split on ``intent_split_symbol``).
        intent_split_symbol: Symbol intent names are split on (``_``).
        token_pattern: Optional regex; each token is replaced by the
            matches of this pattern inside it.
    """

    provides = frozenset({"tokens"})
    featurizes_training_data = True

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return Rasa's defaults."""
        return {"intent_tokenization_flag": False, "intent_split_symbol": "_", "token_pattern": None}

    def validate_config(self) -> None:
        """Check that ``token_pattern`` compiles and the split symbol is text."""
        self._compiled_pattern()
        symbol = self.config["intent_split_symbol"]
        if not isinstance(symbol, str) or not symbol:
            raise config_error(type(self).__name__, "intent_split_symbol must be a non-empty string.")

    def _compiled_pattern(self) -> re.Pattern[str] | None:
        return self._compiled_option("token_pattern") if self.config.get("token_pattern") else None

    def _compiled_option(self, key: str) -> re.Pattern[str]:
        """Compile the regex in config option ``key`` (cached while the option is unchanged)."""
        pattern = self.config.get(key)
        cache: dict[str, re.Pattern[str]] = self.__dict__.setdefault("_regex_cache", {})
        cached = cache.get(key)
        if cached is not None and cached.pattern == pattern:
            return cached
        try:
            compiled = re.compile(pattern)
        except (re.error, TypeError) as ex:
            raise config_error(type(self).__name__, f"{key} {pattern!r} is not a valid regex: {ex}")
        cache[key] = compiled
        return compiled

    def tokenize(self, text: str) -> list[Token]:
        """Return the tokens of ``text``."""
        return tokenize_text(text, self._compiled_pattern())

    def tokenize_intent(self, intent: str) -> list[Token]:
        """Return the tokens of an intent name (split symbol option applied)."""
        if not self.config["intent_tokenization_flag"]:
            return [Token(intent, 0, len(intent))]
        tokens: list[Token] = []
        offset = 0
        for part in intent.split(self.config["intent_split_symbol"]):
            if part:
                tokens.append(Token(part, offset, offset + len(part)))
            offset += len(part) + len(self.config["intent_split_symbol"])
        return tokens or [Token(intent, 0, len(intent))]

    def fit(self, messages: Sequence[Message], data: NluData | None = None) -> WhitespaceTokenizer:
        """Nothing to learn: the tokenizer is stateless."""
        return self

    def process(self, message: Message) -> None:
        """Set ``message.tokens`` (and intent tokens of training messages)."""
        message.tokens = self.tokenize(message.text)
        if message.target_intent:
            message.intent_tokens = self.tokenize_intent(message.target_intent)
