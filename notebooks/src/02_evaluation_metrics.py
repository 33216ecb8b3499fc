# %% [markdown]
# # 02 · Evaluating a classifier
#
# **What you will learn**
#
# 1. Best practices: keep a held-out test set, stratify the split, and avoid *leakage*;
#    why accuracy misleads when one class is rare, and the baseline every accuracy must beat.
# 2. The threshold metrics (precision, recall, F1, balanced accuracy, MCC), built from the
#    confusion matrix up, and what the *macro* and *weighted* averages of a report mean.
# 3. The ranking metrics: ROC and precision-recall curves built by hand from sorted scores, then
#    with `metrics`; what ROC AUC is as a probability, ties included.
# 4. Why ROC AUC must be computed from *scores*, never from hard predictions.
# 5. Judging the probabilities themselves: log loss and calibration.
# 6. How to choose a decision threshold with `metrics.best_threshold`, and the threshold that
#    decision theory gives for a cost matrix.
# 7. How much a metric moves from one sample to another: the cross-validated spread.
#
# Every number comes from this project's `metrics`, `tree` and `pipeline` packages. Most main
# sections end with an **exercise**; its solution is the collapsed cell after it.

# %%
import matplotlib.pyplot as plt
import numpy as np

import metrics
from pipeline.datasets import load_adult
from pipeline.model_selection import StratifiedKFold, cross_val_score, train_test_split
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
# *validation* (for choices) and *test* (looked at once, at the very end of this notebook).
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
ax.set(xlabel="share of positives in the test set", ylabel="splits (of 200)")
ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
plt.show()

# %%
X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)
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
# positive class expose it. We need metrics that look at each class. And every accuracy is to
# be read against this **majority-class baseline**, about 0.76 here: an accuracy of 0.80 sounds
# fine and is only four points better than answering *no* to everyone (the workflow's
# accuracy gate in notebook 04 is read the same way).
#
# **Exercise 1.** Without fitting anything, what accuracy does the majority-class baseline
# reach on the *test* set? Compute it from the class counts of `y_test` alone, and check it with
# `metrics.accuracy_score` on a constant prediction. Also compute its balanced accuracy from the
# definition (mean of the per-class recalls) and check that.

# %% [solution]
negatives, positives = np.bincount(y_test)
baseline_accuracy = negatives / (negatives + positives)
recall_of_negatives, recall_of_positives = 1.0, 0.0  # it calls everyone negative
baseline_balanced = (recall_of_negatives + recall_of_positives) / 2
constant = np.zeros_like(y_test)
print(f"baseline accuracy on test {baseline_accuracy:.4f}, balanced accuracy {baseline_balanced}")
assert np.isclose(baseline_accuracy, metrics.accuracy_score(y_test, constant))
assert np.isclose(baseline_balanced, metrics.balanced_accuracy_score(y_test, constant))

# %% [markdown]
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

# %% [markdown]
# `classification_report` prints the three metrics once per class, each class taken in turn as
# "the positive one" (the `<=50K` row is precision, recall and F1 of the negatives), with its
# **support**, the number of true members. Its last two rows summarise the classes:
#
# * **macro avg**: the plain mean over the classes, each class counting the same, however rare;
# * **weighted avg**: the mean weighted by the support, so dominated by the frequent class.
#
# On imbalanced data the two differ, and the macro average is the one a rare class can pull
# down. (The "accuracy" row is the overall accuracy; the macro-averaged recall is exactly the
# balanced accuracy.)

# %%
print(metrics.classification_report(y_val, val_pred, target_names=["<=50K", ">50K"]))
per_class_f1 = metrics.f1_score(y_val, val_pred, average=None)
support = np.bincount(y_val)
macro_by_hand = per_class_f1.mean()
weighted_by_hand = (per_class_f1 * support).sum() / support.sum()
print(f"F1 per class {np.round(per_class_f1, 4)}, support {support}")
print(f"macro F1 {macro_by_hand:.4f}, weighted F1 {weighted_by_hand:.4f}")
assert np.isclose(macro_by_hand, metrics.f1_score(y_val, val_pred, average="macro"))
assert np.isclose(weighted_by_hand, metrics.f1_score(y_val, val_pred, average="weighted"))

