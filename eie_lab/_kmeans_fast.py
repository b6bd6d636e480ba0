"""Fast engines behind :func:`eie_lab.quantizer.kmeans_1d` (private; no public API).

The readable reference is :func:`eie_lab.quantizer.lloyd`; these engines run the same Lloyd
iteration (nearest centroid with ties to the lower one, each centroid the mean of its points,
empty clusters moved by scikit-learn's rule) and are tested against it in
``tests/test_quantize.py``. :func:`kmeans` picks one:

* :func:`lloyd_weighted` (the **sorted** engine): sort once; each iteration is a
  ``searchsorted`` of the ``k - 1`` midpoints into the sorted points plus differences of prefix
  sums, ``O(k log n)`` per iteration instead of ``O(n)``. It follows the same path as the
  readable loop, up to rounding in the means (which can decide an exact tie the other way,
  e.g. which end of a two-point cluster an empty centroid moves to).
* :func:`kmeans_hist` (the **histogram** engine, float32 with >= :data:`HIST_MIN` values and
  k <= 255; no full sort). The floats are counted into 2**20 buckets of an order-preserving key
  (two ``np.bincount`` passes, the second one summing ``x - shift`` in float64, which also gives
  the total sum of squares). Then:

  1. a few weighted Lloyd steps on the bucket means (this is where empty clusters, e.g. linear
     centroids inside the gap left by pruning, are relocated);
  2. Newton's method on the Lloyd fixed-point equation ``F(c) = c`` of a smooth model of the
     data (points spread evenly inside each bucket). ``F``'s Jacobian is tridiagonal: a
     centroid moves with the density at its two midpoints. A Newton step is kept only when it
     shrinks the residual ``max |F(c) - c|``, else a plain Lloyd step is taken;
  3. exact iterations: whole buckets come from the histogram and only the buckets around the
     midpoints are pulled out and sorted. Each iteration tries the model's Newton step and
     keeps it only if its exact SSE is below the Lloyd step's, so the SSE never increases. It
     stops when a Lloyd step leaves the assignment unchanged: an exact Lloyd fixed point
     (every point nearest its centroid, every centroid the exact mean of its points), possibly
     a different (often slightly better) one than the readable loop's.

  If phase 2 or 3 does not settle within ``_BUDGET`` iterations, plain Lloyd is run from the
  initial centroids instead (bucket means to convergence, model to a 1e-12 residual, exact).
  Final labels: a table over the bucket keys, ``searchsorted`` for the pulled-out points.

* :func:`labels_float32`: exact labels ``sum(x > mid)`` of float32 data via a table on the top
  16 bits of each float and ``searchsorted`` only near the midpoints.
"""

from __future__ import annotations

import numpy as np

_BITS = 20  # histogram key bits
_NB = 1 << _BITS
_WIN = 1  # buckets pulled out on each side of a midpoint's bucket (first time)
_WARMUP = 8  # phase-1 Lloyd steps on the bucket means
_TOL = 1e-5  # phase-2 stop: centroid residual relative to the largest |centroid|
_BUDGET = 60  # iterations of each Newton phase before falling back to plain Lloyd
_SMOOTH = 0.05  # density for the Jacobian: over +-_SMOOTH of the gap between centroids

#: float32 inputs at least this large (and k <= 255) use the histogram engine.
HIST_MIN = 1 << 18


