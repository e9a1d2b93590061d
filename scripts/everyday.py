"""Everyday English for the character model, written for this project (no outside text).

`everyday_text(seed)` returns lines of running text, a few sentences each: sentences from
the small grammar below (people, places, times, plans, weather, questions, contractions,
commas, numbers) mixed with the hand-written sentences in HANDWRITTEN. Lines hold several
sentences so the model learns what follows a full stop.
"""

from __future__ import annotations

PEOPLE = [
    "I", "you", "we", "they", "my sister", "my brother", "our neighbour", "the teacher", "my friend",
    "Sam", "Anna", "the children", "my mother", "his father", "the doctor", "everyone", "nobody",
    "she", "he", "Tom", "Maria", "the driver", "our team", "the old man", "her cousin",
]  # fmt: skip
PLACES = [
    "the shop", "the park", "work", "school", "the station", "the beach", "the library", "town",
    "the office", "the market", "the cinema", "the river", "the hospital", "the kitchen", "bed",
    "the garden", "the airport", "the bakery", "the city", "the museum",
]  # fmt: skip
TIMES = [
    "today", "tomorrow", "yesterday", "this morning", "tonight", "last week", "next week",
    "on Monday", "on Friday", "at the weekend", "after lunch", "before dinner", "every day",
    "in the evening", "at 7 o'clock", "at half past three", "in two hours", "soon", "later",
]  # fmt: skip
THINGS = [
    "the bread", "a coffee", "some milk", "the keys", "my phone", "a new book", "the tickets",
    "an umbrella", "the letter", "some apples", "a cup of tea", "the bill", "her coat",
    "the car", "a bike", "the dishes", "the window", "the door", "a present", "the news",
]  # fmt: skip
# (base, past, third person, -ing)
VERBS = [
    ("buy", "bought", "buys", "buying"), ("find", "found", "finds", "finding"),
    ("need", "needed", "needs", "needing"), ("bring", "brought", "brings", "bringing"),
    ("forget", "forgot", "forgets", "forgetting"), ("open", "opened", "opens", "opening"),
    ("wash", "washed", "washes", "washing"), ("read", "read", "reads", "reading"),
    ("want", "wanted", "wants", "wanting"), ("like", "liked", "likes", "liking"),
    ("take", "took", "takes", "taking"), ("see", "saw", "sees", "seeing"),
    ("close", "closed", "closes", "closing"), ("clean", "cleaned", "cleans", "cleaning"),
    ("pay", "paid", "pays", "paying"), ("lose", "lost", "loses", "losing"),
]  # fmt: skip
ADJECTIVES = [
    "cold", "warm", "sunny", "quiet", "busy", "long", "good", "strange", "lovely", "hard",
    "wet", "bright", "nice", "easy", "late", "early", "tired", "happy", "hungry", "ready",
]  # fmt: skip
WEATHER = ["rain", "snow", "be sunny", "be cold", "be windy", "get warmer", "clear up"]
THOUGHTS = ["I think", "I guess", "I'm sure", "I hope", "She says", "He thinks", "They said", "We know"]
HANDWRITTEN = [
    "Could you pass me the salt, please?", "Thank you very much for your help.",
    "What time does the train leave?", "The meeting has been moved to Thursday.",
    "Don't forget to lock the door when you leave.", "It's a small world, isn't it?",
    "I'll call you back in five minutes.", "How was your day?", "Let's have pizza for dinner.",
    "The shop on the corner is closed on Sundays.", "Please turn off the lights.",
    "He couldn't find his glasses anywhere.", "We've been waiting for an hour.",
    "Is there anything I can do?", "The water is too hot to drink.", "Happy birthday!",
    "My phone is almost out of battery.", "She's learning to play the piano.",
    "The bus was late again this morning.", "Can I borrow your pen for a moment?",
    "I'm not sure what you mean.", "That sounds like a great idea.", "Where did you put the keys?",
    "It took us three hours to get there.", "The children are playing in the garden.",
    "Don't worry, everything will be fine.", "I haven't seen him since last summer.",
    "Would you like some more tea?", "The film starts at eight.", "We ran out of milk.",
    "My room is on the second floor.", "Turn left at the end of the street.",
    "The soup needs a little more salt.", "He always wakes up before six.",
    "I didn't know that you could cook.", "What are you doing this weekend?",
    "There's a letter for you on the table.", "She made a cake for the party.",
    "It's too late to change our plans now.", "The dog barked at the postman.",
    "I'd rather stay at home tonight.", "Why don't we walk instead?", "The sky is very clear tonight.",
    "He works at the hospital near the river.", "They moved to a new flat in May.",
    "You should drink more water.", "I can't hear you, the music is too loud.",
    "The price of bread went up again.", "Our train was cancelled, so we took a taxi.",
    "Write down your name and number here.", "It's 25 minutes past ten.", "I need 3 eggs and 2 lemons.",
    "Please send me the file by Friday.", "What's the weather like today?",
    "The kids fell asleep in the car.", "I left my umbrella on the bus.", "Who wants ice cream?",
    "We should leave early to avoid the traffic.", "Let me know if you need anything.",
    "The garden looks lovely in the spring.", "I'm afraid I can't come to the party.",
    "Have you ever been to the sea?", "My brother is taller than me.", "The room was dark and quiet.",
    "Breakfast is ready!", "Wait for me, I'm coming!", "The cat sat on the mat.",
    "It is raining again, so we will stay inside.", "Is it far from here?", "Take care of yourself.",
]  # fmt: skip


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def _third(person: str) -> bool:
    return person not in ("I", "you", "we", "they") and person not in ("the children", "our team", "everyone")


