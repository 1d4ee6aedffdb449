"""Probe: a small convolutional head over the shipped word vectors, next to the shipped heads.

    python -m training.cnn_probe HEAD [HEAD...] [--filters 64] [--width 3] [--epochs 8]

For each head: a 1-D convolution over the text's token vectors (the shipped table, frozen),
ReLU, max-pooling over time, then a linear layer; trained with Adam on the head's own training
rows, 10 % of them held back (seeded) for early stopping and to choose the blend weight and
the threshold. Printed: development macro-F1 of the shipped head, the CNN alone, and the blend
of their logits. Needs JAX and optax (``pip install jax optax``; not project dependencies).

Recorded in docs/benchmarks.md ("A convolutional head over the word vectors"): it lost to the
shipped heads alone, so nothing of it is shipped.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from hashtags.models.features import token_hashes
from hashtags.models.text import HEADS_BY_LANG, TextClassifier
from training.data import SEED
from training.text_models import datasets

MAX_TOKENS = 64


def sequences(model: TextClassifier, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(n, MAX_TOKENS)`` table indices (0 = padding; index i+1 is table row i) and lengths."""
    row, token_hash = token_hashes(texts)
    vectors = model.vectors
    pos = np.searchsorted(vectors.hashes, token_hash)
    pos[pos == len(vectors.hashes)] = 0
    hit = vectors.hashes[pos] == token_hash
    row, pos = row[hit], pos[hit]
    out = np.zeros((len(texts), MAX_TOKENS), dtype=np.int32)
    lengths = np.zeros(len(texts), dtype=np.int32)
    starts = np.searchsorted(row, np.arange(len(texts)))
    for i in range(len(texts)):
        end = starts[i + 1] if i + 1 < len(texts) else len(row)
        ids = pos[starts[i] : end][:MAX_TOKENS]
        out[i, : len(ids)] = ids + 1
        lengths[i] = len(ids)
    return out, lengths


def shipped_logits(model: TextClassifier, texts: list[str], head: str) -> np.ndarray:
    lang = head.rsplit("_", 1)[1]
    probs, _ = model.scores(texts, [lang] * len(texts))
    if head.startswith("sentiment"):
        return np.log(np.clip(probs[:, 2:], 1e-7, 1.0))
    p = np.clip(probs[:, 0 if head.startswith("offensive") else 1], 1e-7, 1 - 1e-7)
    out: np.ndarray = np.log(p / (1 - p))[:, None]
    return out


