# %% [markdown]
# # 02 · Evaluating a classifier
#
# **What you will learn**
#
# 1. Best practices: keep a held-out test set, stratify the split, and avoid *leakage*;
#    why accuracy misleads when one class is rare.
# 2. The threshold metrics (precision, recall, F1, balanced accuracy, MCC), built from the
#    confusion matrix up.
# 3. The ranking metrics: ROC and precision-recall curves built by hand from sorted scores, then
#    with `metrics`.
# 4. Why ROC AUC must be computed from *scores*, never from hard predictions.
# 5. How to choose a decision threshold with `metrics.best_threshold`.
#
# Every number comes from this project's `metrics`, `tree` and `pipeline` packages.

# %%
import matplotlib.pyplot as plt
import numpy as np

import metrics
from pipeline.datasets import load_adult
from pipeline.model_selection import train_test_split
from tree import DecisionTree

# %%
adult = load_adult()
numeric = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
X = adult[numeric]
y = (adult["high_income"] == ">50K").to_numpy().astype(int)
print(f"{len(y):,} people, {y.mean():.1%} earn more than 50K (the positive class)")

# %% [markdown]
# ## 1. Best practices
#
# ### A held-out test set, split with stratification
#
# A model is judged on data it never saw while being built: not during training, not while its
# hyperparameters or threshold were chosen. We split once, at the start, into *train*,
# *validation* (for choices) and *test* (looked at once, at the very end).
#
# With a random split, the share of positives in a small test set wobbles from split to split.
# A **stratified** split keeps it equal to the population's, so every split is evaluated on the
# same class balance. Here, 200 random 10 % test sets drawn each way:

# %%
shares = {"random": [], "stratified": []}
for seed in range(200):
    _, _, _, y_te = train_test_split(X, y, test_size=0.1, random_state=seed)
    shares["random"].append(y_te.mean())
    _, _, _, y_te = train_test_split(X, y, test_size=0.1, stratify=y, random_state=seed)
    shares["stratified"].append(y_te.mean())

bins = np.linspace(min(shares["random"]), max(shares["random"]), 31)
fig, ax = plt.subplots(figsize=(6, 2.5))
ax.hist(shares["random"], bins=bins, alpha=0.7, label="random split")
ax.hist(shares["stratified"], bins=bins, alpha=0.7, label="stratified split")
ax.axvline(y.mean(), color="k", ls=":", label="whole data set")
ax.set(xlabel="share of positives in the test set", ylabel="splits")
ax.legend(frameon=False)
plt.show()

# %%
X_rest, X_test, y_rest, y_test = train_test_split(
    X, y, test_size=0.2, stratify=y, random_state=42
)
X_train, X_val, y_train, y_val = train_test_split(
    X_rest, y_rest, test_size=0.25, stratify=y_rest, random_state=42
)
print(f"train {len(y_train):,} · validation {len(y_val):,} · test {len(y_test):,}")

# %% [markdown]
# ### Leakage
#
# Leakage is information in training that will not exist when the model is used: a column
# recorded *after* the outcome, statistics computed on the test rows, a threshold tuned on the
# test set. It makes the evaluation optimistic and the deployed model worse. A blunt example:
# a column "paid the top tax rate" is known only once the income is known. Added as a feature,
# it makes the model look nearly perfect.

# %%
rng = np.random.default_rng(0)


def with_tax_column(X_part, y_part):
    leaked = X_part.copy()
    leaked["paid_top_tax_rate"] = np.where(rng.random(len(y_part)) < 0.95, y_part, 1 - y_part)
    return leaked


honest = DecisionTree(max_depth=6).fit(X_train, y_train)
leaky = DecisionTree(max_depth=6).fit(with_tax_column(X_train, y_train), y_train)
print(f"honest model, validation accuracy: {honest.score(X_val, y_val):.3f}")
print(f"leaky model,  validation accuracy: {leaky.score(with_tax_column(X_val, y_val), y_val):.3f}")

# %% [markdown]
# The leaky score is a mirage: on new people the column is unknown. The cure is discipline about
# *when* each piece of information exists, and fitting every preprocessing step on the training
# rows only (notebook 03 puts the steps in a `Pipeline` for exactly this reason).
#
# ### Why accuracy misleads on imbalanced data
#
# A "model" that always answers *no* is right for everyone who earns less than 50K. Here about
# 76 % of people; in a rarer problem (fraud, disease) it would be 99 %:

# %%
always_no = np.zeros_like(y_val)
print(f"accuracy          {metrics.accuracy_score(y_val, always_no):.3f}")
print(f"balanced accuracy {metrics.balanced_accuracy_score(y_val, always_no):.3f}")
print(f"recall            {metrics.recall_score(y_val, always_no, zero_division=0):.3f}")

# %% [markdown]
# Accuracy rewards it; balanced accuracy (the mean recall over classes) and recall of the
# positive class expose it. We need metrics that look at each class.
#
# ## 2. Threshold metrics, from the confusion matrix up
#
# A classifier that outputs a class (here: probability ≥ 0.5) makes four kinds of outcome.
# Everything else is arithmetic on these four counts.

