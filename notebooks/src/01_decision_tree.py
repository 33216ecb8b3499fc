# %% [markdown]
# # 01 · Decision trees from first principles
#
# **What you will learn**
#
# 1. How *entropy* and *Gini impurity* measure how mixed a set of labels is, and how
#    *information gain* scores a split: worked by hand on a twelve-row table, then checked
#    against the functions the tree itself uses (`tree.criteria`).
# 2. How CART searches the thresholds of a numeric feature: the midpoints between consecutive
#    distinct values.
# 3. How a tree grows split by split, drawn as decision regions on two features; how to read a
#    tree diagram; and how to follow one sample through the tree with `apply` and
#    `decision_path`.
# 4. Why a deep tree overfits: training versus validation accuracy as the depth grows.
# 5. How cost-complexity pruning (`ccp_alpha`) cuts a tree back, weakest link by weakest link.
# 6. How a categorical feature is split natively into two *sets* of categories, why sorting the
#    categories finds the best set, and what that saves over one-hot columns.
# 7. That our tree finds the same splits as scikit-learn's, and how long each takes.
#
# Most main sections end with an **exercise**; its solution is the collapsed cell after it
# (try first, then expand it). All the work is done with this project's code (`tree`,
# `metrics`, `pipeline`); scikit-learn appears once, at the end, only to check us.
#
# The tree's split search is compiled to machine code by numba on the first fit after an install
# (about 20 s on the course's 2-core machine, see `benchmarks/README.md`; `tree` says so on
# stderr) and loaded from a cache after that (under a second). The import cell below pays that
# price once, with a fit on four rows, and prints how long it took, so that no later cell stalls
# without explanation. The native categorical splits of section 6 have kernels of their own,
# compiled on their first use in the same way (about 13 s more on a fresh install, measured once
# for this notebook).

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from metrics import accuracy_score, roc_auc_score
from pipeline.datasets import load_adult
from pipeline.model_selection import train_test_split
from pipeline.preprocessing import OneHotEncoder
from tree import DecisionTree, criteria, export_text, plot_decision_boundary, plot_tree

start = time.perf_counter()
DecisionTree(max_depth=1).fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])  # loads the kernels
print(f"first fit (kernels compiled or loaded from the cache): {time.perf_counter() - start:.1f} s")

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
# For two classes both measures are a function of the positive share $p$ alone, both are 0 at a
# pure node and largest at $p = 0.5$. Their raw values cannot be compared (entropy peaks at 1
# bit, Gini at 0.5): put on the same scale, $2G$, also peaking at 1, lies *below* the entropy
# for every $p$ strictly between 0 and 0.5 and between 0.5 and 1. So, after rescaling, entropy
# rates a slightly mixed node as a little more impure than Gini does. In practice the two
# usually choose the same splits.

# %%
p = np.linspace(0.001, 0.999, 200)
binary_entropy = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
binary_gini = 1 - p**2 - (1 - p) ** 2
fig, ax = plt.subplots(figsize=(5.5, 3))
ax.plot(p, binary_entropy, label="entropy (bits)")
ax.plot(p, binary_gini, label="Gini impurity")
ax.plot(p, 2 * binary_gini, "--", color="C1", label="2 × Gini (same peak)")
ax.axvline(labels.mean(), color="grey", ls=":", label="our table, p = 0.5")
ax.set(xlabel="share of positives p", ylabel="impurity", ylim=(0, 1.05))
ax.legend(frameon=False, loc="center left", bbox_to_anchor=(1, 0.5))
plt.show()
assert np.all(binary_entropy[p != 0.5] >= 2 * binary_gini[p != 0.5])

# %% [markdown]
# Now one candidate question, *"hours ≤ 37.5?"*, by hand:

# %%
goes_left = table["hours"].to_numpy() <= 37.5
print("left labels :", labels[goes_left], " right labels:", labels[~goes_left])
print(f"information gain (entropy) = {information_gain(labels, goes_left):.3f} bits")
print(f"Gini decrease              = {information_gain(labels, goes_left, gini):.3f}")

# %% [markdown]
# ### Checking the arithmetic against the tree's own functions
#
# `tree` computes the same quantities inside numba-compiled kernels that work on weighted class
# counts. The public module `tree.criteria` calls those very kernels on plain numbers:
#
# * `criteria.impurity(counts, criterion)`: the impurity of a node from its class counts
#   (`[6, 6]` here: six people of each class);
# * `criteria.impurity_decrease(parent_counts, left_counts, criterion, total_weight=None)`: the
#   impurity decrease of the split that sends `left_counts` left (the right child is the rest).
#   Without `total_weight` the node is the root and the decrease is the information gain; inside
#   a tree, `total_weight` (the whole training set's weight) scales it by the node's share of
#   the samples, which is what `min_impurity_decrease` and `feature_importances_` use.
#
# On the counts of our table they give the numbers we computed by hand:

