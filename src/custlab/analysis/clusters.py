"""Data-driven customer segments: k-means on log-scaled behaviour, k chosen by
internal indices and bootstrap stability, each cluster profiled and named.

Features (those available and not constant): recency (months since the last
purchase), frequency (lifetime orders), monetary value (average order value),
margin (profit over revenue), cost to serve (share of revenue) and credit
(open receivables over revenue). Skewed ones are ``log1p``-scaled, then all are
standardised.

k is chosen among ``k_range`` by the mean rank of four diagnostics —
silhouette (higher is better), Calinski-Harabasz (higher), Davies-Bouldin
(lower) and bootstrap stability (mean adjusted Rand index between the
clustering of the whole sample and clusterings of bootstrap resamples; Hennig's
rule of thumb: above 0.75 stable, under 0.6 doubtful) — preferring k whose
stability is at least ``min_stability``. Not the elbow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.preprocessing import StandardScaler

from custlab.analysis.profit import active_customers


def cluster_features(customers: pd.DataFrame) -> pd.DataFrame:
    """The features of active customers, before scaling (index = customers' index)."""
    # only the columns the features read: filtering rows copies every column kept
    active = active_customers(
        customers,
        ["months_since_purchase", "lifetime_orders", "revenue", "orders", "profit", "cost_to_serve", "open_receivables"],
    )
    revenue = active["revenue"].where(active["revenue"] > 0)
    candidates = {
        "recency_months": active.get("months_since_purchase"),
        "frequency": active.get("lifetime_orders"),
        "order_value": active["revenue"] / active["orders"].where(active["orders"] > 0),
        "margin": (active["profit"] / revenue).clip(-1, 1),
        "cost_to_serve_share": (active["cost_to_serve"] / revenue).clip(0, 2),
        "credit_share": (active["open_receivables"] / revenue).clip(0, 2) if "open_receivables" in active else None,
    }
    frame = pd.DataFrame({k: v for k, v in candidates.items() if v is not None}, index=active.index)
    frame = frame.astype(float).fillna(frame.median(numeric_only=True)).fillna(0.0)
    return frame.loc[:, frame.std() > 0]


def scale_features(features: pd.DataFrame) -> np.ndarray:
    """log1p on the skewed non-negative features, then standardise."""
    scaled = features.copy()
    for column in ("recency_months", "frequency", "order_value", "cost_to_serve_share", "credit_share"):
        if column in scaled:
            scaled[column] = np.log1p(scaled[column].clip(lower=0))
    return StandardScaler().fit_transform(scaled.to_numpy())


#: Bootstrap stability (mean adjusted Rand index) a number of clusters needs to be trusted.
MIN_STABILITY = 0.75


class CustomerSegmenter:
    """Choose k and cluster, scikit-learn style.

    Parameters
    ----------
    k_range : tuple
        Smallest and largest k tried.
    n_bootstrap : int
        Bootstrap resamples per k for the stability index.
    sample_size : int
        Customers sampled for the diagnostics (silhouette is quadratic).
    min_stability : float
        k with lower stability are chosen only if none reaches it.
    random_state : int
        Seed: the same data and seed give the same clusters.

    Attributes
    ----------
    diagnostics_ : DataFrame
        Per k: ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``,
        ``stability`` and ``mean_rank``.
    k_ : int
        Chosen number of clusters.
    labels_ : ndarray
        Cluster of every row given to :meth:`fit`.
    stability_ : float
        Stability of the chosen k.
    """

    def __init__(self, k_range=(3, 8), n_bootstrap: int = 8, sample_size: int = 4000, min_stability: float = MIN_STABILITY,
                 random_state: int = 0):
        self.k_range = k_range
        self.n_bootstrap = n_bootstrap
        self.sample_size = sample_size
        self.min_stability = min_stability
        self.random_state = random_state

    def _model(self, k: int, seed: int) -> MiniBatchKMeans:
        return MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=2048)

    def fit(self, X: np.ndarray) -> "CustomerSegmenter":
        """Try every k, choose one, and cluster all rows with it."""
        X = np.asarray(X, dtype=float)
        rng = np.random.default_rng(self.random_state)
        n = len(X)
        if n < self.k_range[0] * 5:
            raise ValueError(f"too few customers ({n}) to cluster")
        sample = X[rng.choice(n, size=min(self.sample_size, n), replace=False)]
        rows = []
        for k in range(self.k_range[0], self.k_range[1] + 1):
            reference = self._model(k, self.random_state).fit(sample)
            labels = reference.labels_
            scores = []
            for b in range(self.n_bootstrap):
                resample = sample[rng.integers(0, len(sample), len(sample))]
                other = self._model(k, self.random_state + b + 1).fit(resample)
                scores.append(adjusted_rand_score(labels, other.predict(sample)))
            rows.append(
                {
                    "k": k,
                    "silhouette": silhouette_score(sample, labels, random_state=self.random_state),
                    "calinski_harabasz": calinski_harabasz_score(sample, labels),
                    "davies_bouldin": davies_bouldin_score(sample, labels),
                    "stability": float(np.mean(scores)),
                }
            )
        table = pd.DataFrame(rows).set_index("k")
        ranks = pd.concat(
            [
                table["silhouette"].rank(ascending=False),
                table["calinski_harabasz"].rank(ascending=False),
                table["davies_bouldin"].rank(ascending=True),
                table["stability"].rank(ascending=False),
            ],
            axis=1,
        )
        table["mean_rank"] = ranks.mean(axis=1)
        stable = table[table["stability"] >= self.min_stability]
        pool = stable if not stable.empty else table
        self.k_ = int(pool["mean_rank"].idxmin())
        self.diagnostics_ = table
        self.stability_ = float(table.loc[self.k_, "stability"])
        self.model_ = self._model(self.k_, self.random_state).fit(X)
        self.labels_ = self.model_.labels_
        return self


