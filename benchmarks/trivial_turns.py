"""Chat turns that carry no task: greetings, thanks, acknowledgements, farewells.

Benchmark rows hold none of them, yet they are a good part of what a chat application
sends. Any chat model answers them as well as any other, so the default router learns them
with a gain of 0 (a prior, not a measurement). The set is generated from short word lists
with a few spellings each; it is disjoint from the everyday-prompt fixture the tests judge
the router on (``tests/fixtures/everyday_prompts.jsonl``), which is never trained on.
"""

from __future__ import annotations

from itertools import product

_GREETINGS = ("hi", "hello", "hey", "hiya", "howdy", "good morning", "good afternoon", "good evening", "greetings",
              "what's up", "how are you", "how's it going", "nice to meet you")
_THANKS = ("thanks", "thank you", "thx", "ty", "many thanks", "thanks a lot", "much appreciated",
           "thank you very much")
_ACKNOWLEDGEMENTS = ("okay", "sure", "yes", "no", "yep", "nope", "alright", "sounds good", "perfect", "cool",
                     "nice", "awesome", "makes sense", "understood", "noted", "fine", "lol", "haha", "hmm", "wow",
                     "oh I see", "never mind", "continue", "go on", "next", "bye", "goodbye", "see you",
                     "have a nice day", "talk later")
_ENDINGS = ("", "!", ".", " :)", "!!")


def _spellings() -> tuple[str, ...]:
    turns = set()
    for words, ending in product(_GREETINGS + _THANKS + _ACKNOWLEDGEMENTS, _ENDINGS):
        turns.update({words + ending, (words + ending).capitalize()})
    for words in _GREETINGS:
        turns.add(words + "?")
    return tuple(sorted(turns))


TRIVIAL_TURNS: tuple[str, ...] = _spellings()
