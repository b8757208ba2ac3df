"""Priors of the default router: what benchmark rows lack, at both ends of the need for a strong model.

The correctness sources the default learns from are exam rows: multiple choice, word
problems, short coding tasks. Chat traffic also holds what no benchmark grades:

- :data:`TRIVIAL_TURNS`: turns that carry no task (greetings, thanks, acknowledgements,
  farewells), generated from short word lists with a few spellings each;
- :data:`SIMPLE_ASKS`: one-fact questions, light rewrites, short translations and brief
  explanations of common knowledge;
- :data:`DEMANDING_ASKS`: proofs, multi-step word problems, non-trivial code and precise
  extraction, at least as hard as the hardest benchmark kind;
- :func:`everyday_asks`: hand-written easy and demanding asks in many phrasings and at many
  lengths (``everyday_asks.jsonl``: long greetings and long texts to translate or proofread
  among the easy ones, one-line proofs, derivations and designs among the demanding ones, some
  behind a system prompt or an earlier exchange), written by the default's author as a
  development set. They teach the ask-kind member what is asked, not how long it is.

Any chat model answers the trivial turns and simple asks as well as any other (gain 0);
the demanding ones take the highest per-source mean gain of the data trained on. These are
*priors*, not measurements. The template rows are seeded and written from the categories
of the issue that set the default's behaviour, not from the everyday-prompt fixtures the
tests judge the router on (``tests/fixtures/``); a test checks that no fixture prompt is, or
nearly is, one of them.
"""

from __future__ import annotations

import json
from importlib.resources import files
from itertools import product

import numpy as np

from routed_llm.prompts import prompt_text

__all__ = ["DEMANDING_ASKS", "SIMPLE_ASKS", "TRIVIAL_TURNS", "everyday_asks"]

_SEED = 0
_EVERYDAY_ASKS = "everyday_asks.jsonl"

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
"""Greetings, thanks, acknowledgements, farewells: gain 0."""


# -- simple asks: one fact, a light rewrite, a translation --------------------------------
_FACT_QUESTIONS = (
    "Which continent is {country} in?", "What currency does {country} use?",
    "What language do people speak in {country}?", "Who wrote {book}?", "When was {book} published?",
    "What is the tallest mountain in {continent}?", "How many {unit} are in a {bigger}?",
    "What colour do you get by mixing {colour_a} and {colour_b}?", "What is the plural of '{noun}'?",
    "What is the opposite of '{adjective}'?", "Is a {animal} a mammal?", "What do {animal}s eat?",
    "How long does a {animal} live?", "What is {a} times {b}?", "What is {a} plus {b}?",
)
_SLOTS = {
    "country": ("Canada", "Japan", "Kenya", "Peru", "Norway", "Egypt", "Vietnam", "Portugal", "Chile", "Ireland"),
    "book": ("Moby-Dick", "War and Peace", "Don Quixote", "The Hobbit", "Frankenstein", "Dracula", "Ulysses",
             "The Odyssey", "Jane Eyre", "Little Women"),
    "continent": ("Africa", "Europe", "South America", "Asia", "Australia", "North America"),
    "animal": ("dolphin", "penguin", "koala", "bat", "whale", "camel", "otter", "zebra"),
    "noun": ("mouse", "cactus", "goose", "child", "index", "octopus"),
    "adjective": ("ancient", "generous", "narrow", "fragile", "humble", "rapid"),
}
_UNITS = (("seconds", "minute"), ("minutes", "hour"), ("hours", "day"), ("days", "week"), ("months", "year"),
          ("centimetres", "metre"), ("grams", "kilogram"), ("inches", "foot"), ("ounces", "pound"))
_COLOURS = (("blue", "yellow"), ("red", "white"), ("red", "blue"), ("black", "white"), ("yellow", "red"))
_REWRITES = (
    "Correct the spelling: '{sentence}'", "Make this more formal: '{sentence}'", "Make this friendlier: '{sentence}'",
    "Put this in the future tense: '{sentence}'", "Rephrase in plain words: '{sentence}'",
    "Write this in lower case: '{sentence}'", "Make this shorter: '{sentence}'",
)
_SENTENCES = ("I will be late to the meeting tomorow", "Please find attached the documents you requested",
              "We has finished the project on time", "The shop opens at nine", "Can you call me back later",
              "Our team won the match last weekend", "I am not able to attend the dinner")
_TRANSLATIONS = ("Translate '{phrase}' to {language}.", "How do I say '{phrase}' in {language}?",
                 "What is '{phrase}' in {language}?")
_PHRASES = ("see you tomorrow", "how much is this", "happy birthday", "excuse me", "good night", "I am hungry",
            "where is the bathroom", "nice to meet you")