# %% [markdown]
# **Exercise 2.** F1 weighs precision and recall equally. $F_\beta = (1 + \beta^2) P R /
# (\beta^2 P + R)$ counts recall $\beta$ times as important. Compute $F_2$ of `val_pred` from
# `tp`, `fp` and `fn` alone and check it with `metrics.fbeta_score`. Then check the claim above
# that the macro-averaged recall is the balanced accuracy.

# %% [solution]
p_hand, r_hand = tp / (tp + fp), tp / (tp + fn)
f2 = 5 * p_hand * r_hand / (4 * p_hand + r_hand)
print(f"F2 by hand {f2:.4f} (F1 was {by_hand['f1']:.4f}: a low recall costs more under F2)")
assert np.isclose(f2, metrics.fbeta_score(y_val, val_pred, beta=2))
assert np.isclose(
    metrics.recall_score(y_val, val_pred, average="macro"),
    metrics.balanced_accuracy_score(y_val, val_pred),
)

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
print(f"{len(thresholds)} distinct thresholds for {len(val_score):,} people")

# %% [markdown]
# The **ROC curve** plots the true-positive rate against the false-positive rate. The
# **precision-recall curve** plots precision against recall; its summary, **average
# precision**, is $\sum_n (R_n - R_{n-1}) P_n$. The areas, by hand and with `metrics`:

# %%
auc_by_hand = np.trapezoid(tpr, fpr)
ap_by_hand = np.sum(np.diff(np.r_[0, recall_curve]) * precision_curve)

fpr_m, tpr_m, thr_m = metrics.roc_curve(y_val, val_score)
auc_m = metrics.roc_auc_score(y_val, val_score)
ap_m = metrics.average_precision_score(y_val, val_score)
print(f"ROC AUC by hand {auc_by_hand:.4f}, metrics {auc_m:.4f}")
print(f"average precision by hand {ap_by_hand:.4f}, metrics {ap_m:.4f}")
assert np.isclose(auc_by_hand, auc_m) and np.isclose(ap_by_hand, ap_m)

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
axes[0].plot(fpr, tpr, "o", ms=4, label=f"by hand (AUC {auc_by_hand:.3f})")
metrics.RocCurveDisplay.from_predictions(y_val, val_score, ax=axes[0], name="metrics")
axes[1].plot(recall_curve, precision_curve, "o", ms=4, label=f"by hand (AP {ap_by_hand:.3f})")
metrics.PrecisionRecallDisplay.from_predictions(y_val, val_score, ax=axes[1], name="metrics")
for ax in axes:  # legends under the axes, off the curves and the chance lines
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16))
plt.tight_layout()
plt.show()

# %% [markdown]
# The dots (by hand) sit on the `metrics` curves. On the ROC curve a random classifier is the
# diagonal; on the precision-recall curve it is the horizontal line at the share of positives,
# which is why PR curves are the more telling picture when positives are rare.
#
# ### ROC AUC as a probability, ties included
#
# Draw one positive and one negative person at random. ROC AUC is the probability that the
# positive gets the higher score **plus half the probability that the two scores are equal**:
#
# $$\mathrm{AUC} = P(s^+ > s^-) + \tfrac12\,P(s^+ = s^-).$$
#
# A tie is a cut that cannot separate the pair, and the ROC curve crosses it by a straight
# segment, whose area gives half credit. Dropping the half is harmless for a model with
# continuous scores and not for a tree, whose scores take one value per leaf. Over all
# positive-negative pairs of the validation set:

# %%
pos_scores, neg_scores = val_score[y_val == 1], val_score[y_val == 0]
p_greater = np.mean(pos_scores[:, None] > neg_scores[None, :])
p_equal = np.mean(pos_scores[:, None] == neg_scores[None, :])
print(f"{len(pos_scores) * len(neg_scores):,} pairs")
print(f"P(positive scored higher) = {p_greater:.3f}, P(tie) = {p_equal:.3f}")
print(f"P(>) + P(=)/2 = {p_greater + p_equal / 2:.4f}; roc_auc_score = {auc_m:.4f}")
assert np.isclose(p_greater + p_equal / 2, auc_m)

