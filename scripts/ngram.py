"""A smoothed word n-gram baseline for the word models: interpolated Kneser-Ney.

`kneser_ney_perplexity(corpus, vocab, n)` counts an order-n interpolated Kneser-Ney model
(Chen & Goodman 1998, one discount per order, D = n1 / (n1 + 2 n2) from the counts of
counts) on the training lines of a Corpus and scores the held-out lines exactly as
`train()` scores a next-word model: every token of a line but the first, given the tokens
before it in that line (a line starts from <s> padding, as the model starts from a zero
state), words outside the model's vocabulary read as <unk>. Returns (perplexity, top-1
accuracy), comparable with exp(held-out loss) and the held-out accuracy of the model.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

BOS = "<s>"


class KneserNey:
    def __init__(self, lines: list[list[str]], vocab: list[str], n: int):
        self.n, self.vocab = n, vocab
        # counts[k][(context, w)], context k words long: the top order counts tokens; a
        # lower order counts the distinct words seen before context + w (continuation counts)
        self.counts: list[Counter] = [Counter() for _ in range(n)]
        grams: set[tuple[str, ...]] = set()
        for line in lines:
            padded = [BOS] * (n - 1) + line
            for t in range(n - 1, len(padded)):
                gram = tuple(padded[t - n + 1 : t + 1])
                self.counts[n - 1][gram[:-1], gram[-1]] += 1
                for k in range(1, n):  # every suffix of length k once per distinct gram
                    grams.add(gram[n - 1 - k :])
        for g in grams:
            self.counts[len(g) - 2][g[1:-1], g[-1]] += 1  # one more word seen before g[1:]
        self.totals: list[Counter] = [Counter() for _ in range(n)]
        self.types: list[Counter] = [Counter() for _ in range(n)]
        self.by_context: list[defaultdict] = [defaultdict(dict) for _ in range(n)]
        self.discount = []
        for k in range(n):
            hist = Counter(self.counts[k].values())
            n1, n2 = hist.get(1, 0), hist.get(2, 0)
            self.discount.append(n1 / (n1 + 2 * n2) if n1 + n2 else 0.75)
            for (ctx, w), c in self.counts[k].items():
                self.totals[k][ctx] += c
                self.types[k][ctx] += 1
                self.by_context[k][ctx][w] = c

    def prob(self, context: tuple[str, ...], w: str) -> float:
        p = 1.0 / len(self.vocab)
        for k in range(self.n):
            ctx = context[len(context) - k :] if k else ()
            total = self.totals[k].get(ctx, 0)
            if not total:
                continue
            d = self.discount[k]
            c = self.by_context[k][ctx].get(w, 0)
            p = max(c - d, 0.0) / total + d * self.types[k][ctx] / total * p
        return p

    def best(self, context: tuple[str, ...]) -> str:
        """The likeliest word after `context`. A word never seen after any suffix of the
        context has the lowest orders' probability times the same factors as every such
        word, so the commonest of them (by the unigram level) is the only one to try."""
        candidates = {self.top_unigram}
        for k in range(1, self.n):
            candidates |= set(self.by_context[k].get(context[len(context) - k :], ()))
        return max(sorted(candidates), key=lambda w: self.prob(context, w))

    @property
    def top_unigram(self) -> str:
        return max(sorted(self.by_context[0][()]), key=lambda w: self.by_context[0][()][w])


def kneser_ney_perplexity(corpus, vocab, n: int = 3, holdout: float = 0.1) -> tuple[float, float]:
    """(held-out perplexity, held-out top-1 accuracy) of an order-n KN model."""
    train_idx, held_idx = corpus.split(holdout)
    known = set(vocab.tokens)

    def words(i):
        return [w if w in known else "<unk>" for w in corpus.sentences[i]]

    lm = KneserNey([words(i) for i in train_idx], list(vocab.tokens), n)
    nll = right = total = 0
    for i in held_idx:
        line = [BOS] * (n - 1) + words(i)
        for t in range(n, len(line)):  # from the line's second token on
            ctx = tuple(line[t - n + 1 : t])
            nll -= math.log(lm.prob(ctx, line[t]))
            right += lm.best(ctx) == line[t]
            total += 1
    return math.exp(nll / total), right / total
