"""Rasa's logistic-regression intent classifier, tuned: C from the config, TF-IDF features.

Rasa's ``LogisticRegressionClassifier`` always uses scikit-learn's default ``C=1.0`` and feeds
raw counts to the model. Here ``C`` comes from the pipeline config and, with ``tfidf: true``,
the counts are weighted by sublinear TF-IDF with unit-length rows (``term_weighting.py``),
fitted on the training data. Both were chosen by 5-fold cross-validation on the training data
(README, "NLU"). Everything else - balanced class weights, ranking output, persistence of the
classifier with skops - is Rasa's own; the idf vector is stored next to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix

from components.term_weighting import fit_idf, weigh

_IDF_FILE = "idf.npy"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TunedLogisticRegressionClassifier(LogisticRegressionClassifier):
    """``LogisticRegressionClassifier`` with a configurable ``C`` and optional TF-IDF."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0, "tfidf": False}

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))
        self._idf: np.ndarray | None = None

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        counts = super()._create_X(messages)
        return counts if self._idf is None else weigh(counts, self._idf)

    def train(self, training_data: TrainingData) -> Resource:
        self._idf = None  # the counts first: the weights are fitted on them
        if self.config["tfidf"]:
            counts, _ = self._create_training_matrix(training_data)
            if counts.shape[0]:
                self._idf = fit_idf(counts)
        return super().train(training_data)

    def persist(self) -> None:
        super().persist()
        if self._idf is not None:
            with self._model_storage.write_to(self._resource) as model_dir:
                np.save(model_dir / _IDF_FILE, self._idf)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TunedLogisticRegressionClassifier:
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        assert isinstance(component, cls)
        if component.config["tfidf"] and hasattr(component.clf, "coef_"):  # trained
            with model_storage.read_from(resource) as model_dir:
                component._idf = np.load(model_dir / _IDF_FILE)
        return component