# %%
model = DecisionTree(max_depth=8, min_samples_leaf=20).fit(X_train, y_train)
val_score = model.predict_proba(X_val)[:, 1]
val_pred = (val_score >= 0.5).astype(int)
(tn, fp), (fn, tp) = metrics.confusion_matrix(y_val, val_pred)
print(f"TN={tn}  FP={fp}\nFN={fn}  TP={tp}")

# %%
fig, ax = plt.subplots(figsize=(3.5, 3.5))
metrics.ConfusionMatrixDisplay.from_predictions(
    y_val, val_pred, display_labels=["<=50K", ">50K"], ax=ax, colorbar=False
)
plt.show()

# %% [markdown]
# | metric | formula | question it answers |
# | --- | --- | --- |
# | precision | TP / (TP + FP) | of those we flagged, how many are positive? |
# | recall (TPR) | TP / (TP + FN) | of the positives, how many did we find? |
# | F1 | 2 · P · R / (P + R) | harmonic mean: high only if both are |
# | specificity (TNR) | TN / (TN + FP) | of the negatives, how many did we leave alone? |
# | balanced accuracy | (TPR + TNR) / 2 | accuracy if both classes were equally frequent |
# | MCC | (TP·TN − FP·FN) / √((TP+FP)(TP+FN)(TN+FP)(TN+FN)) | correlation of truth and guess |
#
# By hand, and then with `metrics`:

# %%
precision = tp / (tp + fp)
recall = tp / (tp + fn)
by_hand = {
    "precision": precision,
    "recall": recall,
    "f1": 2 * precision * recall / (precision + recall),
    "balanced_accuracy": (recall + tn / (tn + fp)) / 2,
    "mcc": (tp * tn - fp * fn) / np.sqrt(float((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))),
}
with_metrics = {
    "precision": metrics.precision_score(y_val, val_pred),
    "recall": metrics.recall_score(y_val, val_pred),
    "f1": metrics.f1_score(y_val, val_pred),
    "balanced_accuracy": metrics.balanced_accuracy_score(y_val, val_pred),
    "mcc": metrics.matthews_corrcoef(y_val, val_pred),
}
for name in by_hand:
    assert np.isclose(by_hand[name], with_metrics[name]), name
    print(f"{name:18s} {by_hand[name]:.4f}  (metrics: {with_metrics[name]:.4f})")

# %%
print(metrics.classification_report(y_val, val_pred, target_names=["<=50K", ">50K"]))

# %% [markdown]
# ## 3. Ranking metrics, built by hand from sorted scores
#
# The 0.5 threshold was arbitrary. The model's *scores* rank people from most to least likely
# to be positive; every threshold is a cut somewhere in that ranking. Sort by score, walk down
# the list, and count the positives (TP) and negatives (FP) above each cut. Tied scores (a tree
# gives every sample in a leaf the same score) must be cut together, so we keep only the last
# position of each distinct score.

# %%
order = np.argsort(-val_score, kind="stable")
sorted_score, sorted_y = val_score[order], y_val[order]
tp_above = np.cumsum(sorted_y)
fp_above = np.cumsum(1 - sorted_y)
last_of_tie = np.r_[np.flatnonzero(np.diff(sorted_score)), len(sorted_score) - 1]
tps, fps, thresholds = tp_above[last_of_tie], fp_above[last_of_tie], sorted_score[last_of_tie]

tpr = np.r_[0, tps / tps[-1]]  # recall, from the empty cut (threshold above every score)
fpr = np.r_[0, fps / fps[-1]]
precision_curve = tps / (tps + fps)
recall_curve = tps / tps[-1]
print(f"{len(thresholds)} distinct thresholds")

# %% [markdown]
# The **ROC curve** plots the true-positive rate against the false-positive rate; its area (ROC
# AUC) is the probability that a random positive is scored above a random negative. The
# **precision-recall curve** plots precision against recall; its summary, **average precision**,
# is $\sum_n (R_n - R_{n-1}) P_n$. Both by hand, and with `metrics`:

# %%
auc_by_hand = np.trapezoid(tpr, fpr)
ap_by_hand = np.sum(np.diff(np.r_[0, recall_curve]) * precision_curve)

fpr_m, tpr_m, thr_m = metrics.roc_curve(y_val, val_score)
prec_m, rec_m, _ = metrics.precision_recall_curve(y_val, val_score)
auc_m = metrics.roc_auc_score(y_val, val_score)
ap_m = metrics.average_precision_score(y_val, val_score)
print(f"ROC AUC by hand {auc_by_hand:.4f}, metrics {auc_m:.4f}")
print(f"average precision by hand {ap_by_hand:.4f}, metrics {ap_m:.4f}")
assert np.isclose(auc_by_hand, auc_m) and np.isclose(ap_by_hand, ap_m)

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
axes[0].plot(fpr, tpr, "o", ms=4, label=f"by hand (AUC {auc_by_hand:.3f})")
metrics.RocCurveDisplay.from_predictions(y_val, val_score, ax=axes[0], name="metrics")
axes[1].plot(recall_curve, precision_curve, "o", ms=4, label=f"by hand (AP {ap_by_hand:.3f})")
metrics.PrecisionRecallDisplay.from_predictions(y_val, val_score, ax=axes[1], name="metrics")
axes[0].legend(frameon=False, loc="lower right")
axes[1].legend(frameon=False, loc="lower left")
plt.show()