def probe(head: str, args: argparse.Namespace, model: TextClassifier, table: np.ndarray) -> None:
    import jax
    import jax.numpy as jnp
    import optax

    emb = jnp.asarray(table)
    data = datasets()
    assert head.rsplit("_", 1)[1] in HEADS_BY_LANG
    train, dev, _ = data[head]
    sentiment = head.startswith("sentiment")
    classes = sorted(set(train.labels))
    y_all = np.array([classes.index(v) for v in train.labels])
    y_dev = np.array([classes.index(v) for v in dev.labels])
    x_all, _ = sequences(model, train.texts)
    x_dev, _ = sequences(model, dev.texts)
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(y_all))
    n_val = len(y_all) // 10
    val_idx, fit_idx = order[:n_val], order[n_val:]
    k = len(classes) if sentiment else 1
    key = jax.random.PRNGKey(SEED)
    k1, k2 = jax.random.split(key)
    d = table.shape[1]
    params = {
        "w": jax.random.normal(k1, (args.width, d, args.filters)) / np.sqrt(args.width * d),
        "b": jnp.zeros(args.filters),
        "v": jax.random.normal(k2, (args.filters, k)) / np.sqrt(args.filters),
        "c": jnp.zeros(k),
    }
    counts = np.bincount(y_all[fit_idx], minlength=len(classes))
    class_w = jnp.asarray(len(fit_idx) / (len(classes) * counts), dtype=jnp.float32)

    def forward(p: Any, x: Any, drop_key: Any = None) -> Any:
        e = emb[x]  # (b, L, d)
        mask = (x > 0).astype(jnp.float32)
        if drop_key is not None:
            keep = jax.random.bernoulli(drop_key, 1 - args.dropout, (*e.shape[:2], 1))
            e = e * keep
        pad = args.width - 1
        e = jnp.pad(e, ((0, 0), (pad, 0), (0, 0)))
        h = sum(
            jnp.einsum("bld,df->blf", e[:, i : i + MAX_TOKENS], p["w"][i])
            for i in range(args.width)
        )
        h = jax.nn.relu(h + p["b"])
        h = jnp.where(mask[:, :, None] > 0, h, 0.0).max(axis=1)
        return h @ p["v"] + p["c"]

    def loss_fn(p: Any, x: Any, y: Any, drop_key: Any) -> Any:
        logits = forward(p, x, drop_key)
        if sentiment:
            losses = optax.softmax_cross_entropy_with_integer_labels(logits, y)
            return (losses * class_w[y]).mean()
        return optax.sigmoid_binary_cross_entropy(logits[:, 0], y.astype(jnp.float32)).mean()

    opt = optax.adamw(args.lr, weight_decay=args.wd)
    state = opt.init(params)

    @jax.jit  # type: ignore[untyped-decorator]  # jax is not installed here (no stubs)
    def step(p: Any, s: Any, x: Any, y: Any, drop_key: Any) -> Any:
        loss, grads = jax.value_and_grad(loss_fn)(p, x, y, drop_key)
        updates, s = opt.update(grads, s, p)
        return optax.apply_updates(p, updates), s, loss

    predict = jax.jit(forward)
    ship_all = shipped_logits(model, train.texts, head)
    ship_dev = shipped_logits(model, dev.texts, head)

    def score(logits: np.ndarray, y: np.ndarray, threshold: float | None = None) -> float:
        if sentiment:
            return float(f1_score(y, logits.argmax(1), average="macro"))
        return float(f1_score(y, logits[:, 0] >= (threshold or 0.0), average="macro"))

    def best_threshold(logits: np.ndarray, y: np.ndarray) -> float:
        grid = np.quantile(logits[:, 0], np.linspace(0.2, 0.9, 71))
        return float(max(grid, key=lambda t: score(logits, y, t)))

    best: tuple[float, Any, int] = (-1.0, None, -1)
    started = time.perf_counter()
    drop_key = jax.random.PRNGKey(SEED + 1)
    for epoch in range(args.epochs):
        perm = rng.permutation(fit_idx)
        for i in range(0, len(perm), 64):
            batch = perm[i : i + 64]
            drop_key, sub = jax.random.split(drop_key)
            params, state, _ = step(params, state, x_all[batch], y_all[batch], sub)
        val_logits = np.asarray(predict(params, x_all[val_idx]))
        f = score(
            val_logits,
            y_all[val_idx],
            None if sentiment else best_threshold(val_logits, y_all[val_idx]),
        )
        if f > best[0]:
            best = (f, jax.tree_util.tree_map(np.asarray, params), epoch)
    params = best[1]
    val_cnn = np.asarray(predict(params, x_all[val_idx]))
    dev_cnn = np.asarray(predict(params, x_dev))
    if sentiment:
        val_cnn = np.asarray(jax.nn.log_softmax(val_cnn))
        dev_cnn = np.asarray(jax.nn.log_softmax(dev_cnn))
    # Blend weight and threshold on the held-back 10 % (the shipped head saw those rows).
    results = {}
    for alpha in (0.0, 0.25, 0.5, 0.75, 1.0):
        val = (1 - alpha) * ship_all[val_idx] + alpha * val_cnn
        dev_b = (1 - alpha) * ship_dev + alpha * dev_cnn
        t = None if sentiment else best_threshold(val, y_all[val_idx])
        results[alpha] = (score(val, y_all[val_idx], t), score(dev_b, y_dev, t))
    if not sentiment:
        t0 = model._thresholds[head]
        shipped = score(ship_dev, y_dev, float(np.log(t0 / (1 - t0))))
        print(f"  shipped at its threshold: dev {shipped:.4f}")
    print(f"{head}: best epoch {best[2]} val {best[0]:.4f} ({time.perf_counter() - started:.0f} s)")
    for alpha, (v, dv) in results.items():
        print(f"  alpha {alpha:.2f}: held-back {v:.4f}  dev {dv:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("heads", nargs="+")
    parser.add_argument("--filters", type=int, default=64)
    parser.add_argument("--width", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--wd", type=float, default=1e-4)
    args = parser.parse_args()
    model = TextClassifier.load()
    table = model.vectors.vectors.astype(np.float32) * model.vectors.scales[:, None]
    table /= table.std()
    table = np.vstack((np.zeros((1, table.shape[1]), dtype=np.float32), table))
    for head in args.heads:
        probe(head, args, model, table)


if __name__ == "__main__":
    main()
