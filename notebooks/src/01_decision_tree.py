# %% [markdown]
# # 01 · Decision trees from first principles
#
# **What you will learn**
#
# 1. How *entropy* and *Gini impurity* measure how mixed a set of labels is, and how
#    *information gain* scores a split: worked by hand on a twelve-row table, then checked
#    against the numba kernels inside `tree`.
# 2. How CART searches the thresholds of a numeric feature: the midpoints between consecutive
#    distinct values.
# 3. How a tree grows split by split, drawn as decision regions on two features.
# 4. Why a deep tree overfits (training versus validation accuracy as the depth grows) and how
#    cost-complexity pruning (`ccp_alpha`) cuts it back.
# 5. That our tree finds the same splits as scikit-learn's, and how long each takes.
#
# All the work is done with this project's code (`tree`, `metrics`, `pipeline`); scikit-learn
# appears once, at the end, only to check us.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from metrics import accuracy_score
from pipeline.datasets import load_adult
from pipeline.model_selection import train_test_split
from tree import DecisionTree
from tree.export import export_text
from tree.plotting import plot_decision_boundary, plot_tree

# %% [markdown]
# ## 1. Impurity, worked by hand
#
# Twelve people, two numeric features and a yes/no label: does the person earn more than 50K a
# year? A decision tree asks yes/no questions such as *"hours ≤ 37.5?"* that make each side as
# *pure* as possible. To choose the question, we need a number for how mixed a set of labels is.

# %%
table = pd.DataFrame(
    {
        "age": [22, 25, 28, 31, 35, 38, 42, 45, 49, 52, 58, 63],
        "hours": [20, 40, 45, 40, 50, 35, 60, 40, 45, 55, 30, 20],
        "high_income": [0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0],
    }
)
labels = table["high_income"].to_numpy()
table.T

# %% [markdown]
# With $p_k$ the share of class $k$ in a node:
#
# * **entropy** $H = -\sum_k p_k \log_2 p_k$, in bits: 0 for a pure node, 1 for a 50/50 node;
# * **Gini impurity** $G = 1 - \sum_k p_k^2$: the chance that two labels drawn at random
#   (with replacement) differ; 0 for a pure node, 0.5 for a 50/50 node.
#
# A split sends $n_L$ of the $n$ samples left and $n_R$ right. Its **information gain** is the
# impurity it removes:
#
# $$\mathrm{IG} = I(\text{parent}) - \frac{n_L}{n} I(\text{left}) - \frac{n_R}{n} I(\text{right}).$$

# %%
def entropy(y):
    p = np.bincount(y) / len(y)
    p = p[p > 0]
    return float((p * np.log2(1 / p)).sum())


def gini(y):
    p = np.bincount(y) / len(y)
    return float(1.0 - (p**2).sum())


def information_gain(y, goes_left, impurity=entropy):
    left, right = y[goes_left], y[~goes_left]
    n = len(y)
    return impurity(y) - len(left) / n * impurity(left) - len(right) / n * impurity(right)


print(f"parent: entropy = {entropy(labels):.3f} bits, Gini = {gini(labels):.3f}")

# %% [markdown]
# For two classes both measures are a function of the positive share $p$ alone. They agree on
# what is pure and what is mixed; entropy punishes mixing a little more.

# %%
p = np.linspace(0.001, 0.999, 200)
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(p, -(p * np.log2(p) + (1 - p) * np.log2(1 - p)), label="entropy (bits)")
ax.plot(p, 1 - p**2 - (1 - p) ** 2, label="Gini impurity")
ax.axvline(labels.mean(), color="grey", ls=":", label="our table, p = 0.5")
ax.set(xlabel="share of positives p", ylabel="impurity")
ax.legend(frameon=False, loc="center left", bbox_to_anchor=(1, 0.5))
plt.show()

# %% [markdown]
# Now one candidate question, *"hours ≤ 37.5?"*, by hand:

# %%
goes_left = table["hours"].to_numpy() <= 37.5
print("left labels :", labels[goes_left], " right labels:", labels[~goes_left])
print(f"information gain (entropy) = {information_gain(labels, goes_left):.3f} bits")
print(f"Gini decrease              = {information_gain(labels, goes_left, gini):.3f}")

# %% [markdown]
# ### Checking the arithmetic against `tree`'s kernels
#
# `tree` computes the same quantities inside numba-compiled kernels that work on weighted class
# counts. `tree.criteria` calls those kernels on plain numbers: the impurity of a node from its
# class counts, and the impurity decrease of a split from the parent's and the left child's
# counts. On the counts of our table they give the numbers we computed by hand:

