"""A small estimator base: get_params / set_params / repr / scikit-learn tags by duck typing."""

import inspect
import sys


class TreeEstimatorBase:
    """get_params and set_params from the ``__init__`` signature, like scikit-learn's."""

    _estimator_type = "classifier"

    @classmethod
    def _param_names(cls):
        signature = inspect.signature(cls.__init__)
        return sorted(
            p.name
            for p in signature.parameters.values()
            if p.name != "self" and p.kind != p.VAR_KEYWORD
        )

    def get_params(self, deep=True):
        """The constructor parameters as a dict."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set constructor parameters; unknown names raise ValueError."""
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(
                    f"Invalid parameter {key!r} for estimator {type(self).__name__}(). "
                    f"Valid parameters are: {valid!r}."
                )
            setattr(self, key, value)
        return self

    def __repr__(self):
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
        }
        changed = []
        for name in self._param_names():
            value = getattr(self, name)
            default = defaults.get(name)
            if value is default or (type(value) is type(default) and value == default):
                continue
            changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self):
        # Only scikit-learn calls this, so it is already loaded: look it up, never import it.
        utils = sys.modules.get("sklearn.utils")
        if utils is None:
            raise RuntimeError("__sklearn_tags__ is only meaningful when scikit-learn is loaded")
        is_clf = self._estimator_type == "classifier"
        return utils.Tags(
            estimator_type=self._estimator_type,
            target_tags=utils.TargetTags(required=True),
            transformer_tags=None,
            classifier_tags=utils.ClassifierTags() if is_clf else None,
            regressor_tags=None if is_clf else utils.RegressorTags(),
            input_tags=utils.InputTags(allow_nan=True),
        )
