"""Which circles a tension may belong to: its words against each circle's domain (pure).

A circle scores by the words its purpose and key responsibilities share with the
tension, each shared word weighted by how rare it is among the circles' descriptions
(inverse document frequency), so "release" beats "team" when every circle has a team.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_SUGGESTIONS = 5
MIN_WORD_LENGTH = 3

# Words too common to say anything about a domain, in English and Dutch (3+ letters only).
_STOP_WORDS = """
    about above after again against all also and any are because been before being below
    between both but can could did does doing down during each few for from further had has
    have having her here hers him his how into its itself just more most not now off once
    only other our ours out over own same she should some such than that the their theirs
    them then there these they this those through too under until very was were what when
    where which while who whom why will with would you your yours
    aan als bij dan dat deze die dit door een eens geen het hoe hun iets jij kan
    maar meer met mij naar niet nog ons ook over tot uit van veel voor wat wel wie zal zij
    zijn zou
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class CircleMatch:
    """A circle suggested for a tension: how well it matches, on which words, and its domain."""

    channel_id: str
    score: float
    words: tuple[str, ...]  # the shared words, the weightiest first
    purpose: str


def words(text: str) -> set[str]:
    """The meaningful words of `text`: casefolded, 3+ letters, stop words left out."""
    return {
        w
        for w in _WORD.findall(text.casefold())
        if len(w) >= MIN_WORD_LENGTH and w not in STOP_WORDS
    }


def rank_circles(
    texts: Iterable[str | None],
    purposes: Mapping[str, str],
    *,
    own_channel: str,
    limit: int = MAX_SUGGESTIONS,
) -> list[CircleMatch]:
    """The circles whose domain shares words with the tension's `texts`, best first.

    `purposes` maps each circle's channel to its purpose and key responsibilities. The
    tension's own channel and circles sharing no word are left out; ties go by channel id.
    """
    asked = words(" ".join(t for t in texts if t))
    described = {channel: words(text) for channel, text in purposes.items()}
    if not asked or not described:
        return []
    weight = _rarity(described.values())
    matches = []
    for channel, vocabulary in described.items():
        shared = asked & vocabulary
        if channel == own_channel or not shared:
            continue
        ordered = tuple(sorted(shared, key=lambda w: (-weight[w], w)))
        score = round(sum(weight[w] for w in ordered), 9)  # equal sums tie, whatever the order
        matches.append(CircleMatch(channel, score, ordered, purposes[channel]))
    matches.sort(key=lambda c: (-c.score, c.channel_id))
    return matches[: max(limit, 0)]


def _rarity(vocabularies: Iterable[set[str]]) -> dict[str, float]:
    """Each word's weight: higher the fewer descriptions hold it (always above zero)."""
    counts: dict[str, int] = {}
    total = 0
    for vocabulary in vocabularies:
        total += 1
        for w in vocabulary:
            counts[w] = counts.get(w, 0) + 1
    return {w: math.log(1 + total / n) for w, n in counts.items()}