# %%
counts = np.bincount(labels)  # class counts of the parent: [6, 6]
left_counts = np.bincount(labels[goes_left], minlength=2)  # [4, 0]


def kernel_numbers(criterion):
    parent = criteria.impurity(counts, criterion)
    gain = criteria.impurity_decrease(counts, left_counts, criterion)
    return parent, gain


check = pd.DataFrame(
    {
        "tree.criteria": [*kernel_numbers("entropy"), *kernel_numbers("gini")],
        "by hand": [
            entropy(labels),
            information_gain(labels, goes_left),
            gini(labels),
            information_gain(labels, goes_left, gini),
        ],
    },
    index=["entropy of parent", "information gain", "Gini of parent", "Gini decrease"],
)
assert np.allclose(check["tree.criteria"], check["by hand"])
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
# **Exercise 1.** Score the question *"age ≤ 29.5?"* on the table. Read the class counts of
# each side off the table (the three youngest people are all 0), compute the information gain
# (entropy) and the Gini decrease with nothing but `math.log2` and arithmetic, and check both
# against `criteria.impurity_decrease`.

# %% [solution]
from math import log2

# parent [6 zeros, 6 ones]; age <= 29.5: the ages 22, 25, 28, labels 0, 0, 0 -> left [3, 0]
parent_counts, young, older = [6, 6], [3, 0], [3, 6]
h_parent = 1.0  # a 50/50 node holds one bit
h_older = -(3 / 9) * log2(3 / 9) - (6 / 9) * log2(6 / 9)
gain_entropy = h_parent - 3 / 12 * 0.0 - 9 / 12 * h_older
g_older = 1 - (3 / 9) ** 2 - (6 / 9) ** 2
gain_gini = 0.5 - 3 / 12 * 0.0 - 9 / 12 * g_older
print(f"age <= 29.5: information gain {gain_entropy:.4f} bits, Gini decrease {gain_gini:.4f}")
assert np.isclose(gain_entropy, criteria.impurity_decrease(parent_counts, young, "entropy"))
assert np.isclose(gain_gini, criteria.impurity_decrease(parent_counts, young, "gini"))
assert np.isclose(gain_entropy, information_gain(labels, table["age"].to_numpy() <= 29.5))

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
    ax.stem(midpoints, gains, basefmt="none")
    ax.plot(midpoints[gains.argmax()], gains.max(), "r*", ms=14)
    ax.set(title=f"{feature}: best threshold {midpoints[gains.argmax()]:g}", xlabel="threshold")
axes[0].set(ylabel="information gain (bits)", ylim=(0, 0.5))
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
# **Exercise 2.** A stopping rule also restricts the search itself: with
# `min_samples_leaf=5`, a split is only a candidate when both sides keep at least five people,
# so *hours ≤ 37.5* (four on the left) is out. Which question does a Gini stump with
# `min_samples_leaf=5` ask? Find it with `candidate_gains` and the rule, then check your answer
# against `DecisionTree(criterion="gini", max_depth=1, min_samples_leaf=5)`.

# %% [solution]
allowed = []
for feature in ["age", "hours"]:
    x = table[feature].to_numpy()
    for threshold, gain in zip(*candidate_gains(x, labels, gini)):
        n_left = int(np.sum(x <= threshold))
        if min(n_left, len(x) - n_left) >= 5:
            allowed.append((gain, feature, threshold))
gain, feature, threshold = max(allowed)
print(f"best admissible question: {feature} <= {threshold:g}, Gini decrease {gain:.4f}")
restricted = DecisionTree(criterion="gini", max_depth=1, min_samples_leaf=5).fit(X_table, labels)
tree_answer = (X_table.columns[restricted.tree_.feature[0]], restricted.tree_.threshold[0])
assert sum(g == gain for g, _, _ in allowed) == 1  # a unique best, so the tree must pick it
assert tree_answer == (feature, threshold), tree_answer

# %% [markdown]
# ## 3. Growing a tree, one level at a time
#
# On real data the regions are less tidy. Take 3,000 people of the UCI Adult census data and two
# features, age and years of education. Each split cuts one region in two with a line parallel
# to an axis, so the regions are rectangles; each level can double their number. A region's
# colour is the class the tree predicts there (the majority of its training samples); the
# points are the people, coloured by their true class.

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
    ax.get_legend().remove()  # one legend for the three panels, below them
    ax.set_title(f"max_depth={depth}: {model.get_n_leaves()} regions")