# %%
from tree import criteria

counts = np.bincount(labels)  # class counts of the parent
left_counts = np.bincount(labels[goes_left], minlength=2)


def kernel_numbers(criterion):
    parent = criteria.impurity(counts, criterion)
    gain = criteria.impurity_decrease(counts, left_counts, criterion)
    return parent, gain


check = pd.DataFrame(
    {
        "kernel": [*kernel_numbers("entropy"), *kernel_numbers("gini")],
        "by hand": [entropy(labels), information_gain(labels, goes_left),
                    gini(labels), information_gain(labels, goes_left, gini)],
    },
    index=["entropy of parent", "information gain", "Gini of parent", "Gini decrease"],
)
assert np.allclose(check["kernel"], check["by hand"])
check

# %% [markdown]
# A fitted tree keeps the same numbers: a tree of depth 1 (a *stump*) fitted on the table stores
# the impurity of every node in `tree_.impurity`, with scikit-learn's array names.

# %%
X_table = table[["age", "hours"]]
stump = DecisionTree(criterion="entropy", max_depth=1).fit(X_table, labels)
left, right = stump.tree_.children_left[0], stump.tree_.children_right[0]
pd.DataFrame(
    {
        "tree_.impurity": stump.tree_.impurity[[0, left, right]],
        "by hand": [entropy(labels), entropy(labels[goes_left]), entropy(labels[~goes_left])],
    },
    index=["root", "left child", "right child"],
)

# %% [markdown]
# ## 2. How CART searches thresholds
#
# For a numeric feature, only the *order* of the values matters: every threshold between the
# same two neighbouring values splits the samples the same way. So CART sorts each feature and
# tries one threshold per gap, the **midpoint** between two consecutive *distinct* values
# ($n-1$ candidates at most), keeps the best of each feature, then the best feature. Samples with
# `x <= threshold` go left.

# %%
def candidate_gains(x, y, impurity=entropy):
    values = np.unique(x)
    midpoints = (values[:-1] + values[1:]) / 2
    gains = np.array([information_gain(y, x <= t, impurity) for t in midpoints])
    return midpoints, gains


fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True)
best = {}
for ax, feature in zip(axes, ["age", "hours"]):
    midpoints, gains = candidate_gains(table[feature].to_numpy(), labels)
    best[feature] = (gains.max(), midpoints[gains.argmax()])
    ax.stem(midpoints, gains)
    ax.plot(midpoints[gains.argmax()], gains.max(), "r*", ms=14)
    ax.set(title=f"{feature}: best threshold {midpoints[gains.argmax()]:g}", xlabel="threshold")
axes[0].set_ylabel("information gain (bits)")
plt.show()
for feature, (gain, threshold) in best.items():
    print(f"best on {feature}: {feature} <= {threshold:g}, gain {gain:.3f} bits")

# %% [markdown]
# The best question overall is *hours ≤ 37.5* (gain 0.459 bits), better than the best question
# on age. Our stump chose exactly that:

# %%
chosen_feature = X_table.columns[stump.tree_.feature[0]]
chosen_threshold = stump.tree_.threshold[0]
print(f"tree chose: {chosen_feature} <= {chosen_threshold}")
assert (chosen_feature, chosen_threshold) == ("hours", best["hours"][1])

# %% [markdown]
# Growing a tree means repeating this search inside each child until a stopping rule (depth,
# minimum samples, purity) says stop. On the table, one more question, on age, finishes the job:

# %%
small_tree = DecisionTree(criterion="entropy", max_depth=3).fit(X_table, labels)
print(export_text(small_tree, feature_names=["age", "hours"]))

# %% [markdown]
# ## 3. Growing a tree, one level at a time
#
# On real data the regions are less tidy. Take 3,000 people of the UCI Adult census data and two
# features, age and years of education. Each split cuts one region in two with a line parallel
# to an axis, so the regions are rectangles; each level can double their number.

# %%
adult = load_adult()
y_all = (adult["high_income"] == ">50K").to_numpy().astype(int)
sample = adult.sample(3000, random_state=0)
X2 = sample[["age", "education_num"]]
y2 = (sample["high_income"] == ">50K").to_numpy().astype(int)
print(f"{len(X2)} people, {y2.mean():.0%} earn more than 50K")

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
for ax, depth in zip(axes, [1, 2, 3]):
    model = DecisionTree(max_depth=depth).fit(X2, y2)
    plot_decision_boundary(model, X2, y2, ax=ax, class_names=["<=50K", ">50K"])
    ax.set_title(f"max_depth={depth}: {model.get_n_leaves()} regions")