# %% [markdown]
# **Exercise 3.** The same number comes from ranks (the Mann-Whitney U statistic): rank all
# validation scores from 1 (lowest) to n, giving tied scores the mean of the ranks they occupy;
# then $\mathrm{AUC} = (\sum \text{ranks of the positives} - n_+(n_+ + 1)/2) / (n_+ n_-)$.
# Compute it without any pairwise comparison and check it with `metrics.roc_auc_score`.

# %% [solution]
values, inverse, counts = np.unique(val_score, return_inverse=True, return_counts=True)
last_rank = np.cumsum(counts)  # the rank of the last of each group of equal scores
mid_rank = last_rank - (counts - 1) / 2  # the mean of the ranks a group occupies
ranks = mid_rank[inverse]
n_pos, n_neg = int(y_val.sum()), int((1 - y_val).sum())
auc_from_ranks = (ranks[y_val == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
print(f"AUC from ranks {auc_from_ranks:.6f}")
assert np.isclose(auc_from_ranks, metrics.roc_auc_score(y_val, val_score))

# %% [markdown]
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
ax.plot([0, 1], [0, 1], "k:", lw=1, label="chance")
ax.set(xlabel="false-positive rate", ylabel="true-positive rate")
ax.legend(frameon=False, loc="lower right")
plt.show()
assert np.isclose(auc_from_labels, metrics.balanced_accuracy_score(y_val, val_pred))

# %% [markdown]
# ## 5. Judging the probabilities: log loss and calibration
#
# The threshold and ranking metrics use the scores only through their order. When the
# probabilities themselves are used (an expected cost, a risk shown to a person, the cost
# threshold of section 6), they must also mean what they say. Two tools, both reported by the
# workflow's evaluation in notebook 04:
#
# * **log loss** (cross-entropy) is the mean of $-\ln$ of the probability the model gave to the
#   class that happened: $-\frac1n \sum_i [y_i \ln p_i + (1 - y_i) \ln(1 - p_i)]$, in nats,
#   0 for a perfect and confident model. A confident mistake is punished without bound, so the
#   probabilities are clipped to $[\varepsilon, 1 - \varepsilon]$ (machine epsilon); a tree's
#   pure leaf predicts exactly 0 or 1, and one person of the other class in it costs
#   $-\ln \varepsilon \approx 36$ nats;
# * **calibration**: among the people given a probability of about 0.3, about 30 % should be
#   positive. A **reliability diagram** groups the predictions into bins and plots each bin's
#   share of positives against its mean prediction; a calibrated model lies on the diagonal.
#   The **Brier score**, the mean of $(p_i - y_i)^2$, summarises both calibration and ranking.

# %%
eps = np.finfo(float).eps
clipped = np.clip(val_score, eps, 1 - eps)
log_loss_by_hand = -np.mean(y_val * np.log(clipped) + (1 - y_val) * np.log(1 - clipped))
certain_and_wrong = ((val_score == 0) & (y_val == 1)) | ((val_score == 1) & (y_val == 0))
print(f"log loss by hand {log_loss_by_hand:.4f}, metrics {metrics.log_loss(y_val, val_score):.4f}")
print(
    f"{certain_and_wrong.sum()} people in pure leaves of the wrong class contribute "
    f"{-np.log(eps) * certain_and_wrong.sum() / len(y_val):.4f} of it"
)
assert np.isclose(log_loss_by_hand, metrics.log_loss(y_val, val_score))

# %%
edges = np.linspace(0, 1, 11)
which_bin = np.clip(np.digitize(val_score, edges[1:-1]), 0, 9)
filled = [b for b in range(10) if np.any(which_bin == b)]
mean_predicted = np.array([val_score[which_bin == b].mean() for b in filled])
share_positive = np.array([y_val[which_bin == b].mean() for b in filled])
people = np.array([np.sum(which_bin == b) for b in filled])
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [1, 1.3]})
axes[0].plot([0, 1], [0, 1], "k:", lw=1, label="perfectly calibrated")
axes[0].plot(mean_predicted, share_positive, "o-", label="the tree, validation set")
axes[0].set(
    xlabel="mean predicted probability (bin)",
    ylabel="share of positives (bin)",
    xlim=(-0.02, 1.03),  # room for the markers at 0 and 1
    ylim=(-0.02, 1.03),
    title="reliability diagram",
)
axes[0].legend(frameon=False, loc="upper left")
per_bin = np.bincount(which_bin, minlength=10)
axes[1].bar(edges[:-1], per_bin, width=0.1, align="edge", edgecolor="white")
for left_edge, count in zip(edges[:-1], per_bin):  # small bins are too thin to see: label all
    axes[1].text(left_edge + 0.05, count, f"{count}", ha="center", va="bottom", fontsize=8)