# %% [markdown]
# The dots (by hand) sit on the `metrics` curves. On the ROC curve a random classifier is the
# diagonal; on the precision-recall curve it is the horizontal line at the share of positives,
# which is why PR curves are the more telling picture when positives are rare.
#
# ## 4. ROC AUC needs scores, not hard predictions
#
# Feed `roc_auc_score` the 0/1 predictions and the "curve" has a single corner: the one
# threshold those labels allow. The area under it is just the balanced accuracy at 0.5, and the
# ranking information is thrown away.

# %%
auc_from_labels = metrics.roc_auc_score(y_val, val_pred)
fpr_l, tpr_l, _ = metrics.roc_curve(y_val, val_pred)
fig, ax = plt.subplots(figsize=(4.5, 4))
ax.plot(fpr_m, tpr_m, label=f"from scores: AUC {auc_m:.3f}")
ax.plot(fpr_l, tpr_l, "o-", label=f"from 0/1 predictions: AUC {auc_from_labels:.3f}")
ax.plot([0, 1], [0, 1], "k:", lw=1)
ax.set(xlabel="false-positive rate", ylabel="true-positive rate")
ax.legend(frameon=False, loc="lower right")
plt.show()
assert np.isclose(auc_from_labels, metrics.balanced_accuracy_score(y_val, val_pred))

# %% [markdown]
# ## 5. Choosing a decision threshold
#
# The default 0.5 is rarely the best cut. `metrics.best_threshold` scans every distinct score and
# returns the threshold that maximises an objective: F-beta, Youden's J (TPR − FPR, the ROC point
# farthest above the diagonal), or the lowest cost under a cost matrix. We choose on the
# **validation** set and check once on the **test** set.

# %%
choices = {
    "F1": metrics.best_threshold(y_val, val_score, objective="f1"),
    "Youden's J": metrics.best_threshold(y_val, val_score, objective="youden"),
}
for name, choice in choices.items():
    print(f"{name:10s} threshold {choice.threshold:.3f}, value {choice.value:.3f}")

# %% [markdown]
# With a cost matrix the threshold follows the costs. Say a missed high earner (a false
# negative) costs five times as much as a false alarm; `cost[true][predicted]`, negative class
# first, like the confusion matrix:

# %%
cost = [[0, 1], [5, 0]]
by_cost = metrics.best_threshold(y_val, val_score, objective=("cost", cost))
print(f"cheapest threshold {by_cost.threshold:.3f}, mean cost per person {by_cost.value:.3f}")

# %%
grid = np.linspace(0.02, 0.98, 97)
f1_at = [metrics.f1_score(y_val, (val_score >= t).astype(int), zero_division=0) for t in grid]
j_at = [
    metrics.recall_score(y_val, (val_score >= t).astype(int), zero_division=0)
    - np.mean(val_score[y_val == 0] >= t)
    for t in grid
]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(grid, f1_at, label="F1")
ax.plot(grid, j_at, label="Youden's J")
for (name, choice), color in zip(choices.items(), ["C0", "C1"]):
    ax.axvline(choice.threshold, color=color, ls=":", label=f"best {name}: {choice.threshold:.2f}")
ax.axvline(0.5, color="grey", lw=1, label="default 0.5")
ax.set(xlabel="threshold on the predicted probability", ylabel="validation value")
ax.legend(frameon=False, fontsize=8)
plt.show()

# %% [markdown]
# Finally, the test set, used once: the default threshold against the one chosen for F1 on
# validation.

# %%
test_score = model.predict_proba(X_test)[:, 1]
for name, threshold in [("default 0.5", 0.5), ("F1-chosen", choices["F1"].threshold)]:
    test_pred = (test_score >= threshold).astype(int)
    print(
        f"{name:12s} threshold {threshold:.3f}: F1 {metrics.f1_score(y_test, test_pred):.3f}, "
        f"precision {metrics.precision_score(y_test, test_pred):.3f}, "
        f"recall {metrics.recall_score(y_test, test_pred):.3f}"
    )
print(f"test ROC AUC {metrics.roc_auc_score(y_test, test_score):.3f} (threshold-free)")

# %% [markdown]
# ## Summary
#
# * Split once, stratified; choose on validation, report on test; fit nothing on the test rows.
# * On imbalanced data accuracy flatters a useless model: look at recall, precision, F1,
#   balanced accuracy, MCC, all from the confusion matrix.
# * ROC and PR curves sweep every threshold over the sorted scores; AUC and average precision
#   summarise them and must be computed from scores.
# * The threshold is a choice made for the use case (`best_threshold`), on validation data.
#
# Next, notebook 03: turning this notebook code into a reusable pipeline.
