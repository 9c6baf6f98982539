"""Sums over offenders by group, in an order fixed by the data alone: the same bits on any machine and worker.

Every measure is a sum over the offenders of a group (all, an age band, a programme's participants, ...). A
matrix product (`masks @ values`) computes those sums fastest, but BLAS splits the sum across its threads, and
the number of threads differs between this process (one per core) and a Dask worker (one): the last digits of
`committed_per_100` or `custody_days` then depended on where the reduction ran (issue 21).

Here the offenders are first sorted into *cells*: offenders who belong to exactly the same groups. Each cell's
sum is accumulated offender by offender in cohort order (`numpy.add.reduceat` down the rows of the offenders
sorted by cell, stably), and a group's sum is the sum of its cells' sums in cell order (`numpy.add.reduce`
along rows, no BLAS). Nothing depends on
threads, on the CPU's vector width or on the worker, and one pass over the offenders serves every group.
"""

from __future__ import annotations

import numpy as np

_MAX_CODE = 1 << 52
"""Cell codes are renumbered before they could overflow (two to the power of the masks folded in)."""


def offender_cells(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each offender's cell and each cell's membership of each group.

    `masks` is groups x offenders (bool). Returns (cell of each offender, 0..C-1 in order of the cells' membership
    codes; groups x cells membership, bool).

    >>> cells, membership = offender_cells(np.array([[1, 1, 1, 1], [1, 0, 1, 0]], dtype=bool))
    >>> cells.tolist(), membership.tolist()
    ([1, 0, 1, 0], [[True, True], [False, True]])
    """
    groups, offenders = masks.shape
    code = np.zeros(offenders, dtype=np.int64)
    span = 1
    for row in masks:
        code = code * 2 + row
        span *= 2
        if span >= _MAX_CODE:
            _, code = np.unique(code, return_inverse=True)
            span = int(code.max()) + 1
    _, first, cells = np.unique(code, return_index=True, return_inverse=True)
    return cells.reshape(offenders), masks[:, first] if groups else np.zeros((0, first.size), dtype=bool)


_CELLS: dict[tuple[tuple[int, ...], bytes], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
_CELLS_KEPT = 8


def cached_cells(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`offender_cells` of `masks`, with the offenders in cell order (a stable sort, so cohort order within a cell)
    and where each cell starts; kept for the next call with the same masks (a replication's runs share the
    cohort's groups; recognised by a digest of the packed masks, which costs far less than sorting again)."""
    import hashlib

    key = (masks.shape, hashlib.blake2b(np.packbits(masks, axis=None).tobytes(), digest_size=16).digest())
    found = _CELLS.get(key)
    if found is None:
        if len(_CELLS) >= _CELLS_KEPT:
            _CELLS.clear()
        cells, membership = offender_cells(masks)
        order = np.argsort(cells, kind="stable")
        starts = np.searchsorted(cells[order], np.arange(membership.shape[1]))
        found = _CELLS[key] = (cells, membership, order, starts)
    return found


def group_sums(masks: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per group (rows of `masks`): the number of offenders and the column sums of `values` (offenders x columns).

    The result depends only on the inputs, never on threads or the machine (see the module docstring): each
    cell's rows are added one after another in cohort order (`numpy.add.reduceat` along the offenders), then a
    group's cells in cell order.

    >>> masks = np.array([[True, True, True], [True, False, True]])
    >>> n, sums = group_sums(masks, np.array([[1.0, 10.0], [2.0, 20.0], [4.0, 40.0]]))
    >>> n.tolist(), sums.tolist()
    ([3, 2], [[7.0, 70.0], [5.0, 50.0]])
    """
    masks = np.asarray(masks, dtype=bool)
    values = np.asarray(values, dtype=float)
    groups = masks.shape[0]
    columns = values.shape[1]
    if groups == 0 or masks.shape[1] == 0:
        return np.zeros(groups, dtype=np.int64), np.zeros((groups, columns))
    _, membership, order, starts = cached_cells(masks)
    cell_sums = np.add.reduceat(values[order], starts, axis=0)
    cell_counts = np.diff(np.append(starts, order.size))
    n = np.array([int(cell_counts[member].sum()) for member in membership], dtype=np.int64)
    sums = np.stack([np.add.reduce(cell_sums[member], axis=0) for member in membership])
    return n, sums


def group_moment_sums(masks: np.ndarray, columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group (rows of `masks`): the number of offenders, and for each array of `columns` (one value per
    offender) the sum and the sum of squares, in the same fixed order as `group_sums` (one column at a time: no
    matrix of every column is built, which took longer than the sums).

    >>> n, sums, squares = group_moment_sums(np.array([[True, True, True], [True, False, True]]),
    ...                                      [np.array([1.0, 2.0, 4.0])])
    >>> n.tolist(), sums.tolist(), squares.tolist()
    ([3, 2], [[7.0], [5.0]], [[21.0], [17.0]])
    """
    masks = np.asarray(masks, dtype=bool)
    groups = masks.shape[0]
    if groups == 0 or masks.shape[1] == 0:
        empty = np.zeros((groups, len(columns)))
        return np.zeros(groups, dtype=np.int64), empty, empty.copy()
    _, membership, order, starts = cached_cells(masks)
    cell_sums = np.empty((membership.shape[1], len(columns)))
    cell_squares = np.empty_like(cell_sums)
    for j, column in enumerate(columns):
        ordered = np.asarray(column, dtype=float)[order]
        cell_sums[:, j] = np.add.reduceat(ordered, starts)
        cell_squares[:, j] = np.add.reduceat(ordered * ordered, starts)
    cell_counts = np.diff(np.append(starts, order.size))
    n = np.array([int(cell_counts[member].sum()) for member in membership], dtype=np.int64)
    sums = np.stack([np.add.reduce(cell_sums[member], axis=0) for member in membership])
    squares = np.stack([np.add.reduce(cell_squares[member], axis=0) for member in membership])
    return n, sums, squares
