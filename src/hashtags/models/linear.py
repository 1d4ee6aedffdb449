"""A multinomial logistic regression fitted with our own NumPy L-BFGS, for heads that are
trained where they are used: a reply library's intent head is fitted when the library is
loaded, from its own examples, so it needs no training run and no scikit-learn (SciPy only
holds the sparse blocks of :class:`Rows`).

The objective is the mean cross-entropy plus ``l2 / 2 * ||W||**2`` (the bias is not
penalised). Everything is deterministic: the same rows give the same weights.

Rows are a dense float32 array, or :class:`Rows`: a dense block beside a SciPy sparse block
(the sentence encoder's 16,384 latent terms, of which a message has about 200), so wide sparse
views cost their non-zeros only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

Float32Array = npt.NDArray[np.float32]


@dataclass(frozen=True, eq=False)
class Rows:
    """Feature rows as a dense block and a sparse block side by side (columns ``dense``'s,
    then ``sparse``'s), without building the wide matrix. Any SciPy sparse block is kept as
    CSR."""

    dense: Float32Array
    sparse: sp.csr_matrix

    def __post_init__(self) -> None:
        if not isinstance(self.sparse, sp.csr_matrix):
            object.__setattr__(self, "sparse", sp.csr_matrix(self.sparse))
        if self.dense.shape[0] != self.sparse.shape[0]:
            raise ValueError(
                f"{self.dense.shape[0]} dense rows beside {self.sparse.shape[0]} sparse rows"
            )

    @property
    def shape(self) -> tuple[int, int]:
        return self.dense.shape[0], self.dense.shape[1] + self.sparse.shape[1]

    def __len__(self) -> int:
        return int(self.dense.shape[0])

    def __matmul__(self, w: Float32Array) -> Float32Array:
        d = self.dense.shape[1]
        out: Float32Array = self.dense @ w[:d] + np.asarray(self.sparse @ w[d:], np.float32)
        return out

    def t_matmul(self, r: Float32Array) -> Float32Array:
        """``rows.T @ r``."""
        return np.vstack((self.dense.T @ r, np.asarray(self.sparse.T @ r, np.float32)))

    @staticmethod
    def stack(parts: list[Rows]) -> Rows:
        return Rows(
            np.vstack([p.dense for p in parts]),
            sp.vstack([p.sparse for p in parts], format="csr", dtype=np.float32),
        )


Matrix: TypeAlias = Float32Array | Rows


@dataclass(frozen=True)
class SoftmaxHead:
    """``softmax(x @ weights + bias)``; ``weights`` is ``(dims, classes)``."""

    weights: Float32Array
    bias: Float32Array

    def logits(self, x: Matrix) -> Float32Array:
        out: Float32Array = x @ self.weights + self.bias
        return out

    def probabilities(self, x: Matrix, temperature: float = 1.0) -> Float32Array:
        return softmax(self.logits(x) / np.float32(temperature))


def softmax(z: Float32Array) -> Float32Array:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: Float32Array = e / e.sum(axis=1, keepdims=True)
    return out


def fit_softmax(
    x: Matrix,
    y: npt.NDArray[np.int64],
    n_classes: int,
    *,
    l2: float,
    sample_weight: npt.NDArray[np.float64] | None = None,
    max_iter: int = 150,
    tol: float = 1e-5,
    memory: int = 10,
) -> SoftmaxHead:
    """Fit ``W`` and ``b`` on rows ``x`` (float32, or :class:`Rows`) with labels ``y`` in
    ``[0, n_classes)``."""
    n, d = x.shape
    if isinstance(x, Rows):
        x = Rows(np.ascontiguousarray(x.dense, dtype=np.float32), x.sparse.astype(np.float32))
    else:
        x = np.ascontiguousarray(x, dtype=np.float32)
    weight = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    weight = (weight / weight.sum()).astype(np.float32)
    onehot = np.zeros((n, n_classes), dtype=np.float32)
    onehot[np.arange(n), y] = 1.0
    size_w = d * n_classes

    def objective(theta: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        w = theta[:size_w].reshape(d, n_classes).astype(np.float32)
        b = theta[size_w:].astype(np.float32)
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(z).sum(axis=1, keepdims=True))
        log_p = z - log_norm
        loss = -float(np.sum(weight * np.sum(onehot * log_p, axis=1)))
        residual = (np.exp(log_p) - onehot) * weight[:, None]
        grad_w = _t_matmul(x, residual).astype(np.float64) + l2 * w.astype(np.float64)
        grad_b = residual.sum(axis=0).astype(np.float64)
        loss += 0.5 * l2 * float(np.sum(w.astype(np.float64) ** 2))
        return loss, np.concatenate((grad_w.ravel(), grad_b))

    theta = _lbfgs(objective, np.zeros(size_w + n_classes), max_iter, tol, memory)
    return SoftmaxHead(
        theta[:size_w].reshape(d, n_classes).astype(np.float32),
        theta[size_w:].astype(np.float32),
    )


def _t_matmul(x: Matrix, r: Float32Array) -> Float32Array:
    """``x.T @ r``."""
    if isinstance(x, Rows):
        return x.t_matmul(r)
    out: Float32Array = x.T @ r
    return out


def _lbfgs(
    objective: object,
    theta: npt.NDArray[np.float64],
    max_iter: int,
    tol: float,
    memory: int,
) -> npt.NDArray[np.float64]:
    """Minimise with L-BFGS (two-loop recursion) and a backtracking Armijo line search."""
    f = objective  # a callable returning (value, gradient)
    value, grad = f(theta)  # type: ignore[operator]
    s_list: list[npt.NDArray[np.float64]] = []
    y_list: list[npt.NDArray[np.float64]] = []
    for _ in range(max_iter):
        if float(np.max(np.abs(grad))) < tol:
            break
        q = grad.copy()
        alphas = []
        for s, yv in zip(reversed(s_list), reversed(y_list), strict=True):
            rho = 1.0 / float(yv @ s)
            a = rho * float(s @ q)
            alphas.append((rho, a))
            q -= a * yv
        if s_list:
            q *= float(s_list[-1] @ y_list[-1]) / float(y_list[-1] @ y_list[-1])
        else:
            q /= max(1.0, float(np.linalg.norm(q)))
        for (s, yv), (rho, a) in zip(
            zip(s_list, y_list, strict=True), reversed(alphas), strict=True
        ):
            b = rho * float(yv @ q)
            q += (a - b) * s
        direction = -q
        slope = float(grad @ direction)
        if slope >= 0:  # not a descent direction: restart from the gradient
            s_list.clear()
            y_list.clear()
            direction = -grad / max(1.0, float(np.linalg.norm(grad)))
            slope = float(grad @ direction)
        step = 1.0
        for _ in range(30):
            candidate = theta + step * direction
            new_value, new_grad = f(candidate)  # type: ignore[operator]
            if new_value <= value + 1e-4 * step * slope:
                break
            step *= 0.5
        else:
            break
        s_new, y_new = candidate - theta, new_grad - grad
        if float(s_new @ y_new) > 1e-10:
            s_list.append(s_new)
            y_list.append(y_new)
            if len(s_list) > memory:
                s_list.pop(0)
                y_list.pop(0)
        improvement = value - new_value
        theta, value, grad = candidate, new_value, new_grad
        if improvement < tol * max(1.0, abs(value)) * 1e-3:
            break
    return theta