_LANGUAGES = ("German", "Portuguese", "Korean", "Dutch", "Swedish", "Turkish", "Greek", "Hindi")
_BRIEFS = ("Summarise {book} in a short paragraph.", "Give me a one-paragraph summary of {book}.",
           "Explain {concept} in simple terms.", "In a few sentences, what is {concept}?",
           "Explain {concept} to a child.", "Briefly describe {concept}.")
_CONCEPTS = ("photosynthesis", "inflation", "a black hole", "the water cycle", "an API", "a firewall",
             "democracy", "the stock market", "a vaccine", "gravity", "a password manager", "climate change")

# -- demanding asks: proofs, multi-step math, code, extraction -----------------------------
_THEOREMS = (
    "there are infinitely many prime numbers", "the product of two odd integers is odd",
    "every tree with n vertices has n - 1 edges", "the harmonic series diverges",
    "there is no largest even number", "the sum of the angles of a triangle is 180 degrees",
    "a bounded monotone sequence of real numbers converges",
    "the set of real numbers is uncountable", "n^3 - n is divisible by 6 for every integer n",
    "the composition of two injective functions is injective", "a planar graph has a vertex of degree at most 5",
    "the geometric mean of positive numbers never exceeds their arithmetic mean",
    "every subgroup of a cyclic group is cyclic", "the determinant of a product is the product of determinants",
    "2^n > n^2 for every integer n >= 5", "log 3 / log 2 is irrational",
)
_PROOF_FORMS = ("Prove that {t}.", "Give a rigorous proof that {t}.", "Show that {t}, step by step.",
                "Prove, carefully justifying each step, that {t}.")
_WORD_PROBLEMS = (
    "A shop sells pens at ${p} each and notebooks at ${q} each. Maria buys {a} pens and {b} notebooks and pays "
    "with a ${bill} note. She then returns {c} pens for a refund. How much money does she have left from the note?",
    "A cyclist rides {a} km at {b} km/h, rests for {c} minutes, then rides {p} km at {q} km/h. What is her average "
    "speed for the whole trip, rests included?",
    "A recipe needs {a} eggs for every {b} cakes. A bakery has {p} eggs and wants to bake as many cakes as possible, "
    "then sells each cake for ${q}. How much does it earn, and how many eggs are left?",
    "Tom is {a} years older than his sister. In {b} years, the sum of their ages will be {p}. How old is each of "
    "them now?",
    "A loan of ${bill}00 is repaid in {a} equal monthly instalments with {b}% annual interest compounded monthly. "
    "What is each instalment, and how much interest is paid in total?",
    "Two workers can finish a job in {a} and {b} days working alone. They work together for {c} days, then the "
    "faster one leaves. How many more days does the other need to finish?",
    "A rectangle's length is {a} cm more than twice its width, and its perimeter is {p} cm. Find its area, then "
    "the length of its diagonal.",
    "A solution is {a}% salt. How many litres of water must be added to {b} litres of it to make a {c}% solution, "
    "and how much salt does the result contain?",
    "A farmer has {p} metres of fence and wants to enclose a rectangular field along a river, fencing only three "
    "sides. What dimensions maximise the area, and what is that area?",
    "Out of {p} students, {a} take French, {b} take Spanish and {c} take both. If one student is chosen at random, "
    "what is the probability they take exactly one of the two languages?",
)
_CODE_TASKS = (
    "Implement {structure} in {language} with {constraint}, and write unit tests for the edge cases.",
    "Write a {language} function that {job}. Handle invalid input, state the time complexity, and add tests.",
    "Find and fix the bug in this {language} code, then explain why it failed:\n\n{snippet}",
    "Design and implement {structure} in {language}; explain the invariants it keeps and how {constraint} is met.",
)
_STRUCTURES = ("a trie with prefix search", "an interval tree", "a min-heap with decrease-key",
               "a union-find with path compression", "a consistent-hashing ring", "a bloom filter",
               "a skip list", "an LFU cache")
_CODE_LANGUAGES = ("Python", "Java", "Go", "C++", "Rust", "TypeScript", "Kotlin", "C#")
_CONSTRAINTS = ("O(log n) operations", "constant memory per entry", "safe concurrent access",
                "no external libraries", "amortised O(1) updates")
_JOBS = ("merges overlapping time intervals from an unsorted list", "evaluates arithmetic expressions with "
         "parentheses and operator precedence", "finds the longest palindromic substring",
         "computes the minimum edit distance between two strings and returns the edit script",
         "detects a cycle in a directed graph and returns it", "parses ISO 8601 durations into seconds",
         "schedules tasks with dependencies in topological order")
