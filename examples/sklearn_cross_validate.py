"""Seed 000 ("Using Keras models with scikit-learn"): KerasClassifier + cross_validate.

The tutorial's program with `keras` -> `minikeras` in the imports, on scikit-learn's breast
cancer data (30 features, so `input_dim=61` -> 30), its features standardized inside each
fold by a Pipeline. Then the same model in GridSearchCV over build_fn's own parameters, on
two processes.

    python examples/sklearn_cross_validate.py            # 20 epochs per fit
    python examples/sklearn_cross_validate.py --epochs 3 # quicker

Expected output (20 epochs; exact numbers vary with the seed): the cross_validate dict of
arrays (fit_time, score_time, test_accuracy, test_precision, test_recall, test_f1,
test_roc_auc, 10 folds each), then the means (seed 7: accuracy 0.9789, precision 0.9837,
recall 0.9831, f1 0.9832, roc_auc 0.9959), then the grid search's best parameters and score
(~0.97; its two worker processes draw their own random numbers, so it varies run to run).
"""

import argparse

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from minikeras.layers import Dense
from minikeras.models import Sequential
from minikeras.wrappers.scikit_learn import KerasClassifier

try:
    from minikeras.layers import Dropout
except ImportError:  # until Dropout is exported from minikeras.layers
    from minikeras.layers.dropout import Dropout

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=20)
args = parser.parse_args()
np.random.seed(7)  # repeatable weights, dropout masks and shuffling


def genmodel(depth, width, dropout=False):

    model = Sequential()

    # Input layer
    model.add(Dense(width, input_dim=30, activation='relu'))
    # Optional dropout
    if dropout : model.add(Dropout(0.5))  # noqa: E701

    # Hidden layers with dropout
    for i in range(depth) :  # noqa: B007
        model.add(Dense(width, activation='relu'))
        # Optional dropout
        if dropout : model.add(Dropout(0.5))  # noqa: E701

    # Output layer
    model.add(Dense(1, activation='sigmoid'))

    model.compile(loss='binary_crossentropy',
                  optimizer='adam',
                  metrics=['accuracy'])

    return model


X, y = load_breast_cancer(return_X_y=True)

model = KerasClassifier(build_fn=genmodel, depth=2, width=10,
                        epochs=args.epochs, batch_size=16, verbose=0)
pipeline = make_pipeline(StandardScaler(), model)

s = cross_validate(pipeline, X, y, cv=10, scoring=['accuracy', 'precision', 'recall', 'f1',
                                                   'roc_auc'])

print(s)
for name in ['accuracy', 'precision', 'recall', 'f1', 'roc_auc']:
    print(f"mean {name}: {s['test_' + name].mean():.4f}")

# GridSearchCV sets build_fn's parameters (depth, dropout) like any scikit-learn parameter;
# in a Pipeline they are addressed as <step>__<parameter>.
grid = GridSearchCV(pipeline, {"kerasclassifier__depth": [1, 2],
                               "kerasclassifier__dropout": [False, True]},
                    cv=3, n_jobs=2)
grid.fit(X, y)
print(f"best parameters: {grid.best_params_}")
print(f"best accuracy: {grid.best_score_:.4f}")
