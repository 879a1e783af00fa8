"""Chance-corrected agreement coefficients and confidence intervals.

Which library does what:
  Cohen's kappa          scikit-learn ``cohen_kappa_score``
  Krippendorff's alpha   ``krippendorff.alpha`` (nominal), fed value counts so a 100,000-task
                         project is one numpy pass
  Fleiss' kappa          our own ten lines (statsmodels would bring pandas and patsy for it);
                         checked against Fleiss (1971)'s worked example in the tests
  Wilson interval        our own (a closed formula)
"""
import math
import warnings

import numpy as np

# z for a two-sided 95% interval.
Z95 = 1.959963984540054


def wilson(k, n, z=Z95):
    """(low, high) Wilson score interval for k successes in n trials; (None, None) when n == 0.

    Wilson rather than the normal approximation: it stays inside [0, 1] and is honest for the
    small counts a single annotator's gold answers give.
    """
    if n <= 0:
        return None, None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(k, n):
    """{"rate", "low", "high", "n", "errors"}: a proportion with its 95% Wilson interval."""
    low, high = wilson(k, n)
    return {"rate": (k / n) if n else None, "low": _r(low), "high": _r(high), "n": n, "errors": k}


def _r(x, digits=4):
    return None if x is None else round(float(x), digits)


def cohen_kappa(a, b):
    """Cohen's kappa of two raters' labels on the same items (scikit-learn).

    None when undefined: fewer than two items, or both raters used one single category
    (expected agreement 1 makes kappa 0/0).
    """
    if len(a) < 2:
        return None
    from sklearn.metrics import cohen_kappa_score

    if len(set(a) | set(b)) < 2:
        return None
    if len(a) != len(b):
        raise ValueError("both raters must label the same items")
    # Integer codes: scikit-learn sorts and encodes string labels on every call, which costs
    # more than the statistic on a pair sharing thousands of tasks.
    codes = {}
    ia = np.fromiter((codes.setdefault(x, len(codes)) for x in a), dtype=np.int64, count=len(a))
    ib = np.fromiter((codes.setdefault(x, len(codes)) for x in b), dtype=np.int64, count=len(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = cohen_kappa_score(ia, ib, labels=np.arange(len(codes)))
    return None if value is None or math.isnan(value) else float(value)


def fleiss_kappa(counts):
    """Fleiss' kappa from an items × categories matrix of rater counts.

    Every row must have the same number of raters (Fleiss' definition); callers pass the rows
    with the most common count. None when undefined (fewer than 2 raters or 1 category).
    """
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2 or counts.shape[0] == 0:
        return None
    n = counts.sum(axis=1)
    if n[0] < 2 or not np.all(n == n[0]):
        return None
    n = n[0]
    p_j = counts.sum(axis=0) / counts.sum()
    p_i = (np.square(counts).sum(axis=1) - n) / (n * (n - 1))
    p_bar, p_e = p_i.mean(), np.square(p_j).sum()
    if p_e >= 1:
        return None
    return float((p_bar - p_e) / (1 - p_e))


def krippendorff_alpha(counts):
    """Nominal Krippendorff's alpha from an items × categories count matrix (``krippendorff``).

    Handles any number of raters per item and missing ratings; items rated once are ignored,
    as the coefficient defines. None when undefined (no pairable values or one category).
    """
    import krippendorff

    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2 or counts.shape[1] < 2:
        return None
    counts = counts[counts.sum(axis=1) >= 2]
    if counts.shape[0] == 0 or np.count_nonzero(counts.sum(axis=0)) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = krippendorff.alpha(value_counts=counts, level_of_measurement="nominal")
    return None if math.isnan(value) else float(value)


def count_matrix(items_values):
    """(matrix, categories) from ``[[value, value, ...] per item]`` (one value per rater)."""
    cats = sorted({v for vals in items_values for v in vals}, key=str)
    index = {c: i for i, c in enumerate(cats)}
    m = np.zeros((len(items_values), len(cats)), dtype=np.int32)
    for row, vals in enumerate(items_values):
        for v in vals:
            m[row, index[v]] += 1
    return m, cats


def modal_rows(matrix):
    """The rows whose rater count is the most common one (what Fleiss' kappa needs)."""
    if matrix.shape[0] == 0:
        return matrix
    n = matrix.sum(axis=1)
    n2 = n[n >= 2]
    if n2.size == 0:
        return matrix[:0]
    values, freq = np.unique(n2, return_counts=True)
    return matrix[n == values[np.argmax(freq)]]