handles, names = axes[0].get_legend_handles_labels()
fig.legend(
    handles,
    names,
    title="true class",
    loc="upper center",
    ncol=2,
    frameon=False,
    bbox_to_anchor=(0.5, 0.0),
)
plt.show()

# %% [markdown]
# The depth-1 panel has two regions in one colour. That is no drawing error: both leaves of the
# stump predict *≤50K*, as the shares below show. The split is still the best first question
# because it lowers the impurity: it separates a nearly pure group of young people from a much
# more mixed one. A tree chooses splits by impurity, not by whether the predicted class changes;
# the next level then finds a *>50K* region inside the mixed side.

# %%
stump2 = DecisionTree(max_depth=1).fit(X2, y2)
for side, node in [("left (age <= 31.5)", 1), ("right (age > 31.5)", 2)]:
    share = stump2.tree_.value[node, 0, 1]
    print(f"{side:20s}: {stump2.tree_.n_node_samples[node]:5d} people, {share:.0%} earn >50K")
assert stump2.tree_.threshold[0] == 31.5 and np.all(stump2.tree_.value[1:, 0, 0] > 0.5)

# %% [markdown]
# ### Reading a tree diagram
#
# The depth-3 tree as a diagram. Each box is a node:
#
# * the first line is the **question**; samples that answer it with **True go left**, False go
#   right (the arrows under the root say so);
# * `gini` is the node's impurity; `samples` is the number of training samples that reach it;
# * `value` holds the **counts** of each class among those samples, `[<=50K, >50K]` (the root
#   holds all 3,000 people); the fitted `tree_.value` stores the same as *shares* of the node, as
#   recent scikit-learn does, and the diagram multiplies them by the node's sample count;
# * `class` is the majority class, the prediction of a leaf;
# * the **colour** is that class (orange for ≤50K, blue for >50K) and its **intensity the
#   purity**: white is a 50/50 node, a saturated colour a pure one.

# %%
model = DecisionTree(max_depth=3).fit(X2, y2)
fig, ax = plt.subplots(figsize=(13, 5))
plot_tree(model, feature_names=list(X2.columns), class_names=["<=50K", ">50K"], ax=ax)
plt.show()

# %% [markdown]
# ### The tree's arrays, `apply` and `decision_path`
#
# The diagram is drawn from flat arrays, the same as scikit-learn's (its example "Understanding
# the decision tree structure" reads them in the same way): node `i` has the children
# `children_left[i]` and `children_right[i]` (-1 for a leaf), asks `feature[i] <= threshold[i]`,
# and holds `n_node_samples[i]` training samples. Nodes are numbered depth first, the left
# subtree before the right.

# %%
t = model.tree_
names = list(X2.columns)
for node in range(t.node_count):
    if t.children_left[node] == -1:
        print(
            f"node {node:2d}: leaf, {t.n_node_samples[node]:4d} samples, "
            f"share >50K {t.value[node, 0, 1]:.2f}"
        )
    else:
        print(
            f"node {node:2d}: {names[t.feature[node]]} <= {t.threshold[node]:g} ? "
            f"True -> node {t.children_left[node]}, False -> node {t.children_right[node]}"
        )

# %% [markdown]
# `apply(X)` gives the leaf each sample ends in; `decision_path(X)` a sparse matrix with a 1 in
# row `s`, column `i` when sample `s` passes through node `i`. Here is the way of the first
# person of the sample, question by question:

# %%
person = X2.iloc[[0]]
path_nodes = model.decision_path(person).indices  # the nodes on the way, root first
leaf = model.apply(person)[0]
print(f"person: age {person['age'].iloc[0]}, education_num {person['education_num'].iloc[0]}")
for node in path_nodes:
    if node == leaf:
        print(f"leaf {node}: predicted share >50K {t.value[node, 0, 1]:.2f}")
        continue
    value = person.iloc[0, t.feature[node]]
    answer = value <= t.threshold[node]
    print(f"node {node}: {names[t.feature[node]]} = {value} <= {t.threshold[node]:g}? {answer}")
assert path_nodes[-1] == leaf
assert np.isclose(model.predict_proba(person)[0, 1], t.value[leaf, 0, 1])

# %% [markdown]
# **Exercise 3.** A leaf's `value` is nothing but the class shares of the training samples
# that end in it. Check this for every leaf of `model`: send the 3,000 training people through
# the tree with `apply`, count each leaf's classes with `np.bincount`, and compare with the
# counts the diagram shows (`tree_.value` times `tree_.n_node_samples`). Then use
# `decision_path` to count how many people pass through each node, and compare with
# `tree_.n_node_samples`.