plt.show()

# %% [markdown]
# The depth-3 tree as a diagram: each box shows the question, the impurity, the number of
# samples and the class shares.

# %%
model = DecisionTree(max_depth=3).fit(X2, y2)
fig, ax = plt.subplots(figsize=(13, 5))
plot_tree(model, feature_names=list(X2.columns), class_names=["<=50K", ">50K"], ax=ax)
plt.show()

# %% [markdown]
# ## 4. Overfitting versus depth
#
# A tree can keep splitting until every leaf is pure, and then it has memorised its training
# data. We hold out a validation set (stratified, so it keeps the share of high earners) and
# watch both accuracies as `max_depth` grows. Six numeric features, 12,000 people.

# %%
numeric = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
X_num = adult[numeric].iloc[:12000]
y_num = y_all[:12000]
X_train, X_val, y_train, y_val = train_test_split(
    X_num, y_num, test_size=0.3, stratify=y_num, random_state=0
)

depths = list(range(1, 21))
train_acc, val_acc = [], []
for depth in depths:
    model = DecisionTree(max_depth=depth, random_state=0).fit(X_train, y_train)
    train_acc.append(accuracy_score(y_train, model.predict(X_train)))
    val_acc.append(accuracy_score(y_val, model.predict(X_val)))

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(depths, train_acc, "o-", label="training")
ax.plot(depths, val_acc, "o-", label="validation")
best_depth = depths[int(np.argmax(val_acc))]
ax.axvline(best_depth, color="grey", ls=":", label=f"best validation depth = {best_depth}")
ax.set(xlabel="max_depth", ylabel="accuracy", title="Deeper trees memorise the training set")
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# Training accuracy climbs towards 100 % while validation accuracy peaks early and then falls:
# beyond the peak, new splits fit noise in the training sample.
#
# ## 5. Cost-complexity pruning
#
# Instead of stopping early, grow the full tree and cut it back. Minimal cost-complexity pruning
# scores a subtree $T$ by
#
# $$R_\alpha(T) = R(T) + \alpha\,|\text{leaves}(T)|,$$
#
# its total leaf impurity (weighted by the share of samples) plus a price $\alpha$ per leaf.
# Raising $\alpha$ removes, one after the other, the *weakest links*: the internal nodes whose
# subtree buys the least impurity per extra leaf. `cost_complexity_pruning_path` returns the
# $\alpha$ at which each pruning happens and the total impurity after it; `ccp_alpha=α` fits the
# tree pruned at that $\alpha$.

# %%
full = DecisionTree(random_state=0)
path = full.cost_complexity_pruning_path(X_train, y_train)
ccp_alphas, impurities = path.ccp_alphas, path.impurities
print(f"{len(ccp_alphas)} effective alphas, from {ccp_alphas[0]:.2g} to {ccp_alphas[-1]:.3g}")

# %%
alphas = np.geomspace(2e-5, 2e-2, 20)
leaves, train_acc, val_acc = [], [], []
for alpha in alphas:
    model = DecisionTree(ccp_alpha=alpha, random_state=0).fit(X_train, y_train)
    leaves.append(model.get_n_leaves())
    train_acc.append(model.score(X_train, y_train))
    val_acc.append(model.score(X_val, y_val))
best_alpha = alphas[int(np.argmax(val_acc))]

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 3.5))
axes[0].step(ccp_alphas[1:], impurities[1:], where="post")
axes[0].set(xscale="log", xlabel="effective alpha", ylabel="total leaf impurity",
            title="pruning path: impurity rises as leaves go")
axes[1].plot(alphas, leaves, "o-")
axes[1].set(xscale="log", yscale="log", xlabel="ccp_alpha", ylabel="leaves", title="tree size")
axes[2].plot(alphas, train_acc, "o-", label="training")
axes[2].plot(alphas, val_acc, "o-", label="validation")
axes[2].axvline(best_alpha, color="grey", ls=":", label=f"best alpha = {best_alpha:.1e}")
axes[2].set(xscale="log", xlabel="ccp_alpha", ylabel="accuracy", title="fit")
axes[2].legend(frameon=False, loc="center right")
plt.tight_layout()
plt.show()