axes[1].set(
    xlabel="predicted probability",
    ylabel="people",
    ylim=(0, 1.12 * per_bin.max()),
    title="how many people per bin",
)
plt.tight_layout()
plt.show()
brier = np.mean((val_score - y_val) ** 2)
print(f"Brier score {brier:.4f} (metrics: {metrics.brier_score_loss(y_val, val_score):.4f})")

# %% [markdown]
# The tree's leaf shares were counted on the training rows, so on new people they are roughly,
# not exactly, calibrated: the points wander around the diagonal, most where a bin holds few
# people. Larger leaves (`min_samples_leaf`) make the shares steadier and the log loss lower.
#
# **Exercise 4.** The natural reference for the log loss is the model that knows nothing but
# the base rate: it gives everyone the probability $\bar y$ = the share of positives in the
# training set. Show that its log loss on a set whose share of positives is also $\bar y$ is
# the binary entropy of $\bar y$ in nats, $-[\bar y \ln \bar y + (1 - \bar y)\ln(1 - \bar y)]$:
# compute that formula for the training set's share, and check it against `metrics.log_loss`
# on the training labels. Is the tree better than this reference on the validation set?

# %% [solution]
base_rate = y_train.mean()
entropy_nats = -(base_rate * np.log(base_rate) + (1 - base_rate) * np.log(1 - base_rate))
constant_proba = np.full(len(y_train), base_rate)
print(f"base rate {base_rate:.4f}: reference log loss {entropy_nats:.4f} nats")
print(f"the tree on validation: {metrics.log_loss(y_val, val_score):.4f} nats")
assert np.isclose(entropy_nats, metrics.log_loss(y_train, constant_proba))
assert metrics.log_loss(y_val, val_score) < metrics.log_loss(y_val, np.full(len(y_val), base_rate))

# %% [markdown]
# ## 6. Choosing a decision threshold
#
# The default 0.5 is rarely the best cut. `metrics.best_threshold` scans every distinct score and
# returns the threshold that maximises an objective: F-beta, Youden's J (TPR − FPR, the ROC point
# farthest above the diagonal), or the lowest cost under a cost matrix. We choose on the
# **validation** set and check once on the **test** set, at the end.

# %%
choices = {
    "F1": metrics.best_threshold(y_val, val_score, objective="f1"),
    "Youden's J": metrics.best_threshold(y_val, val_score, objective="youden"),
}
for name, choice in choices.items():
    print(f"{name:10s} threshold {choice.threshold:.3f}, value {choice.value:.3f}")

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
ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
plt.show()

# %% [markdown]
# ### A cost matrix, and the threshold decision theory gives
#
# Say a missed high earner (a false negative) costs five times as much as a false alarm;
# `cost[true][predicted]`, negative class first, like the confusion matrix. If the probability
# $p$ is right, predicting *positive* costs $(1 - p)\,c_{FP}$ on average and predicting
# *negative* costs $p\,c_{FN}$, so positive is the cheaper answer as soon as
#
# $$p \ge t^* = \frac{c_{FP}}{c_{FP} + c_{FN}} = \frac{1}{1 + 5} = \frac16 \approx 0.167.$$
#
# The threshold follows from the costs alone, with no data; the search over the validation
# scores finds its own:

# %%
c_fp, c_fn = 1, 5
cost = [[0, c_fp], [c_fn, 0]]
analytic = c_fp / (c_fp + c_fn)
by_cost = metrics.best_threshold(y_val, val_score, objective=("cost", cost))


def mean_cost(y_true, score, threshold):
    (_, false_pos), (false_neg, _) = metrics.confusion_matrix(
        y_true, (score >= threshold).astype(int), labels=[0, 1]
    )
    return (c_fp * false_pos + c_fn * false_neg) / len(y_true)


