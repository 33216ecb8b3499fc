"""MLflow ``python_function`` loader of exported cartflow models (no pickle, no MLflow needed).

``MLmodel`` names this module as ``loader_module``; ``mlflow.pyfunc.load_model(path)`` calls
:func:`_load_pyfunc` with the model folder and wraps what it returns. It also works alone::

    from pipeline.workflow.pyfunc import _load_pyfunc
    model = _load_pyfunc("artifacts/model_export/v0")
    model.predict(frame)                                   # labels at the model's threshold
    model.predict(frame, params={"method": "predict_proba"})  # one column per class
"""

from pathlib import Path

METHODS = ("predict", "predict_proba")


class CartflowPyfuncModel:
    """A fitted cartflow pipeline with MLflow's ``predict(model_input, params=None)``."""

    def __init__(self, model, description):
        self.model = model
        self.description = description
        self.features = list(description["flavors"]["cartflow"]["features"])
        from pipeline.workflow.threshold import decision_of

        self.decision = decision_of(description)
        self.positive_class = description["flavors"]["cartflow"].get("positive_class")

    @property
    def metadata(self):
        return self.description.get("metadata", {})

    def _frame(self, model_input):
        import pandas as pd

        if isinstance(model_input, pd.DataFrame):
            frame = model_input
        elif isinstance(model_input, dict):
            frame = pd.DataFrame(model_input)
        elif isinstance(model_input, list) and all(isinstance(r, dict) for r in model_input):
            frame = pd.DataFrame.from_records(model_input)
        else:
            raise TypeError(
                "model_input must be a pandas DataFrame, a dict of columns or a list of row "
                f"dicts with the columns {self.features}; got {type(model_input).__name__}"
            )
        missing = [c for c in self.features if c not in frame.columns]
        if missing:
            raise ValueError(
                f"model_input lacks the column(s) {missing}; the model needs {self.features}"
            )
        return frame[self.features]

    def predict(self, model_input, params=None):
        """Class labels (``params={"method": "predict_proba"}``: class probabilities)."""
        import numpy as np
        import pandas as pd

        method = (params or {}).get("method", "predict")
        if method not in METHODS:
            raise ValueError(f"params['method'] must be one of {METHODS}, got {method!r}")
        frame = self._frame(model_input)
        if method == "predict_proba":
            proba = np.asarray(self.model.predict_proba(frame), dtype=np.float64)
            return pd.DataFrame(
                proba, columns=[str(c) for c in self.model.classes_], index=frame.index
            )
        if self.decision is None:
            return np.asarray(self.model.predict(frame))
        from pipeline.workflow.threshold import predict_labels

        proba = self.model.predict_proba(frame)
        return predict_labels(
            proba, self.model.classes_, self.positive_class, self.decision["threshold"]
        )


def _load_pyfunc(path):
    """MLflow's hook: load the model folder ``path`` (checks its format version first)."""
    from pipeline.workflow.export import load_model

    path = Path(path)
    if path.is_file():
        path = path.parent
    model, description = load_model(path)
    return CartflowPyfuncModel(model, description)
