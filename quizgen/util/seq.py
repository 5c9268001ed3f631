"""The sequence protocol of sets whose problems are drawn on demand (problems.LazyProblems, quiz.prepared)."""

from __future__ import annotations


class OnDemand:
    """len, indexing (negative indices, slices) and iteration over n items, each got by `_get(i)` when asked for."""

    _n: int

    def _get(self, i: int):
        raise NotImplementedError

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._get(i)

    def __iter__(self):
        for i in range(self._n):
            yield self[i]