# %% [solution]
leaf_of = model.apply(X2)
for leaf in np.unique(leaf_of):
    counted = np.bincount(y2[leaf_of == leaf], minlength=2)
    shown = t.value[leaf, 0] * t.n_node_samples[leaf]
    assert np.allclose(counted, shown), (leaf, counted, shown)
passes = np.asarray(model.decision_path(X2).sum(axis=0)).ravel()
assert np.array_equal(passes, t.n_node_samples)
print(f"{len(np.unique(leaf_of))} leaves checked; people per node: {passes.tolist()}")

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
ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # depths are whole numbers
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# Training accuracy climbs towards 100 % while validation accuracy peaks early and then falls:
# beyond the peak, new splits fit noise in the training sample.
#
# ## 5. Cost-complexity pruning
#
# Instead of stopping early, grow the full tree and cut it back. Minimal cost-complexity pruning
# (Breiman et al. 1984) scores a tree $T$ by
#
# $$R_\alpha(T) = R(T) + \alpha\,|\widetilde T|,$$
#
# where $R(T) = \sum_{\text{leaves } \ell} \frac{n_\ell}{n} I(\ell)$ is its total leaf impurity
# (each leaf's impurity weighted by its share of the samples), $|\widetilde T|$ its number of
# leaves and $\alpha \ge 0$ a price per leaf. Replacing the subtree $T_t$ below an internal node
# $t$ by the single leaf $t$ changes $R$ by $R(t) - R(T_t) \ge 0$ (with $R(t) = \frac{n_t}{n}
# I(t)$) and saves $|\widetilde T_t| - 1$ leaves, so it pays as soon as $\alpha$ exceeds the
# node's **weakest-link value**
#
# $$g(t) = \frac{R(t) - R(T_t)}{|\widetilde T_t| - 1}.$$
#
# Pruning repeats one step: cut the internal node with the smallest $g(t)$ (the *weakest link*:
# its subtree buys the least impurity per extra leaf), then recompute $g$ for its ancestors. The
# successive smallest values are the **effective alphas** that `cost_complexity_pruning_path`
# returns, with the total leaf impurity after each cut; `ccp_alpha=α` fits the tree and prunes
# every link whose effective alpha is at most α.

# %%
full = DecisionTree(random_state=0)
path = full.cost_complexity_pruning_path(X_train, y_train)
ccp_alphas, impurities = path.ccp_alphas, path.impurities
print(f"{len(ccp_alphas)} effective alphas, from {ccp_alphas[0]:.2g} to {ccp_alphas[-1]:.3g}")
print(
    f"the last two: {ccp_alphas[-2]:.4f} (leaves a stump) and {ccp_alphas[-1]:.4f} "
    "(cuts the root: one leaf)"
)

# %%
alphas = np.geomspace(2e-5, 6e-2, 24)
leaves, train_acc, val_acc = [], [], []
for alpha in alphas:
    model = DecisionTree(ccp_alpha=alpha, random_state=0).fit(X_train, y_train)
    leaves.append(model.get_n_leaves())
    train_acc.append(model.score(X_train, y_train))
    val_acc.append(model.score(X_val, y_val))
best_alpha = alphas[int(np.argmax(val_acc))]
print("leaves at the six largest alphas:", leaves[-6:])

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 3.5))
axes[0].step(ccp_alphas[1:], impurities[1:], where="post")
axes[0].set(
    xscale="log",
    xlabel="effective alpha",
    ylabel="total leaf impurity",
    title="pruning path: impurity rises as leaves go",
)
axes[1].plot(alphas, leaves, "o-")
axes[1].set(xscale="log", yscale="log", xlabel="ccp_alpha", ylabel="leaves", title="tree size")
axes[2].plot(alphas, train_acc, "o-", label="training")
axes[2].plot(alphas, val_acc, "o-", label="validation")
axes[2].axvline(best_alpha, color="grey", ls=":", label=f"best alpha = {best_alpha:.1e}")
axes[2].set(xscale="log", xlabel="ccp_alpha", ylabel="accuracy", title="fit")
axes[2].legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
plt.tight_layout()
plt.show()