_SNIPPETS = (
    "def mean(xs):\n    total = 0\n    for i in range(1, len(xs)):\n        total += xs[i]\n    return total / len(xs)",
    "for (int i = 0; i <= arr.length; i++) {\n    sum += arr[i];\n}",
    "def add_item(item, bucket=[]):\n    bucket.append(item)\n    return bucket",
    "if (user = null) { return; }\nprocess(user.name);",
)
_EXTRACTIONS = (
    "From the text below, extract every {entity} with its {attribute} and return them as JSON:\n\n{passage}",
    "List each {entity} mentioned below together with its {attribute}, as a table, and flag any inconsistency:"
    "\n\n{passage}",
)
_ENTITIES = (("person", "role and start date"), ("invoice", "amount, currency and due date"),
             ("medication", "dose and frequency"), ("shipment", "origin, destination and weight"))
_PASSAGES = (
    "Dr. Lena Ortiz joined as chief of surgery on 4 January 2021, replacing Mark Chen, who moved to the "
    "board in March; Priya Nair became head of nursing the following June.",
    "Invoice 1182 for EUR 4,300 is due 30 April; invoice 1190 (USD 950) was due 15 March but is unpaid; "
    "a credit note of EUR 300 applies to invoice 1182.",
    "Take amoxicillin 500 mg three times a day for seven days, ibuprofen 400 mg every eight hours as needed, "
    "and stop the omeprazole 20 mg once daily after two weeks.",
    "Crate A (120 kg) leaves Rotterdam for Oslo on Monday; crate B, 85 kg, goes from Hamburg to Gdansk; "
    "crate C weighs 40 kg more than B and travels with A.",
)


def _fill(template: str, rng: np.random.Generator) -> str:
    values = {name: rng.choice(options) for name, options in _SLOTS.items()}
    unit, bigger = _UNITS[rng.integers(len(_UNITS))]
    colour_a, colour_b = _COLOURS[rng.integers(len(_COLOURS))]
    numbers = {name: int(rng.integers(low, high)) for name, (low, high) in
               {"a": (2, 13), "b": (2, 13), "c": (1, 6), "p": (20, 90), "q": (3, 25), "bill": (50, 100)}.items()}
    return template.format(**values, **numbers, unit=unit, bigger=bigger, colour_a=colour_a, colour_b=colour_b)


def _simple_asks() -> tuple[str, ...]:
    rng = np.random.default_rng(_SEED)
    asks = {_fill(template, rng) for template in _FACT_QUESTIONS for _ in range(6)}
    asks.update(form.format(sentence=s) for form, s in product(_REWRITES, _SENTENCES))
    asks.update(form.format(book=book, concept=concept)
                for form, book, concept in product(_BRIEFS, _SLOTS["book"], _CONCEPTS))
    asks.update(form.format(phrase=p, language=lang) for form, p, lang in product(_TRANSLATIONS, _PHRASES, _LANGUAGES)
                if (len(p) + len(lang)) % 2 == 0)
    return tuple(sorted(asks))


def _demanding_asks() -> tuple[str, ...]:
    rng = np.random.default_rng(_SEED + 1)
    asks = {form.format(t=t) for form, t in product(_PROOF_FORMS, _THEOREMS)}
    asks.update(_fill(template, rng) for template in _WORD_PROBLEMS for _ in range(8))
    for _ in range(60):
        template = _CODE_TASKS[rng.integers(len(_CODE_TASKS))]
        asks.add(template.format(structure=rng.choice(_STRUCTURES), language=rng.choice(_CODE_LANGUAGES),
                                 constraint=rng.choice(_CONSTRAINTS), job=rng.choice(_JOBS),
                                 snippet=rng.choice(_SNIPPETS)))
    for form, ((entity, attribute), passage) in product(_EXTRACTIONS, zip(_ENTITIES, _PASSAGES, strict=True)):
        asks.add(form.format(entity=entity, attribute=attribute, passage=passage))
    return tuple(sorted(asks))


SIMPLE_ASKS: tuple[str, ...] = _simple_asks()
"""One-fact questions, light rewrites, short translations, brief explanations: gain 0."""
DEMANDING_ASKS: tuple[str, ...] = _demanding_asks()
"""Proofs, multi-step word problems, non-trivial code, structured extraction: the highest source gain."""


def everyday_asks() -> tuple[list[str], np.ndarray]:
    """The hand-written development asks as the router sees them (the last user turn) and their
    labels: 1 for demanding, 0 for easy."""
    rows = [json.loads(line) for line in files("routed_llm.training").joinpath(_EVERYDAY_ASKS)
            .read_text(encoding="utf-8").splitlines() if line.strip()]
    return ([prompt_text(row["messages"]) for row in rows],
            np.array([row["group"] == "demanding" for row in rows], dtype=np.float64))