analytic_cost = mean_cost(y_val, val_score, analytic)
print(f"analytic threshold {analytic:.3f}: validation cost {analytic_cost:.4f}")
print(f"found threshold    {by_cost.threshold:.3f}: validation cost {by_cost.value:.4f}")
assert np.isclose(by_cost.value, mean_cost(y_val, val_score, by_cost.threshold))
leaf_scores = model.tree_.value[model.tree_.children_left == -1, 0, 1]
in_the_gap = leaf_scores[(leaf_scores >= analytic) & (leaf_scores < by_cost.threshold)]
print(f"leaf scores of the tree in [{analytic:.3f}, {by_cost.threshold:.3f}): {in_the_gap}")
assert in_the_gap.size == 0  # what the next cell says

# %% [markdown]
# The search returned 0.182, not 1/6, and yet both give the same cost. A tree scores a person
# with the share of positives of a leaf, so the only scores it can give are its leaves'
# values, and none lies between 1/6 and 0.182: both thresholds call exactly the same people
# positive, here and on any other data (`best_threshold` reports the highest of equally good
# thresholds, the leaf value itself). The analytic threshold needs no search and no data, but
# it assumes calibrated probabilities; the found one is fitted to 6,512 validation people.
# With other costs the two can differ (exercise 5). Both are checked on the test set at the
# end. The same rule serves any costs: the workflow
# (notebook 04) chooses its threshold on validation and its batch and HTTP inference use it.

# %%
thresholds_grid = np.unique(val_score)
cost_at = [mean_cost(y_val, val_score, t) for t in thresholds_grid]
fig, ax = plt.subplots(figsize=(6, 3.3))
ax.step(thresholds_grid, cost_at, where="post", label="validation cost")
ax.axvline(analytic, color="C2", ls="--", label=f"analytic 1/6 = {analytic:.3f}")
ax.axvline(by_cost.threshold, color="C3", ls=":", label=f"found {by_cost.threshold:.3f}")
ax.axvline(0.5, color="grey", lw=1, label="default 0.5")
ax.set(xlabel="threshold", ylabel="mean cost per person", ylim=(0, None))
ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
plt.show()

# %% [markdown]
# **Exercise 5.** Suppose a missed high earner costs ten false alarms. Write the analytic
# threshold, find the cheapest threshold on the validation scores with `best_threshold`, and
# compute the validation cost of both by hand from their confusion matrices. The found one can
# never be more expensive on validation (it was chosen there): check that too.

# %% [solution]
c_fn10 = 10
analytic10 = 1 / (1 + c_fn10)
found10 = metrics.best_threshold(y_val, val_score, objective=("cost", [[0, 1], [c_fn10, 0]]))


def cost10(threshold):
    predicted = val_score >= threshold
    false_pos = np.sum(predicted & (y_val == 0))
    false_neg = np.sum(~predicted & (y_val == 1))
    return (false_pos + c_fn10 * false_neg) / len(y_val)


print(f"analytic {analytic10:.3f}: cost {cost10(analytic10):.4f}")
print(f"found    {found10.threshold:.3f}: cost {cost10(found10.threshold):.4f}")
assert np.isclose(cost10(found10.threshold), found10.value)
assert found10.value <= cost10(analytic10) + 1e-12

# %% [markdown]
# ## 7. How much does a metric move? Cross-validated spread
#
# The validation AUC above is one number from one split of 6,512 people; another split would
# give another number. **K-fold cross-validation** (notebook 03 uses it to tune) splits the
# training rows into K folds, trains on K − 1 of them and scores the one left out, K times:
# K estimates whose spread shows how far a single number can be trusted. Stratified folds keep
# the share of positives in each.

# %%
folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
cv_model = DecisionTree(max_depth=8, min_samples_leaf=20)
fold_scores = {
    "ROC AUC": cross_val_score(cv_model, X_train, y_train, cv=folds, scoring="roc_auc"),
    "F1 at 0.5": cross_val_score(cv_model, X_train, y_train, cv=folds, scoring="f1"),
}
single_split = {"ROC AUC": auc_m, "F1 at 0.5": by_hand["f1"]}
fig, axes = plt.subplots(1, 2, figsize=(10, 2.4), sharey=True)
for ax, (name, values) in zip(axes, fold_scores.items()):
    ax.plot(values, np.full(len(values), 2), "o", color="C0", alpha=0.8)
    ax.errorbar(values.mean(), 1, xerr=values.std(ddof=1), fmt="s", color="k", capsize=4)
    ax.plot(single_split[name], 0, "*", color="C3", ms=12)
    ax.set(title=name, xlabel="score", ylim=(-0.6, 2.6))
    ax.margins(x=0.25)
    print(
        f"{name:9s} folds {np.round(values, 3)}: mean {values.mean():.3f} ± "
        f"{values.std(ddof=1):.3f} (standard deviation over the folds)"
    )