def everyday_sentence(rng) -> str:
    pick = lambda xs: xs[int(rng.integers(len(xs)))]  # noqa: E731
    who, verb, thing = pick(PEOPLE), pick(VERBS), pick(THINGS)
    place, time, adj = pick(PLACES), pick(TIMES), pick(ADJECTIVES)
    kind = int(rng.integers(12))
    if kind == 0:
        return f"{_cap(who)} {verb[1]} {thing} {time}."
    if kind == 1:
        return f"{pick(THOUGHTS)} it's going to {pick(WEATHER)}, so take {pick(THINGS)}."
    if kind == 2:
        aux = "Does" if _third(who) else "Do"
        return f"{aux} {who if who != 'I' else 'I'} {verb[0]} {thing}?"
    if kind == 3:
        return f"{_cap(who)} went to {place} {time}, but it was {adj}."
    if kind == 4:
        neg = "doesn't" if _third(who) else "don't"
        return f"{_cap(who)} {neg} {verb[0]} {thing} {time}."
    if kind == 5:
        return f"Where is {thing}? I can't find it."
    if kind == 6:
        be = "is" if _third(who) else "am" if who == "I" else "are"
        return f"{_cap(who)} {be} {verb[3]} {thing} at {place}."
    if kind == 7:
        return f"It was a {adj} day, and {who} {verb[1]} {thing}."
    if kind == 8:
        return f"We're going to {place} {time}, if it doesn't rain."
    if kind == 9:
        return f"Can you {verb[0]} {thing} before you go to {place}?"
    if kind == 10:
        n = int(rng.integers(2, 13))
        return f"{_cap(who)} waited for {n} minutes at {place}."
    return f"{_cap(who)} {verb[2] if _third(who) else verb[0]} {thing} {time}."


def everyday_text(seed: int = 7, lines: int = 900) -> list[str]:
    """Running text: each line 2-5 sentences; a hand-written sentence about one time in four."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = []
    for _ in range(lines):
        n = int(rng.integers(2, 6))
        sents = [
            HANDWRITTEN[int(rng.integers(len(HANDWRITTEN)))] if rng.random() < 0.25 else everyday_sentence(rng)
            for _ in range(n)
        ]
        out.append(" ".join(sents))
    return out
