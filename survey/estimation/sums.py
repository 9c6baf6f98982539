"""Grouped sums on flat arrays: the few primitives every variance path is built from."""

from __future__ import annotations

import numpy as np


def bincount_rows(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Bincount each row of a (k, m) array into (k, size); rows are contiguous, which bincount needs."""
    out = np.empty((values.shape[0], size), dtype=np.float64)
    for j in range(values.shape[0]):
        out[j] = np.bincount(index, weights=values[j], minlength=size)
    return out


def bincount_columns(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Column-wise bincount of a (m, k) array into (size, k); for small arrays."""
    return bincount_rows(index, np.ascontiguousarray(values.T), size).T


def pair_index(left: np.ndarray, right: np.ndarray, right_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Dense ids of (left, right) pairs: (sorted unique keys, inverse index)."""
    keys = left.astype(np.int64) * np.int64(right_size) + right.astype(np.int64)
    if keys.size == 0:
        return keys, keys
    space = int(keys.max()) + 1
    if space <= max(8 * keys.size, 1 << 16):
        # Marking a dense key space is O(n), several times faster than sorting.
        seen = np.zeros(space, dtype=bool)
        seen[keys] = True
        unique = np.flatnonzero(seen)
        rank = np.cumsum(seen, dtype=np.int32 if space < 2**31 else np.int64) - 1
        return unique.astype(np.int64), rank[keys]
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, inverse.astype(np.int64)


def sum_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Sum rows of `values` (m, ...) into `size` bins given by `index`; for small arrays."""
    flat = values.reshape(values.shape[0], -1)
    out = bincount_columns(index, flat, size) if flat.shape[1] else np.zeros((size, 0))
    return out.reshape((size, *values.shape[1:]))


def expand_within(owner: np.ndarray, counts: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair each item with every member of its owner's block (blocks sorted, at `starts`, of `counts`).

    Returns (item ids, block-member positions).
    """
    reps = counts[owner]
    left = np.repeat(np.arange(owner.size), reps)
    within = np.arange(left.size) - np.repeat(np.cumsum(reps) - reps, reps)
    return left, starts[owner[left]] + within




def first_rows(inverse: np.ndarray, size: int) -> np.ndarray:
    """For each of `size` groups, the first row (lowest index) that falls in it."""
    first = np.full(size, inverse.size, dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(inverse.size, dtype=np.int64))
    return first