axes[0].set(yticks=[0, 1, 2], yticklabels=["validation split", "mean ± 1 sd", "5 folds"])
plt.tight_layout()
plt.show()

# %% [markdown]
# The folds' AUCs spread with a standard deviation of about 0.007, their F1s about 0.011, and
# the single validation split of section 2 (the star) lies among them. A difference between two
# models smaller than this spread is no evidence that one is better.
#
# **Exercise 6.** Reproduce `cross_val_score` for ROC AUC with your own loop: for each
# `(train_index, test_index)` of `folds.split(X_train, y_train)`, fit a fresh
# `DecisionTree(max_depth=8, min_samples_leaf=20)` on the training part, score the left-out part
# with `metrics.roc_auc_score`, and compare your five numbers with `fold_scores["ROC AUC"]`.

# %% [solution]
mine = []
for train_index, test_index in folds.split(X_train, y_train):
    fold_model = DecisionTree(max_depth=8, min_samples_leaf=20)
    fold_model.fit(X_train.iloc[train_index], y_train[train_index])
    held_out = fold_model.predict_proba(X_train.iloc[test_index])[:, 1]
    mine.append(metrics.roc_auc_score(y_train[test_index], held_out))
print("my folds      :", np.round(mine, 4))
print("cross_val_score:", np.round(fold_scores["ROC AUC"], 4))
assert np.allclose(mine, fold_scores["ROC AUC"])

# %% [markdown]
# ## The test set, once
#
# Every choice above (the model, the F1 threshold, the cost threshold) was made on training or
# validation data. Now, and only now, the test set: the default threshold against the ones
# chosen on validation, and the analytic cost threshold beside the found one.

# %%
test_score = model.predict_proba(X_test)[:, 1]
for name, threshold in [("default 0.5", 0.5), ("F1-chosen", choices["F1"].threshold)]:
    test_pred = (test_score >= threshold).astype(int)
    print(
        f"{name:12s} threshold {threshold:.3f}: F1 {metrics.f1_score(y_test, test_pred):.3f}, "
        f"precision {metrics.precision_score(y_test, test_pred):.3f}, "
        f"recall {metrics.recall_score(y_test, test_pred):.3f}"
    )
for name, threshold in [("analytic 1/6", analytic), ("found on val", by_cost.threshold)]:
    test_cost = mean_cost(y_test, test_score, threshold)
    print(f"{name:12s} threshold {threshold:.3f}: test cost {test_cost:.4f}")
print(
    f"test ROC AUC {metrics.roc_auc_score(y_test, test_score):.3f} (threshold-free), "
    f"log loss {metrics.log_loss(y_test, test_score):.3f}"
)

# %% [markdown]
# ## Summary
#
# * Split once, stratified; choose on validation, report on test; fit nothing on the test rows.
# * On imbalanced data accuracy flatters a useless model: compare it with the majority-class
#   baseline, and look at recall, precision, F1, balanced accuracy, MCC, all from the confusion
#   matrix; a macro average counts each class the same, a weighted one by its support.
# * ROC and PR curves sweep every threshold over the sorted scores; AUC and average precision
#   summarise them and must be computed from scores. ROC AUC is $P(s^+ > s^-) + \frac12
#   P(s^+ = s^-)$, and for a tree the ties matter.
# * Log loss and the reliability diagram judge the probabilities themselves.
# * The threshold is a choice made for the use case (`best_threshold`), on validation data; for
#   a cost matrix, decision theory gives $c_{FP} / (c_{FP} + c_{FN})$ for calibrated
#   probabilities.
# * One validation number has a spread; cross-validation shows how large.
#
# Next, notebook 03: turning this notebook code into a reusable pipeline.