# %% [markdown]
# A small $\alpha$ leaves a huge tree that overfits; a large one prunes down to a stump. In
# between, the pruned tree keeps only the splits that pay for themselves. Choosing $\alpha$ (and
# the depth) on held-out data is the job of cross-validation and a grid search, in notebook 03.

# %% [markdown]
# ## 6. Our tree next to scikit-learn's
#
# scikit-learn's `DecisionTreeClassifier` is the reference implementation of CART. Fitted on the
# same data with the same parameters, both trees must ask the same questions in the same nodes,
# with one exception: when two questions are *exactly* equally good (it happens in small nodes,
# where, say, a cut on age and a cut on hours isolate the same samples), which one wins is a
# convention. scikit-learn breaks such ties by a random feature order; ours by a fixed rule (so
# the same data always gives the same tree). We walk both trees from the root and check every
# node: the same split, or a tie with an equal impurity decrease (below a tie the two subtrees
# hold different samples, so the walk stops there). This is the only place
# scikit-learn appears in the notebook: as a check.

# %%
from sklearn.tree import DecisionTreeClassifier as SklearnTree

X_full = adult[numeric].to_numpy(dtype=float)
params = {"criterion": "gini", "max_depth": 8, "min_samples_leaf": 20}
ours = DecisionTree(**params).fit(X_full, y_all)
theirs = SklearnTree(**params, random_state=0).fit(X_full, y_all)


def decrease(t, node):
    """Weighted impurity decrease of the split at ``node`` of the tree arrays ``t``."""
    left, right = t.children_left[node], t.children_right[node]
    return (t.weighted_n_node_samples[node] * t.impurity[node]
            - t.weighted_n_node_samples[left] * t.impurity[left]
            - t.weighted_n_node_samples[right] * t.impurity[right])


def compare_splits(a, b):
    same, ties, stack = 0, 0, [(0, 0)]
    while stack:
        i, j = stack.pop()
        a_leaf, b_leaf = a.children_left[i] == -1, b.children_left[j] == -1
        assert a_leaf == b_leaf, f"node {i}: one tree splits, the other stops"
        if a_leaf:
            continue
        if a.feature[i] == b.feature[j] and np.isclose(a.threshold[i], b.threshold[j]):
            same += 1
            stack += [(a.children_left[i], b.children_left[j]),
                      (a.children_right[i], b.children_right[j])]
        else:
            assert np.isclose(decrease(a, i), decrease(b, j)), f"node {i}: a better split exists"
            ties += 1
    return same, ties


same, ties = compare_splits(ours.tree_, theirs.tree_)
agree = np.mean(ours.predict(X_full) == theirs.predict(X_full))
print(f"{ours.tree_.node_count} nodes: {same} identical splits, {ties} exact ties broken "
      f"differently; the two trees agree on {agree:.2%} of the rows")

# %% [markdown]
# And the time each takes to fit all 32,561 rows (best of five; our kernels were compiled by the
# first fit above and are cached on disk, so compilation is not counted):

# %%
def best_fit_time(make_model, repeats=5):
    times = []
    for _ in range(repeats):
        model = make_model()
        start = time.perf_counter()
        model.fit(X_full, y_all)
        times.append(time.perf_counter() - start)
    return min(times)


timings = {
    "cartflow DecisionTree": best_fit_time(lambda: DecisionTree(**params)),
    "scikit-learn DecisionTreeClassifier": best_fit_time(lambda: SklearnTree(**params)),
}
fig, ax = plt.subplots(figsize=(6, 2))
ax.barh(list(timings), [1000 * t for t in timings.values()], color=["C0", "C1"])
ax.set(xlabel="fit time (ms), best of 5", title=f"{len(X_full):,} rows × {len(numeric)} features")
for i, t in enumerate(timings.values()):
    ax.text(1000 * t, i, f" {1000 * t:.0f} ms", va="center")
plt.show()

# %% [markdown]
# ## Summary
#
# * Entropy and Gini impurity measure how mixed a node is; information gain is the impurity a
#   split removes, weighted by the share of samples on each side.
# * CART tries the midpoint between each pair of consecutive distinct values of every feature
#   and keeps the split with the largest gain.
# * Each split cuts a region in two along one axis; depth controls how fine the rectangles get.
# * Depth beyond the validation peak only memorises noise; cost-complexity pruning removes the
#   weakest subtrees and `ccp_alpha` picks how much.
# * `tree.DecisionTree` builds the same tree as scikit-learn's reference implementation.
#
# Next, notebook 02: how to tell whether a model is any good.
