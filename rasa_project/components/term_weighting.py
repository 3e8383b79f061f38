"""TF-IDF weighting of the count features, fitted on the training data.

Rasa's count vectors give raw counts. With raw counts a short message has few, small features,
so the classifier's intercepts decide it: "pppk jadi relawan capres" went to di_luar_topik, the
class that had learned the largest intercept. Sublinear TF-IDF with
unit-length rows (scikit-learn's ``TfidfTransformer(sublinear_tf=True)``) gives every message
the same weight and lets rare, telling words count more than common ones (README, "NLU").
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def fit_idf(counts: sp.spmatrix) -> np.ndarray:
    """Smoothed inverse document frequency of each feature: ln((1 + n) / (1 + df)) + 1."""
    matrix = _csr(counts)
    documents = matrix.shape[0]
    frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])
    return np.log((1.0 + documents) / (1.0 + frequency)) + 1.0


def weigh(counts: sp.spmatrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear term frequency (1 + ln tf) times idf, each row scaled to unit length."""
    matrix = _csr(counts)
    data = (1.0 + np.log(matrix.data)) * idf[matrix.indices]
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=matrix.shape[0]))
    data /= norms[rows]  # a row with any entry has a positive norm
    return sp.csr_matrix((data, matrix.indices, matrix.indptr), shape=matrix.shape)


def _csr(counts: sp.spmatrix) -> sp.csr_matrix:
    """A float CSR copy with one stored entry per non-zero count."""
    matrix = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    return matrix