# %% [markdown]
# A small $\alpha$ leaves a huge tree that overfits. As $\alpha$ grows the tree shrinks to a
# stump (two leaves, once $\alpha$ passes the second-to-last effective alpha) and finally, past
# the last one, to the root alone, a single leaf that predicts the majority class for everyone
# (its accuracy is the share of the majority class). In between, the pruned tree keeps only the
# splits that pay for themselves. Choosing $\alpha$ (and the depth) on held-out data is the job
# of cross-validation and a grid search, in notebook 03.
#
# **Exercise 4.** Recompute a pruning path by hand. For the depth-3 tree of section 3
# (`DecisionTree(max_depth=3)` on `X2`, `y2`, eight leaves), compute $R(t)$ for every node
# from `tree_.impurity` and `tree_.weighted_n_node_samples`, then repeat: find the internal node
# with the smallest $g(t)$ (the first in node order on a tie), record $g$ and the total leaf
# impurity, and make that node a leaf. Compare your alphas and impurities with
# `cost_complexity_pruning_path(X2, y2)` of the same estimator.

# %% [solution]
small = DecisionTree(max_depth=3)
small.fit(X2, y2)
t = small.tree_
R = t.weighted_n_node_samples * t.impurity / t.weighted_n_node_samples[0]
is_leaf = t.children_left == -1


def subtree(node):
    """The leaves below ``node`` in the tree as pruned so far."""
    if is_leaf[node]:
        return [node]
    return subtree(t.children_left[node]) + subtree(t.children_right[node])


my_alphas, my_impurities = [0.0], [R[subtree(0)].sum()]
while not is_leaf[0]:
    reachable, stack = [], [0]
    while stack:
        node = stack.pop()
        if not is_leaf[node]:
            reachable.append(node)
            stack += [t.children_left[node], t.children_right[node]]
    g = {
        node: (R[node] - R[subtree(node)].sum()) / (len(subtree(node)) - 1)
        for node in sorted(reachable)
    }
    weakest = min(g, key=lambda node: (g[node], node))
    is_leaf[weakest] = True
    my_alphas.append(g[weakest])
    my_impurities.append(R[subtree(0)].sum())

reference = small.cost_complexity_pruning_path(X2, y2)
print("by hand  :", np.round(my_alphas, 5))
print("the tree :", np.round(reference.ccp_alphas, 5))
assert np.allclose(my_alphas, reference.ccp_alphas)
assert np.allclose(my_impurities, reference.impurities)

# %% [markdown]
# ## 6. Categorical features: one-hot columns or native splits
#
# `occupation` has 15 values (14 and "Unknown" for the missing ones). A tree on **one-hot
# columns** (one 0/1 column per value) can only ask *"is it Exec-managerial?"*: one category
# against the rest per node, so separating a group of occupations costs a level per category.
# CART itself splits a categorical feature into **two sets of categories**,
# *occupation in {Exec-managerial, Prof-specialty, ...}*. `DecisionTree(categorical_features=...)`
# does that; it takes what scikit-learn's HistGradientBoosting takes (`"from_dtype"` for the
# pandas `category` columns, a mask, indices or names), and the columns hold category codes or
# pandas categories.
#
# ### Why sorting the categories finds the best set (two classes)
#
# $k$ categories can be split in two in $2^{k-1} - 1$ ways (16,383 for 15 categories). For two
# classes the search needs only $k - 1$ of them. Give each category $c$ its sample count $n_c$
# and its number of positives $m_c$; a left set $S$ is summarised by the point
# $(n_S, m_S) = \sum_{c \in S} (n_c, m_c)$, and the children's weighted impurity is
#
# $$F(n_S, m_S) = n_S\,\phi\!\left(\frac{m_S}{n_S}\right)
#   + (n - n_S)\,\phi\!\left(\frac{m - m_S}{n - n_S}\right),$$
#
# with $\phi(p)$ the impurity of a node with positive share $p$ ($2p(1-p)$ for Gini). Because
# $\phi$ is concave, each term $n\,\phi(m/n)$ is concave in $(n, m)$, and so is $F$. Every
# point $(n_S, m_S)$ lies in the convex polygon obtained by adding up the segments from 0 to
# $(n_c, m_c)$ (a *zonotope*), and a concave function reaches its minimum over a polygon at a
# corner. The corners of this polygon are the partial sums of the vectors $(n_c, m_c)$ taken in
# the order of their slopes $m_c / n_c$, **the categories' shares of positives**: the lower
# boundary adds them from the lowest share up, the upper one from the highest down (the same
# splits, mirrored). So the best split puts the $j$ categories with the lowest shares on one
# side, for some $j$, and CART sorts the categories by their share of positives and scans the
# $k - 1$ cut points like a numeric feature's (Breiman et al. 1984; Fisher 1958 for a
# regression target sorted by its mean; *The Elements of Statistical Learning*, §9.2.4). With
# three or more classes a category is a vector of shares and no such order exists: the tree
# then enumerates the partitions of nodes with few categories (`docs/categorical.md`).
#
# First the sort and scan by hand, on the root node of a training split:

# %%
categorical = ["occupation", "education", "workclass", "marital_status"]
cat_frame = adult[categorical].fillna("Unknown").astype("category")
C_train, C_val, c_train, c_val = train_test_split(
    cat_frame, y_all, test_size=0.3, stratify=y_all, random_state=0
)
occupations = list(C_train["occupation"].cat.categories)
per_category = pd.DataFrame(
    {
        "n": C_train.groupby("occupation", observed=False).size(),
        "positives": pd.Series(c_train, index=C_train.index)
        .groupby(C_train["occupation"], observed=False)
        .sum(),
    }
).loc[occupations]
per_category["share"] = per_category["positives"] / per_category["n"]
by_share = per_category.sort_values("share", kind="stable")
root_counts = [len(c_train) - c_train.sum(), c_train.sum()]  # [negatives, positives]
left_neg = np.cumsum(by_share["n"] - by_share["positives"])[:-1]
left_pos = np.cumsum(by_share["positives"])[:-1]
by_share["decrease, cut after this row"] = [
    *(
        criteria.impurity_decrease(root_counts, [neg, pos], "gini")
        for neg, pos in zip(left_neg, left_pos)
    ),
    np.nan,
]
best_cut = int(np.nanargmax(by_share["decrease, cut after this row"]))
scan_left = set(by_share.index[: best_cut + 1])
by_share.round(4)

# %% [markdown]
# The best cut separates the low-share occupations from the rest. The native tree's stump must
# find the same root split, and a brute-force search over **all 16,383 partitions** must not
# find a better one. The brute force below writes each partition as the bits of an integer
# (category $c$ goes left when bit $c$ is set; the last category always goes right, so each
# partition appears once) and computes every split's Gini decrease with numpy:


# %%
def impurity_of(counts, criterion="gini"):
    """Impurity of each row of class counts (rows: nodes, columns: classes)."""
    shares = counts / counts.sum(axis=1, keepdims=True)
    if criterion == "gini":
        return 1.0 - (shares**2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.nansum(shares * np.log2(shares), axis=1)


def all_partitions(category_counts, criterion="gini"):
    """Impurity decrease of every split of the categories in two: (left masks, decreases)."""
    k = len(category_counts)
    masks = np.arange(1, 2 ** (k - 1))
    goes_left = (masks[:, None] >> np.arange(k)) & 1  # one row per partition
    left = goes_left @ category_counts
    right = category_counts.sum(axis=0) - left
    n = category_counts.sum()
    parent = impurity_of(category_counts.sum(axis=0, keepdims=True), criterion)[0]
    decrease = (
        parent
        - left.sum(1) / n * impurity_of(left, criterion)
        - right.sum(1) / n * impurity_of(right, criterion)
    )
    return goes_left.astype(bool), decrease


occupation_counts = np.c_[per_category["n"] - per_category["positives"], per_category["positives"]]
goes_left, decreases = all_partitions(occupation_counts.astype(float))
brute_left = {c for c, left in zip(occupations, goes_left[decreases.argmax()]) if left}


def split_sets(left, categories):
    return {frozenset(left), frozenset(set(categories) - set(left))}


native_stump = DecisionTree(categorical_features="from_dtype", max_depth=1)
native_stump.fit(C_train[["occupation"]], c_train)
probe = pd.DataFrame({"occupation": pd.Categorical(occupations, categories=occupations)})
stump_left = {
    c
    for c, leaf in zip(occupations, native_stump.apply(probe))
    if leaf == native_stump.tree_.children_left[0]
}
ts = native_stump.tree_
stump_decrease = ts.impurity[0] - sum(
    ts.weighted_n_node_samples[child] / ts.weighted_n_node_samples[0] * ts.impurity[child]
    for child in (ts.children_left[0], ts.children_right[0])
)
print(f"{len(decreases):,} partitions searched; best Gini decrease {decreases.max():.6f}")
print(
    f"sort and scan {by_share['decrease, cut after this row'].max():.6f}, "
    f"native stump {stump_decrease:.6f}"
)
print(export_text(native_stump, feature_names=["occupation"]).splitlines()[0])
assert split_sets(brute_left, occupations) == split_sets(scan_left, occupations)
assert split_sets(stump_left, occupations) == split_sets(brute_left, occupations)
assert np.isclose(stump_decrease, decreases.max())

# %% [markdown]
# The one-hot stump can only choose the best *single* occupation against the rest: 15 of the
# 16,383 partitions. Where those stand among all of them:

# %%
single = goes_left.sum(axis=1) == 1
single |= goes_left.sum(axis=1) == len(occupations) - 1  # "all but the last one" is one too
fig, ax = plt.subplots(figsize=(7, 3))
ax.hist(decreases, bins=60, color="0.7", label="all 16,383 partitions")
ax.hist(
    decreases[single],
    bins=60,
    range=(decreases.min(), decreases.max()),
    color="C1",
    label="one occupation against the rest (one-hot)",
)
ax.axvline(decreases[single].max(), color="C1", ls="--", label="best one-hot question")
ax.axvline(decreases.max(), color="C0", lw=2, label="best partition = sorted prefix")
ax.set(xlabel="Gini decrease of the root split", ylabel="partitions", yscale="log")
ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
plt.show()
print(
    f"best one-hot question: {decreases[single].max():.4f}; "
    f"best set of occupations: {decreases.max():.4f}"
)

# %% [markdown]
# ### The same data, one-hot and native
#
# Four categorical columns (occupation, education, workclass, marital status; 54 categories)
# and the same stopping rule, `min_samples_leaf=50`, once on the 54 one-hot columns and once
# natively. Then both grown best-first to a given number of leaves (`max_leaf_nodes`): how
# deep each gets and how well it ranks the validation set.

# %%
encoder = OneHotEncoder().fit(C_train)
O_train, O_val = encoder.transform(C_train), encoder.transform(C_val)
native = DecisionTree(categorical_features="from_dtype", min_samples_leaf=50).fit(C_train, c_train)
onehot = DecisionTree(min_samples_leaf=50).fit(O_train, c_train)
pd.DataFrame(
    {
        "depth": [onehot.get_depth(), native.get_depth()],
        "leaves": [onehot.get_n_leaves(), native.get_n_leaves()],
        "validation ROC AUC": [
            roc_auc_score(c_val, onehot.predict_proba(O_val)[:, 1]),
            roc_auc_score(c_val, native.predict_proba(C_val)[:, 1]),
        ],
    },
    index=["one-hot (54 columns)", "native (4 columns)"],
).round(4)

# %%
budgets = [2, 4, 8, 16, 32, 64]
grown = {"one-hot": [], "native": []}
for n_leaves in budgets:
    for name, X_fit, X_check, extra in [
        ("one-hot", O_train, O_val, {}),
        ("native", C_train, C_val, {"categorical_features": "from_dtype"}),
    ]:
        m = DecisionTree(max_leaf_nodes=n_leaves, **extra).fit(X_fit, c_train)
        grown[name].append((m.get_depth(), roc_auc_score(c_val, m.predict_proba(X_check)[:, 1])))

fig, axes = plt.subplots(1, 2, figsize=(10, 3.3))
for name, color in [("one-hot", "C1"), ("native", "C0")]:
    depth_of, auc_of = zip(*grown[name])
    axes[0].plot(budgets, depth_of, "o-", color=color, label=name)
    axes[1].plot(budgets, auc_of, "o-", color=color, label=name)
axes[0].set(
    xscale="log",
    xlabel="leaves (max_leaf_nodes)",
    ylabel="depth",
    title="depth needed for that many leaves",
)
axes[1].set(
    xscale="log",
    xlabel="leaves (max_leaf_nodes)",
    ylabel="validation ROC AUC",
    title="ranking quality",
)
for ax in axes:
    ax.set_xticks(budgets, [str(b) for b in budgets])
    ax.minorticks_off()
axes[0].yaxis.set_major_locator(MaxNLocator(integer=True))
axes[1].legend(frameon=False, loc="lower right")
plt.tight_layout()
plt.show()

# %% [markdown]
# The first questions of each tree (the top two levels): the native tree asks about sets, the
# one-hot tree about one category at a time (`export_text` shortens a set of more than 12
# categories to its first 12 and how many more; the `not in` line is the right branch).

# %%
shallow_native = DecisionTree(categorical_features="from_dtype", max_depth=2).fit(C_train, c_train)
shallow_onehot = DecisionTree(max_depth=2).fit(O_train, c_train)
print(export_text(shallow_native, feature_names=categorical))
print(export_text(shallow_onehot, feature_names=list(encoder.get_feature_names_out())))

# %% [markdown]
# With the same budget of leaves the native tree is shallower and ranks better here: each of
# its questions can group many categories at once. Native splits are not always the more
# accurate choice, though: a set chosen among thousands of partitions in a small node can fit
# noise. On all of Adult's columns with a tuned tree, the workflow's measurement kept one-hot as
# its default (`model.pipeline.encoding`, see the CHANGELOG). Native splits work with the exact
# splitter only, not with `splitter="hist"`.
#
# **Exercise 5.** Does the sort and scan also find the best split with *entropy*? Check it on
# `education` (16 categories, 32,767 partitions): sort its categories by their share of
# positives on `C_train`, scan the 15 prefixes with `criteria.impurity_decrease(...,
# "entropy")`, compare the best with the brute force `all_partitions(counts, "entropy")` and
# with the root split of a native stump with `criterion="entropy"`.

# %% [solution]
levels = list(C_train["education"].cat.categories)
positives = pd.Series(c_train).groupby(C_train["education"].to_numpy()).agg(["size", "sum"])
positives = positives.loc[levels]
edu_counts = np.c_[positives["size"] - positives["sum"], positives["sum"]].astype(float)
order = np.argsort(edu_counts[:, 1] / edu_counts.sum(axis=1), kind="stable")
prefix = np.cumsum(edu_counts[order], axis=0)[:-1]
scan = [criteria.impurity_decrease(edu_counts.sum(axis=0), row, "entropy") for row in prefix]
masks, edu_decreases = all_partitions(edu_counts, "entropy")
edu_stump = DecisionTree(categorical_features="from_dtype", criterion="entropy", max_depth=1)
edu_stump.fit(C_train[["education"]], c_train)
te = edu_stump.tree_
edu_stump_decrease = te.impurity[0] - sum(
    te.weighted_n_node_samples[child] / te.weighted_n_node_samples[0] * te.impurity[child]
    for child in (te.children_left[0], te.children_right[0])
)
print(
    f"{len(edu_decreases):,} partitions: best {edu_decreases.max():.6f} bits; "
    f"sorted prefixes: {max(scan):.6f}; native stump: {edu_stump_decrease:.6f}"
)
assert len(edu_decreases) == 2**15 - 1
assert np.isclose(max(scan), edu_decreases.max())
assert np.isclose(edu_stump_decrease, edu_decreases.max())

# %% [markdown]
# ## 7. Our tree next to scikit-learn's
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
    return (
        t.weighted_n_node_samples[node] * t.impurity[node]
        - t.weighted_n_node_samples[left] * t.impurity[left]
        - t.weighted_n_node_samples[right] * t.impurity[right]
    )


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
            stack += [
                (a.children_left[i], b.children_left[j]),
                (a.children_right[i], b.children_right[j]),
            ]
        else:
            assert np.isclose(decrease(a, i), decrease(b, j)), f"node {i}: a better split exists"
            ties += 1
    return same, ties


same, ties = compare_splits(ours.tree_, theirs.tree_)
agree = np.mean(ours.predict(X_full) == theirs.predict(X_full))
print(
    f"{ours.tree_.node_count} nodes: {same} identical splits, {ties} exact ties broken "
    f"differently; the two trees agree on {agree:.2%} of the rows"
)

# %% [markdown]
# And the time each takes to fit all 32,561 rows (best of five; our kernels were compiled or
# loaded by the import cell, so compilation is not counted). Both use the *exact* splitter,
# which keeps every feature sorted. For data too large for that, `splitter="hist"` bins each
# feature once into at most `max_bins=255` bins and searches the splits on per-node histograms,
# one byte per value instead of nine, with thresholds still in the data's units; where a
# feature has at most 255 distinct values it grows the very same tree, and it is what trains
# one tree on a Dask cluster (`docs/hist_and_dask.md`).


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
ax.set_xlim(0, 1.3 * 1000 * max(timings.values()))  # room for the labels inside the axes
for i, seconds in enumerate(timings.values()):
    ax.text(1000 * seconds, i, f" {1000 * seconds:.0f} ms", va="center")
plt.show()

# %% [markdown]
# ## Summary
#
# * Entropy and Gini impurity measure how mixed a node is; information gain is the impurity a
#   split removes, weighted by the share of samples on each side.
# * CART tries the midpoint between each pair of consecutive distinct values of every feature
#   and keeps the split with the largest gain.
# * Each split cuts a region in two along one axis; depth controls how fine the rectangles get.
# * A tree diagram shows counts per class, sends True to the left and colours a node by its
#   majority class, the more intense the purer; `apply` and `decision_path` follow samples
#   through the tree's arrays.
# * Depth beyond the validation peak only memorises noise; cost-complexity pruning removes the
#   weakest links, the subtrees with the smallest $g(t)$, and `ccp_alpha` picks how many.
# * A native categorical split sends a *set* of categories left; for two classes sorting the
#   categories by their share of positives and scanning the prefixes finds the best set, as
#   the brute force over every partition confirmed.
# * `tree.DecisionTree` builds the same tree as scikit-learn's reference implementation.
#
# Next, notebook 02: how to tell whether a model is any good.