def kmeans(x: np.ndarray, c: np.ndarray, max_iter: int):
    """Lloyd on flat finite data ``x`` from sorted centroids ``c`` with the fastest engine.

    Returns ``(codebook, labels, sse_history, n_iter, converged)`` as
    :class:`eie_lab.quantizer.KMeansResult` documents them; labels are uint8 for float32 data
    with ``k <= 255``.
    """
    if x.dtype == np.float32 and x.size >= HIST_MIN and c.size <= 255:
        res = kmeans_hist(np.ascontiguousarray(x), c, max_iter)
        if res is not None:
            return res
    xs = np.sort(x)  # sort in the input dtype (faster), sum in float64
    shift = float(xs[xs.size // 2])  # centre the data: keeps the prefix sums well conditioned
    xs = np.subtract(xs, shift, dtype=np.float64)
    c, _, n_iter, history, converged = lloyd_weighted(xs, None, c - shift, max_iter)
    codebook = c + shift
    mid = (codebook[:-1] + codebook[1:]) / 2.0
    if x.dtype == np.float32 and c.size <= 255:
        labels = labels_float32(np.ascontiguousarray(x), mid)
    else:
        labels = np.searchsorted(mid, x.astype(np.float64), side="left")
    return codebook, labels, np.array(history), n_iter, converged


def lloyd_weighted(xs, wt, c, max_iter):
    """Lloyd on sorted points ``xs`` with weights ``wt`` (None = 1; empty clusters moved)."""
    if wt is None:
        pc, ps = np.arange(xs.size + 1.0), np.concatenate(([0.0], np.cumsum(xs)))
        total_sq = float(np.dot(xs, xs))
    else:
        pc = np.concatenate(([0.0], np.cumsum(wt)))
        ps = np.concatenate(([0.0], np.cumsum(wt * xs)))
        total_sq = float(np.dot(wt, xs * xs))

    def bounds(cent):
        return np.concatenate(([0], np.searchsorted(xs, (cent[:-1] + cent[1:]) / 2.0,
                                                    side="right"), [xs.size]))

    b = bounds(c)
    history = [sse(total_sq, np.diff(pc[b]), np.diff(ps[b]), c)]
    n_iter, converged = 0, False
    while n_iter < max_iter:
        n, sums = np.diff(pc[b]), np.diff(ps[b])
        c = np.where(n > 0, sums / np.where(n > 0, n, 1.0), c)
        empty = np.flatnonzero(n == 0)
        if empty.size:
            c = _relocate(c, empty, b, n, sums, xs, wt)
        n_iter += 1
        new_b = bounds(c)
        history.append(sse(total_sq, np.diff(pc[new_b]), np.diff(ps[new_b]), c))
        stalled = history[-1] >= history[-2]  # no progress at floating-point resolution
        b, converged = new_b, bool(np.array_equal(new_b, b) or stalled)
        if converged:
            break
    return c, b, n_iter, history, converged


def sse(total_sq, n, sums, c):
    """SSE of clusters with counts ``n``, sums ``sums`` and centroids ``c`` (sum of x**2 given)."""
    return max(total_sq + float(np.sum(n * c * c - 2.0 * c * sums)), 0.0)


def _relocate(c, empty, b, n, sums, xs, wt):
    """Move each empty centroid onto the farthest point of the worst cluster (sklearn's rule)."""
    mean = sums / np.maximum(n, 1e-300)
    # weighted SSE of each cluster about its mean (direct sums: relocations are rare)
    w = np.ones(xs.size) if wt is None else wt
    spread = np.array([float(np.dot(w[b[j]:b[j + 1]], (xs[b[j]:b[j + 1]] - mean[j]) ** 2))
                       if b[j + 1] - b[j] > 1 else 0.0 for j in range(n.size)])
    c = c.copy()
    for e in empty:
        j = int(np.argmax(spread))
        if spread[j] <= 0.0:
            break
        lo, hi = xs[b[j]], xs[b[j + 1] - 1]
        c[e] = lo if mean[j] - lo > hi - mean[j] else hi
        spread[j] = -1.0
    return np.sort(c)


def _key16(h: np.ndarray) -> np.ndarray:
    """Top 16 bits of float32 values (as uint16) -> an order-preserving uint16 key."""
    return h ^ ((h >> np.uint16(15)) * np.uint16(0x7FFF)) ^ np.uint16(0x8000)


_HI = slice(1, None, 2) if np.little_endian else slice(0, None, 2)


def floor32(m: np.ndarray) -> np.ndarray:
    """Largest float32 <= m (so that x > m  <=>  x > floor32(m) for float32 x); no -0.0."""
    m32 = m.astype(np.float32)
    m32 = np.where(m32.astype(np.float64) > m, np.nextafter(m32, np.float32(-np.inf)), m32)
    return m32 + np.float32(0.0)


def _key20(x: np.ndarray) -> np.ndarray:
    """Order-preserving 20-bit keys (top 20 bits of the float32 pattern, negatives flipped)."""
    k = x.view(np.uint32) >> np.uint32(32 - _BITS)
    return k ^ ((k >> np.uint32(_BITS - 1)) * np.uint32((1 << (_BITS - 1)) - 1)) ^ np.uint32(
        1 << (_BITS - 1))


def _key_value(b: np.ndarray) -> np.ndarray:
    """Smallest float32 value (as float64) whose key is ``b`` (inverse of :func:`_key20`)."""
    top = np.uint32(1 << (_BITS - 1))
    b = b.astype(np.uint32)
    u = np.where(b >= top, b ^ top, b ^ np.uint32((1 << _BITS) - 1)) << np.uint32(32 - _BITS)
    u = np.where(b >= top, u, u | np.uint32((1 << (32 - _BITS)) - 1))
    return u.view(np.float32).astype(np.float64)


def labels_float32(x: np.ndarray, mid: np.ndarray) -> np.ndarray:
    """Labels of float32 data, exactly ``sum(x > mid)``: a table on each float's top 16 bits
    (as an order-preserving key), and ``searchsorted`` for values in a bucket with a midpoint."""
    m32 = floor32(mid)
    mh = _key16(m32.view(np.uint16)[_HI])
    lut = np.searchsorted(mh, np.arange(65536, dtype=np.uint16), side="left").astype(np.uint8)
    lut[mh] = 255
    lab = lut[_key16(x.view(np.uint16)[_HI])]
    near = np.flatnonzero(lab == 255)
    lab[near] = np.searchsorted(m32, x[near], side="left")
    return lab


class _Hist:
    """Histogram of float32 data: counts ``cnt`` and sums ``sm`` of ``x - shift`` per bucket,
    and their prefix sums ``pc``, ``ps`` over the non-empty buckets ``nz``."""

    def __init__(self, x, key, cnt, nz):
        self.x, self.key, self.cnt, self.nz, self.n = x, key, cnt, nz, x.size
        self.shift = float(np.median(x[:: max(1, x.size // 4095)]))  # a central value
        xd = x.astype(np.float64)
        xd -= self.shift
        self.sm = np.bincount(key, weights=xd, minlength=_NB)
        self.total_sq = float(np.dot(xd, xd))  # about the shift, for precision
        del xd
        self.pc = np.concatenate(([0], np.cumsum(cnt[nz])))
        self.ps = np.concatenate(([0.0], np.cumsum(self.sm[nz])))
        self.cached = cnt == 0  # buckets whose points are known (empty ones trivially)
        self.n_ext = 0
        self.ext = [np.zeros(0, np.float32), np.zeros(0, np.intp), np.zeros(1),
                    np.zeros(0, np.intp)]  # sorted values, their keys, cumsum; positions in x

    def below(self, v):
        """Model count and sum (about the shift) of the points below the values ``v``."""
        b = _key20(floor32(v)).astype(np.intp)
        lo, hi = _key_value(b), _key_value(np.minimum(b + 1, _NB - 1))
        f = np.clip((v - lo) / np.where(hi > lo, hi - lo, 1.0), 0.0, 1.0)
        i = np.searchsorted(self.nz, b)  # buckets below b
        return self.pc[i] + self.cnt[b] * f, self.ps[i] + self.sm[b] * f

    def model(self, c):
        """Lloyd map of the smooth model (points spread evenly inside each bucket) at ``c``."""
        cb, sb = self.below((c[:-1] + c[1:]) / 2.0)
        n = np.diff(np.concatenate(([0.0], cb, [self.n])))
        s = np.diff(np.concatenate(([0.0], sb, [self.ps[-1]])))
        ok = n > 0.5
        return np.where(ok, s / np.where(ok, n, 1.0) + self.shift, c), bool(ok.all())

    def jacobian(self, c, f):
        """Jacobian of the Lloyd map at ``c`` (``f`` = the map's value), tridiagonal: centroid j
        moves with the point density at its midpoints, measured over +-_SMOOTH of the gap."""
        m, gap = (c[:-1] + c[1:]) / 2.0, _SMOOTH * np.diff(c)
        (c_lo, s_lo), (c_hi, s_hi) = self.below(m - gap), self.below(m + gap)
        rho = (c_hi - c_lo) / np.maximum(2.0 * gap, 1e-300)
        mu = (s_hi - s_lo) / np.maximum(c_hi - c_lo, 1e-300) + self.shift
        inv = 1.0 / np.maximum(np.diff(np.concatenate(([0.0], self.below(m)[0], [self.n]))), 1)
        jac = np.zeros((c.size, c.size))
        i = np.arange(c.size - 1)
        beta = rho * (mu - f[:-1]) * inv[:-1] / 2.0  # d F_j / d c_{j+1} (via midpoint j)
        alpha = rho * (f[1:] - mu) * inv[1:] / 2.0  # d F_{j+1} / d c_j
        jac[i, i + 1], jac[i + 1, i] = beta, alpha
        jac[i, i] += beta
        jac[i + 1, i + 1] += alpha
        return jac

    def cumulative(self, cent):
        """Exact counts and sums (about the shift) of the points below each midpoint."""
        m32 = floor32((cent[:-1] + cent[1:]) / 2.0)
        mk = _key20(m32).astype(np.intp)
        if not self.cached[mk].all():  # pull out the points of the buckets around midpoints
            wide = _WIN << min(self.n_ext, 4)  # wider each time: fewer passes over the data
            self.n_ext += 1
            win = np.clip(np.add.outer(mk[~self.cached[mk]], np.arange(-wide, wide + 1)), 0,
                          _NB - 1)
            win = np.unique(win)
            win = win[~self.cached[win]]
            need = np.zeros(_NB, dtype=bool)
            need[win] = True
            self.cached[win] = True
            where = np.flatnonzero(need[self.key])
            vals = np.sort(np.concatenate((self.ext[0], self.x[where])))
            self.ext = [vals, _key20(vals).astype(np.intp), np.concatenate(
                ([0.0], np.cumsum(np.subtract(vals, self.shift, dtype=np.float64)))),
                np.concatenate((self.ext[3], where))]
        st = np.searchsorted(self.ext[1], mk, side="left")  # first extracted point of bucket
        pos = np.searchsorted(self.ext[0], m32, side="right")
        i = np.searchsorted(self.nz, mk)  # buckets below mk
        C = np.concatenate(([0], self.pc[i] + pos - st, [self.n]))
        S = np.concatenate(([0.0], self.ps[i] + self.ext[2][pos] - self.ext[2][st],
                            [self.ps[-1]]))
        return C, S

    def sse(self, C, S, c):
        n = np.diff(C)
        return sse(self.total_sq, n, np.diff(S), c - self.shift)

    def labels(self, c):
        """Exact labels ``sum(x > mid)``: a table per bucket, ``searchsorted`` for pulled-out
        points (which include every point of a bucket holding a midpoint)."""
        m32 = floor32((c[:-1] + c[1:]) / 2.0)
        mk = _key20(m32).astype(np.intp)
        reps = np.diff(np.concatenate(([0], mk + 1, [_NB])))
        lut = np.repeat(np.arange(c.size, dtype=np.uint8), reps)  # buckets above j midpoints
        lab = lut[self.key]
        lab[self.ext[3]] = np.searchsorted(m32, self.x[self.ext[3]], side="left")
        return lab


def _newton(c, f, a_mat):
    """Newton step ``c + a_mat^-1 (f - c)`` for ``F(c) = c``; None unless finite and sorted."""
    try:
        cand = c + np.linalg.solve(a_mat, f - c)
    except np.linalg.LinAlgError:
        return None
    return cand if np.all(np.isfinite(cand)) and np.all(np.diff(cand) > 0) else None


def kmeans_hist(x, c, max_iter):
    """Histogram engine (see the module docstring); None when the data are too narrow.

    Returns ``(codebook, labels, sse_history, n_iter, converged)`` with ``sse_history`` the SSE
    of the exact iterations only and ``n_iter`` counting the model iterations too. When the
    Newton path does not settle within a small budget (hard cases: many clusters, sparse
    tails), it is abandoned and plain Lloyd runs from ``c`` on the bucket means (to
    convergence), on the smooth model (to a 1e-12 residual) and on the exact data.
    """
    key = _key20(x).astype(np.intp)
    cnt = np.bincount(key, minlength=_NB)
    nz = np.flatnonzero(cnt)
    if nz.size < 64 * c.size:
        return None  # data too narrow for the histogram: sort instead
    h = _Hist(x, key, cnt, nz)
    means, wt = h.sm[nz] / cnt[nz], cnt[nz].astype(np.float64)
    # 1. a few Lloyd steps on the bucket means (relocating empty clusters)
    cb, _, n_hist, _, _ = lloyd_weighted(means, wt, c - h.shift, _WARMUP)
    fast = _newton_model(h, cb + h.shift)
    if fast is not None:
        c1, n_model, a_mat = fast
        out = _exact(h, c1, min(max_iter, _BUDGET), a_mat)
        if out[3] or max_iter <= _BUDGET:
            return out[0], h.labels(out[0]), out[1], n_hist + n_model + out[2], out[3]
        n_hist += n_model + out[2]  # abandoned
    # fallback: plain Lloyd all the way
    cb, _, n1, _, _ = lloyd_weighted(means, wt, c - h.shift, 1000)
    c, n_hist = cb + h.shift, n_hist + n1
    for _ in range(1000):  # the smooth model, to a tight residual
        f, _ = h.model(c)
        n_hist += 1
        done = np.max(np.abs(f - c)) <= 1e-12 * (np.abs(c).max() + 1e-300)
        c = f
        if done:
            break
    c, history, n_iter, converged = _exact(h, c, max_iter, None)
    return c, h.labels(c), history, n_hist + n_iter, converged


def _newton_model(h, c):
    """2. Newton on the smooth model, safeguarded by the residual; None if not settled."""
    eye = np.eye(c.size)
    f, full = h.model(c)
    res = float(np.max(np.abs(f - c)))
    tol = _TOL * (float(np.max(np.abs(c))) + 1e-300)
    for it in range(_BUDGET):
        if res <= tol:
            return c, it, eye - h.jacobian(c, f)
        cand = _newton(c, f, eye - h.jacobian(c, f))
        if cand is not None:
            f2, full2 = h.model(cand)
            res2 = float(np.max(np.abs(f2 - cand)))
            if (full2 or not full) and res2 < res:
                c, f, res, full = cand, f2, res2, full2
                continue
        c = f
        f, full = h.model(c)
        res = float(np.max(np.abs(f - c)))
    return None


def _exact(h, c, max_iter, a_mat):
    """3. Exact iterations: Newton step with ``a_mat`` (if given and better) or Lloyd."""
    C, S = h.cumulative(c)
    history, converged, n_iter, misses = [h.sse(C, S, c)], False, 0, 0 if a_mat is not None else 3
    while n_iter < max_iter:
        n = np.diff(C)
        lloyd = np.where(n > 0, np.diff(S) / np.maximum(n, 1) + h.shift, c)
        n_iter += 1
        CL, SL = h.cumulative(lloyd)
        sse_l = h.sse(CL, SL, lloyd)
        if np.array_equal(CL, C):  # the assignment is stable: a Lloyd fixed point
            c, C, S, converged = lloyd, CL, SL, True
            history.append(sse_l)
            break
        step = _newton(c, lloyd, a_mat) if misses < 3 else None
        if step is not None:
            CN, SN = h.cumulative(step)
            sse_n = h.sse(CN, SN, step)
            if sse_n < sse_l:
                c, C, S, misses = step, CN, SN, 0
                history.append(sse_n)
                continue
            misses += 1  # after 3 misses in a row: plain Lloyd
        c, C, S = lloyd, CL, SL
        history.append(sse_l)
        if history[-1] >= history[-2]:  # no progress at floating-point resolution
            converged = True
            break
    return c, np.array(history), n_iter, converged
