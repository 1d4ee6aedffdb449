"""Findings from the trained classifiers: toxicity the word lists miss, and negative talk about
named organizations.

The classifiers score texts in batches (``scan`` scores 512 at a time; one text alone costs
over a millisecond), so this detector does not run them: it reads the signals computed before
the review (``Engine.review(..., signals=...)``) and reports nothing when there are none. Both
rules are fallbacks: when a word-list rule of the same category fired, its exact span wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import ahocorasick

from hashtags.policy.schema import Policy
from hashtags.review.detector import Hit, Rule
from hashtags.review.text import Document, fold
from hashtags.review.types import Category, Context, Severity

NEGATIVE_SENTIMENT = 0.45
"""Probability of negative sentiment (also the most likely class) from which a mention of an
organization is flagged. The sentiment heads spread their probability (dev macro-F1 about
0.58-0.67), so a clearly negative text scores 0.45-0.7."""
OFFENSIVE = 0.5
"""Offensive probability from which the classifier alone flags a text (and the head's own
decision must agree). The hate heads are reported as signals but flag nothing: the Spanish one
learnt from HatEval's tweets about immigration and fires on friendly posts ("Gracias por
venir"); see docs/models.md."""

RULES: tuple[Rule, ...] = (
    Rule(
        id="toxicity.classifier",
        category=Category.TOXICITY,
        severity=Severity.MEDIUM,
        action="review",
        fallback=True,
        title={"es": "Tono ofensivo", "en": "Offensive tone"},
        reason={
            "es": "El clasificador de toxicidad considera este texto ofensivo u hostil aunque "
            "no use palabras de la lista: la política pide respeto en todo lo que se publica.",
            "en": "The toxicity classifier reads this text as offensive or hostile even though "
            "it uses no listed word: the policy asks for respect in everything published.",
        },
        advice={
            "es": "Reescríbelo con un tono neutro o pide a otra persona que lo revise.",
            "en": "Rewrite it in a neutral tone or ask someone else to review it.",
        },
        example={
            "es": "Qué asco de gente, me dais pena todos, sois lo peor",
            "en": "What a pathetic bunch of clowns, nobody cares about you",
        },
    ),
    Rule(
        id="disparagement.negative-mention",
        category=Category.DISPARAGEMENT,
        severity=Severity.MEDIUM,
        action="review",
        fallback=True,
        title={
            "es": "Comentario negativo sobre otra empresa",
            "en": "Negative comment about another company",
        },
        reason={
            "es": "El texto habla en tono claramente negativo de una empresa con nombre: "
            "criticar a otras empresas (o a la tuya desde tu cuenta personal) puede ser "
            "desprestigio y expone a {org} a reclamaciones.",
            "en": "The text speaks about a named company in a clearly negative tone: "
            "criticising other companies (or your own from a personal account) can be "
            "disparagement and exposes {org} to claims.",
        },
        advice={
            "es": "Habla de lo que hacemos nosotros, sin valorar a otros, o pide revisión.",
            "en": "Talk about what we do without judging others, or ask for a review.",
        },
        example={
            "es": "Café Dolce siempre me decepciona, qué pena de sitio, no volveré nunca",
            "en": "Café Dolce is so bad, sad, boring and disappointing",
        },
    ),
)


class ClassifierDetector:
    """Turns precomputed classifier signals into findings."""

    id = "classifiers"

    def __init__(self, policy: Policy) -> None:
        org = policy.organization
        self._names = ahocorasick.Automaton()
        # Own brand names count only on personal accounts: a brand account's apology
        # ("Caféterra lamenta el retraso") is negative in tone and perfectly fine.
        for name in org.competitors:
            self._names.add_word(fold(name), (len(name), "other"))
        for name in org.all_brand_names:
            key = fold(name)
            if key not in self._names:
                self._names.add_word(key, (len(name), "own"))
        self._has_names = len(self._names) > 0
        if self._has_names:
            self._names.make_automaton()

    def rules(self) -> Sequence[Rule]:
        return RULES

    def scan(self, doc: Document, ctx: Context) -> Iterable[Hit]:
        signals = doc.signals
        if signals is None:
            return []
        hits: list[Hit] = []
        if signals.offensive and signals.offensive_score >= OFFENSIVE:
            hits.append(Hit("toxicity.classifier", 0, len(doc.text), score=signals.offensive_score))
        negative = signals.sentiment_scores.get("negative", 0.0)
        if self._has_names and signals.sentiment == "negative" and negative >= NEGATIVE_SENTIMENT:
            folded = doc.folded
            for end, (length, whose) in self._names.iter(folded):
                start = end - length + 1
                if start > 0 and folded[start - 1].isalnum():
                    continue
                if end + 1 < len(folded) and folded[end + 1].isalnum():
                    continue
                if whose == "own" and ctx.account != "personal":
                    continue
                hits.append(Hit("disparagement.negative-mention", start, end + 1, score=negative))
        return hits


def build(policy: Policy) -> ClassifierDetector:
    return ClassifierDetector(policy)
