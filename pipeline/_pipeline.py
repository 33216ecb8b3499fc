"""``Pipeline`` (a chain of transformers ending in any estimator) and ``FeatureUnion``."""

import time
from collections import Counter
from contextlib import contextmanager

import numpy as np

from pipeline._validation import is_dataframe
from pipeline.base import (
    BaseEstimator,
    NotFittedError,
    available_if,
    check_is_fitted,
    get_tags,
    tag_classes,
)

PASSTHROUGH = ("passthrough", None)


class Bunch(dict):
    """A dict whose keys are also attributes (``pipe.named_steps.scaler``)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __dir__(self):
        return list(self.keys())


def reraise_with_context(exc, context):
    """Raise ``exc`` again, its message prefixed with where it happened (same type)."""
    message = f"{context}: {exc.args[0] if exc.args else exc}"
    if type(exc) in (ValueError, TypeError, KeyError, AttributeError, NotFittedError):
        raise type(exc)(message, *exc.args[1:]) from exc
    for cls in (NotFittedError, ValueError, TypeError):
        if isinstance(exc, cls):
            raise cls(message) from exc
    raise exc


def _name_estimators(estimators):
    """Names for ``make_pipeline``: lower-case class names, numbered when repeated."""
    names = [est if isinstance(est, str) else type(est).__name__.lower() for est in estimators]
    counts = Counter(names)
    seen = Counter()
    result = []
    for name in names:
        if counts[name] > 1:
            seen[name] += 1
            result.append(f"{name}-{seen[name]}")
        else:
            result.append(name)
    return result


def check_step_names(owner, names, params):
    if len(set(names)) != len(names):
        dupes = sorted(n for n, c in Counter(names).items() if c > 1)
        raise ValueError(f"{owner}: step names must be unique, got duplicates {dupes}.")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"{owner}: step names must be strings, got {name!r}.")
        if "__" in name:
            raise ValueError(f"{owner}: step name {name!r} must not contain '__'.")
        if name in params:
            raise ValueError(f"{owner}: step name {name!r} conflicts with a constructor parameter.")


class _StepsMixin:
    """``get_params`` / ``set_params`` over named sub-estimators kept in ``attr``."""

    def _named(self):
        items = getattr(self, self._steps_attr)
        if not isinstance(items, list | tuple):
            return []
        return [
            (item[0], item[1])
            for item in items
            if isinstance(item, tuple | list) and len(item) >= 2 and isinstance(item[0], str)
        ]

    def get_params(self, deep=True):
        params = BaseEstimator.get_params(self, deep=False)
        if not deep:
            return params
        for name, est in self._named():
            params[name] = est
            if hasattr(est, "get_params") and not isinstance(est, type):
                for key, value in est.get_params(deep=True).items():
                    params[f"{name}__{key}"] = value
        return params

    def set_params(self, **params):
        if self._steps_attr in params:
            setattr(self, self._steps_attr, params.pop(self._steps_attr))
        names = [n for n, _ in self._named()]
        for key in list(params):
            if key in names:
                self._replace_step(key, params.pop(key))
        BaseEstimator.set_params(self, **params)
        return self

    def _replace_step(self, name, new):
        items = list(getattr(self, self._steps_attr))
        for i, item in enumerate(items):
            if item[0] == name:
                items[i] = (name, new, *item[2:])
        setattr(self, self._steps_attr, items)


class Pipeline(_StepsMixin, BaseEstimator):
    """Chain transformers and a final estimator; fit and predict as one estimator.

    Parameters
    ----------
    steps : list of (name, estimator) tuples
        Every step but the last must have ``fit`` and ``transform``; any step may be
        ``"passthrough"`` (or None) to skip it.
    verbose : bool, default False
        Print each step's fit time.
    """

    _steps_attr = "steps"

    def __init__(self, steps, *, verbose=False):
        self.steps = steps
        self.verbose = verbose

    # ------------------------------------------------------------------ structure
    def _validate_steps(self):
        if not isinstance(self.steps, list | tuple) or not self.steps:
            raise TypeError("Pipeline: steps must be a non-empty list of (name, estimator).")
        for item in self.steps:
            if not isinstance(item, tuple | list) or len(item) != 2:
                raise TypeError(
                    f"Pipeline: each step must be a (name, estimator) tuple, got {item!r}."
                )
        names = [name for name, _ in self.steps]
        check_step_names("Pipeline", names, self._get_param_names())
        for name, est in self.steps[:-1]:
            if est in PASSTHROUGH:
                continue
            has_fit = hasattr(est, "fit") or hasattr(est, "fit_transform")
            if not has_fit or not hasattr(est, "transform"):
                raise TypeError(
                    f"Pipeline step {name!r} ({est!r}) must implement fit and transform (every "
                    "step but the last is a transformer), or be 'passthrough'."
                )
        name, last = self.steps[-1]
        if last not in PASSTHROUGH and not hasattr(last, "fit"):
            raise TypeError(
                f"Pipeline: the last step {name!r} ({last!r}) has no fit method; it must be an "
                "estimator or 'passthrough'."
            )

    @classmethod
    def from_dict(cls, d):
        est = super().from_dict(d)
        try:
            est._validate_steps()
        except TypeError as exc:
            raise ValueError(f"Invalid saved Pipeline: {exc}") from exc
        est._check_step_widths()
        return est

    def _check_step_widths(self):
        """Each loaded step must take as many features as the step before it puts out."""
        for (prev_name, prev), (name, est) in zip(self.steps, self.steps[1:]):
            n_in = getattr(est, "n_features_in_", None)
            if prev in (None, "passthrough") or not isinstance(n_in, int):
                continue
            try:
                out = prev.get_feature_names_out()
            except Exception:  # a step that cannot name its output (e.g. an opaque function)
                continue
            if len(out) != n_in:
                raise ValueError(
                    f"Invalid saved Pipeline: step {prev_name!r} puts out {len(out)} features "
                    f"but step {name!r} was fitted on {n_in}"
                )

    def __len__(self):
        return len(self.steps)

    def __getitem__(self, index):
        if isinstance(index, slice):
            if index.step not in (None, 1):
                raise ValueError("Pipeline slicing supports only a step of 1.")
            return Pipeline(list(self.steps[index]), verbose=self.verbose)
        if isinstance(index, str):
            return self.named_steps[index]
        name, est = self.steps[index]
        return est

    @property
    def named_steps(self):
        """The steps by name (also as attributes)."""
        return Bunch(self.steps)

    @property
    def _final_estimator(self):
        est = self.steps[-1][1]
        return "passthrough" if est is None else est

    def _iter(self, with_final=True):
        stop = len(self.steps) if with_final else len(self.steps) - 1
        for idx, (name, est) in enumerate(self.steps[:stop]):
            if est not in PASSTHROUGH:
                yield idx, name, est

    # ------------------------------------------------------------------ fitting
    @contextmanager
    def _timed(self, index, name):
        start = time.perf_counter()
        yield
        if self.verbose:
            elapsed = time.perf_counter() - start
            print(
                f"[Pipeline] ({index + 1} of {len(self.steps)}) Processing {name}, "
                f"total={elapsed:6.1f}s"
            )

    def _route_params(self, params):
        self._validate_steps()
        routed = {name: {} for name, _ in self.steps}
        for key, value in params.items():
            step, delim, param = key.partition("__")
            if not delim or step not in routed:
                raise ValueError(
                    f"Pipeline.fit does not accept parameter {key!r}; pass parameters to a step "
                    f"as '<step>__<param>' with <step> in {list(routed)}."
                )
            routed[step][param] = value
        return routed

    def _fit_transformers(self, X, y, routed):
        self._validate_steps()
        Xt = X
        for idx, name, est in self._iter(with_final=False):
            context = f"Pipeline step {name!r} ({type(est).__name__})"
            try:
                with self._timed(idx, name):
                    if hasattr(est, "fit_transform"):
                        Xt = est.fit_transform(Xt, y, **routed[name])
                    else:
                        Xt = est.fit(Xt, y, **routed[name]).transform(Xt)
            except Exception as exc:  # noqa: BLE001 - re-raised with the step's name
                reraise_with_context(exc, context)
        return Xt

    def fit(self, X, y=None, **params):
        """Fit every transformer in turn, then the final estimator on the transformed data.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like, optional
        **params : ``<step>__<param>`` keyword arguments for the steps' ``fit``.

        Returns
        -------
        self
        """
        routed = self._route_params(params)
        Xt = self._fit_transformers(X, y, routed)
        last = self._final_estimator
        if last != "passthrough":
            name = self.steps[-1][0]
            try:
                with self._timed(len(self.steps) - 1, name):
                    last.fit(Xt, y, **routed[name])
            except Exception as exc:  # noqa: BLE001
                reraise_with_context(exc, f"Pipeline step {name!r} ({type(last).__name__})")
        return self

    def fit_transform(self, X, y=None, **params):
        """Fit the pipeline and return the last step's transform of ``X``."""
        routed = self._route_params(params)
        Xt = self._fit_transformers(X, y, routed)
        last = self._final_estimator
        if last == "passthrough":
            return Xt
        name = self.steps[-1][0]
        try:
            if hasattr(last, "fit_transform"):
                return last.fit_transform(Xt, y, **routed[name])
            return last.fit(Xt, y, **routed[name]).transform(Xt)
        except Exception as exc:  # noqa: BLE001
            reraise_with_context(exc, f"Pipeline step {name!r} ({type(last).__name__})")

    @available_if(lambda self: hasattr(self._final_estimator, "fit_predict"))
    def fit_predict(self, X, y=None, **params):
        """Fit, then predict ``X`` with the final estimator."""
        return self.fit(X, y, **params).predict(X)

    # ------------------------------------------------------------------ inference
    def _transform_upto_last(self, X):
        Xt = X
        for _, name, est in self._iter(with_final=False):
            Xt = self._call(name, est, "transform", Xt)
        return Xt

    @staticmethod
    def _call(name, est, method, X, *args, **kwargs):
        if not hasattr(est, method):
            raise AttributeError(
                f"Pipeline step {name!r} ({type(est).__name__}) has no {method} method."
            )
        try:
            return getattr(est, method)(X, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            reraise_with_context(exc, f"Pipeline step {name!r} ({type(est).__name__})")

    def _final_has(attr):
        def check(self):
            last = self._final_estimator
            if attr in ("transform", "inverse_transform") and last == "passthrough":
                return True
            return hasattr(last, attr)

        return check

    def _check_fitted_for_inference(self):
        self._validate_steps()
        for _, name, est in self._iter():
            try:
                check_is_fitted(est)
            except NotFittedError as exc:
                raise NotFittedError(
                    f"This Pipeline instance is not fitted yet: step {name!r} "
                    f"({type(est).__name__}) is not fitted. Call 'fit' first."
                ) from exc
            except TypeError:
                pass  # a step without fit-state conventions: let its own method decide

    def _final(self, method, X, **kwargs):
        self._check_fitted_for_inference()
        Xt = self._transform_upto_last(X)
        name, last = self.steps[-1][0], self._final_estimator
        return self._call(name, last, method, Xt, **kwargs)

    @available_if(_final_has("predict"))
    def predict(self, X, **params):
        """Transform ``X`` through the steps and predict with the final estimator."""
        return self._final("predict", X, **params)

    @available_if(_final_has("predict_proba"))
    def predict_proba(self, X, **params):
        """Transform ``X`` and return the final estimator's class probabilities."""
        return self._final("predict_proba", X, **params)

    @available_if(_final_has("predict_log_proba"))
    def predict_log_proba(self, X, **params):
        """Transform ``X`` and return the final estimator's log-probabilities."""
        return self._final("predict_log_proba", X, **params)

    @available_if(_final_has("decision_function"))
    def decision_function(self, X, **params):
        """Transform ``X`` and return the final estimator's decision function."""
        return self._final("decision_function", X, **params)

    @available_if(_final_has("score"))
    def score(self, X, y=None, sample_weight=None):
        """Transform ``X`` and return the final estimator's ``score``."""
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        self._check_fitted_for_inference()
        Xt = self._transform_upto_last(X)
        name, last = self.steps[-1][0], self._final_estimator
        return self._call(name, last, "score", Xt, y, **kwargs)

    @available_if(_final_has("transform"))
    def transform(self, X):
        """Apply every step's ``transform`` (the last step must be a transformer)."""
        self._check_fitted_for_inference()
        Xt = X
        for _, name, est in self._iter():
            Xt = self._call(name, est, "transform", Xt)
        return Xt

    @available_if(_final_has("inverse_transform"))
    def inverse_transform(self, X):
        """Apply every step's ``inverse_transform``, last step first."""
        Xt = X
        for _, name, est in reversed(list(self._iter())):
            Xt = self._call(name, est, "inverse_transform", Xt)
        return Xt

    def get_feature_names_out(self, input_features=None):
        """Feature names after the last transforming step."""
        names = input_features
        for _, name, est in self._iter():
            if not hasattr(est, "get_feature_names_out"):
                if est is self.steps[-1][1] and not hasattr(est, "transform"):
                    break
                raise AttributeError(
                    f"Pipeline step {name!r} ({type(est).__name__}) does not provide "
                    "get_feature_names_out."
                )
            try:
                names = est.get_feature_names_out(names)
            except Exception as exc:  # noqa: BLE001
                reraise_with_context(exc, f"Pipeline step {name!r} ({type(est).__name__})")
        return np.asarray(names, dtype=object)

    # ------------------------------------------------------------------ explanations
    def raw_node_view(self):
        """The final tree's nodes with each split in the raw input's units.

        See :func:`pipeline.explain.raw_node_view`; the tree exports and plots use it when
        given a pipeline.
        """
        from pipeline.explain_rows import explainer_for

        self._check_fitted_for_inference()
        return explainer_for(self).nodes

    def explain(self, X):
        """Per row of ``X``, the root-to-leaf rule path in raw units and the leaf reached.

        Returns
        -------
        list of dict
            ``{"rules": [{"feature", "op", "value", "row_value"}, ...], "leaf": {"node",
            "samples", "distribution" (classifier) or "value"}}`` per row.
        """
        from pipeline.explain_rows import explainer_for

        self._check_fitted_for_inference()
        return explainer_for(self).explain(X)

    # ------------------------------------------------------------------ attributes
    @property
    def classes_(self):
        """The final estimator's classes."""
        return self.steps[-1][1].classes_

    @property
    def n_features_in_(self):
        """Number of input features (of the first step)."""
        return self.steps[0][1].n_features_in_

    @property
    def feature_names_in_(self):
        """Input feature names (of the first step)."""
        return self.steps[0][1].feature_names_in_

    def __sklearn_is_fitted__(self):
        last = self._final_estimator
        if last == "passthrough":
            return True
        try:
            check_is_fitted(last)
            return True
        except NotFittedError:
            return False
        except TypeError:
            return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if not self.steps:
            return tags
        first = next((est for _, _, est in self._iter()), None)
        if first is not None:
            first_tags = get_tags(first)
            tags.input_tags.allow_nan = first_tags.input_tags.allow_nan
            tags.input_tags.string = getattr(first_tags.input_tags, "string", False)
        last = self._final_estimator
        if last != "passthrough":
            last_tags = get_tags(last)
            tags.estimator_type = last_tags.estimator_type
            tags.target_tags.required = last_tags.target_tags.required
            tags.transformer_tags = last_tags.transformer_tags
            tags.classifier_tags = last_tags.classifier_tags
            tags.regressor_tags = last_tags.regressor_tags
        return tags

    del _final_has

    @property
    def _estimator_type(self):
        return getattr(self._final_estimator, "_estimator_type", None)


def make_pipeline(*steps, verbose=False):
    """A :class:`Pipeline` whose step names are the lower-cased class names."""
    return Pipeline(list(zip(_name_estimators(steps), steps)), verbose=verbose)


def _shape(X):
    if is_dataframe(X) or isinstance(X, np.ndarray):
        return X.shape
    return np.asarray(X).shape


def hstack_outputs(blocks, n_samples):
    """Stack 2-D transformer outputs side by side (object dtype if any block is text)."""
    arrays = []
    for block in blocks:
        arr = block.to_numpy() if is_dataframe(block) else np.asarray(block)
        arrays.append(arr)
    if not arrays:
        return np.zeros((n_samples, 0))
    if any(a.dtype.kind not in "biuf" for a in arrays):
        return np.hstack([a.astype(object) for a in arrays])
    return np.hstack(arrays)


class FeatureUnion(_StepsMixin, BaseEstimator):
    """Apply several transformers to the same input and concatenate their outputs.

    Parameters
    ----------
    transformer_list : list of (name, transformer) tuples
        A transformer may be ``"drop"`` (ignored) or ``"passthrough"`` (the input unchanged).
    n_jobs : None
        Accepted for compatibility; the work runs sequentially.
    transformer_weights : dict, optional
        Multiply each transformer's output by ``transformer_weights[name]``.
    verbose : bool, default False
        Accepted for compatibility; nothing is printed.
    verbose_feature_names_out : bool, default True
        Prefix output names with ``"<name>__"``.
    """

    _steps_attr = "transformer_list"

    def __init__(
        self,
        transformer_list,
        *,
        n_jobs=None,
        transformer_weights=None,
        verbose=False,
        verbose_feature_names_out=True,
    ):
        self.transformer_list = transformer_list
        self.n_jobs = n_jobs
        self.transformer_weights = transformer_weights
        self.verbose = verbose
        self.verbose_feature_names_out = verbose_feature_names_out

    _state_names = ("n_features_in_", "feature_names_in_")

    def _check_state(self):
        from pipeline._serialize import check_feature_state

        check_feature_state(self)
        try:
            self._validate()
        except TypeError as exc:
            raise ValueError(f"Invalid saved FeatureUnion: {exc}") from exc

    def _validate(self):
        if not isinstance(self.transformer_list, list | tuple) or not self.transformer_list:
            raise TypeError(
                "FeatureUnion: transformer_list must be a non-empty list of (name, transformer)."
            )
        names = [name for name, _ in self.transformer_list]
        check_step_names("FeatureUnion", names, self._get_param_names())
        for name, t in self.transformer_list:
            if t in ("drop", "passthrough"):
                continue
            if not (hasattr(t, "fit") or hasattr(t, "fit_transform")) or not hasattr(
                t, "transform"
            ):
                raise TypeError(
                    f"FeatureUnion transformer {name!r} ({t!r}) must implement fit and "
                    "transform, or be 'drop' / 'passthrough'."
                )
        weights = self.transformer_weights or {}
        unknown = set(weights) - set(names)
        if unknown:
            raise ValueError(
                f"FeatureUnion: transformer_weights names {sorted(unknown)} are not "
                f"transformers ({names})."
            )

    def _iter(self):
        weights = self.transformer_weights or {}
        for name, t in self.transformer_list:
            if t == "drop":
                continue
            yield name, t, weights.get(name)

    def fit(self, X, y=None, **params):
        """Fit every transformer on ``X``."""
        self.fit_transform(X, y, **params)
        return self

    def fit_transform(self, X, y=None, **params):
        """Fit every transformer and concatenate their outputs."""
        self._validate()
        blocks = []
        for name, t, weight in self._iter():
            if t == "passthrough":
                block = X
            else:
                try:
                    if hasattr(t, "fit_transform"):
                        block = t.fit_transform(X, y, **params)
                    else:
                        block = t.fit(X, y, **params).transform(X)
                except Exception as exc:  # noqa: BLE001
                    reraise_with_context(
                        exc, f"FeatureUnion transformer {name!r} ({type(t).__name__})"
                    )
            blocks.append(self._weighted(block, weight))
        self.n_features_in_ = _shape(X)[1]
        if is_dataframe(X) and all(isinstance(c, str) for c in X.columns):
            self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
        return hstack_outputs(blocks, _shape(X)[0])

    @staticmethod
    def _weighted(block, weight):
        if weight is None:
            return block
        return np.asarray(block) * weight

    def transform(self, X):
        """Apply every fitted transformer to ``X`` and concatenate the outputs."""
        check_is_fitted(self, "n_features_in_")
        blocks = []
        for name, t, weight in self._iter():
            if t == "passthrough":
                block = X
            else:
                try:
                    block = t.transform(X)
                except Exception as exc:  # noqa: BLE001
                    reraise_with_context(
                        exc, f"FeatureUnion transformer {name!r} ({type(t).__name__})"
                    )
            blocks.append(self._weighted(block, weight))
        return hstack_outputs(blocks, _shape(X)[0])

    def get_feature_names_out(self, input_features=None):
        """Output names ``"<transformer>__<feature>"`` (or plain without verbose names)."""
        check_is_fitted(self, "n_features_in_")
        out = []
        for name, t, _ in self._iter():
            if t == "passthrough":
                if input_features is not None:
                    names = list(input_features)
                elif hasattr(self, "feature_names_in_"):
                    names = list(self.feature_names_in_)
                else:
                    names = [f"x{i}" for i in range(self.n_features_in_)]
            elif not hasattr(t, "get_feature_names_out"):
                raise AttributeError(
                    f"FeatureUnion transformer {name!r} ({type(t).__name__}) does not provide "
                    "get_feature_names_out."
                )
            else:
                names = list(t.get_feature_names_out(input_features))
            out.extend(f"{name}__{n}" if self.verbose_feature_names_out else n for n in names)
        if not self.verbose_feature_names_out and len(set(out)) != len(out):
            dupes = sorted(n for n, c in Counter(out).items() if c > 1)
            raise ValueError(
                f"FeatureUnion: output feature names {dupes[:5]} are not unique; set "
                "verbose_feature_names_out=True."
            )
        return np.asarray(out, dtype=object)

    @property
    def named_transformers(self):
        return Bunch(self.transformer_list)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags = tag_classes().TransformerTags()
        parts = [t for _, t in self._named() if not isinstance(t, str)]
        if parts:
            tags.input_tags.allow_nan = all(get_tags(t).input_tags.allow_nan for t in parts)
        return tags