def profile(customers: pd.DataFrame, features: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """Size, share of customers, revenue and profit, feature medians and tier mix per cluster, with a name."""
    # only the columns the profile reads: a row selection copies every column kept
    data = customers.loc[features.index, [c for c in ("revenue", "profit", "tier") if c in customers]].assign(cluster=labels)
    grouped = data.groupby("cluster")
    table = pd.DataFrame(
        {
            "customers": grouped.size(),
            "customer_share": grouped.size() / len(data),
            "revenue_share": grouped["revenue"].sum() / data["revenue"].sum(),
            "profit_share": grouped["profit"].sum() / data["profit"].sum(),
        }
    )
    medians = features.assign(cluster=labels).groupby("cluster").median().add_prefix("median_")
    table = table.join(medians)
    if "tier" in data:
        table["key_or_important_share"] = grouped["tier"].apply(lambda t: float(t.isin(["key", "important"]).mean()))
    table["name"] = name_clusters(table, features.median())
    return table


def name_clusters(table: pd.DataFrame, overall: pd.Series) -> list[str]:
    """Business names from each cluster's medians relative to all active customers."""
    names = []
    for _, row in table.iterrows():
        high = lambda f, m=1.5: f"median_{f}" in row and row[f"median_{f}"] > m * max(overall.get(f, 0), 1e-9)  # noqa: E731
        low = lambda f, m=0.67: f"median_{f}" in row and row[f"median_{f}"] < m * overall.get(f, 0)  # noqa: E731
        margin = row.get("median_margin", 0.0)
        if margin < 0 and high("cost_to_serve_share", 2.0):
            name = "Costly to serve"
        elif margin < 0.05 and high("order_value"):
            name = "Big but lean"
        elif high("recency_months", 2.0):
            name = "Drifting away"
        elif high("frequency") and high("order_value"):
            name = "High-value regulars"
        elif high("frequency"):
            name = "Frequent small buyers"
        elif high("order_value"):
            name = "Occasional big orders"
        elif high("credit_share", 2.0):
            name = "Slow payers"
        elif low("frequency"):
            name = "New or light buyers"
        else:
            name = "Steady mid-value"
        names.append(name)
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if names.count(name) == 1 else f"{name} {seen[name]}")
    return unique


def segment(customers: pd.DataFrame, random_state: int = 0, **settings) -> tuple[pd.Series, pd.DataFrame, CustomerSegmenter]:
    """Cluster the active customers.

    Returns
    -------
    tuple
        ``cluster`` per customer (-1 where not active), the cluster profile
        table, and the fitted :class:`CustomerSegmenter`.
    """
    features = cluster_features(customers)
    segmenter = CustomerSegmenter(random_state=random_state, **settings).fit(scale_features(features))
    table = profile(customers, features, segmenter.labels_)
    cluster = pd.Series(-1, index=customers.index, dtype=int)
    cluster[features.index] = segmenter.labels_
    return cluster, table, segmenter


def tier_mix(customers: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """Customers per cluster (rows) and tier (columns), active customers only."""
    from custlab.analysis.tiers import TIERS

    active = labels >= 0
    table = pd.crosstab(labels[active], customers.loc[active, "tier"])
    return table.reindex(columns=[t for t in TIERS if t in table.columns], fill_value=0).rename_axis(index="cluster", columns="tier")
