"""Rasa's logistic-regression intent classifier with a configurable regularisation strength.

Rasa's ``LogisticRegressionClassifier`` always uses scikit-learn's default ``C=1.0``. On this
data a weaker penalty separates neighbouring topics better; ``C`` was chosen by 5-fold
cross-validation on the training data (README, "NLU"). Everything else - features, balanced
class weights, ranking output, persistence with skops - is Rasa's own.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TunedLogisticRegressionClassifier(LogisticRegressionClassifier):
    """``LogisticRegressionClassifier`` whose ``C`` comes from the pipeline config."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0}

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))
