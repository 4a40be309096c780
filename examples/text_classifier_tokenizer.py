"""A text classifier with Keras 2's Tokenizer (the reuters_mlp recipe) on generated sentences.

Tokenizer.fit_on_texts ranks the words by count; texts_to_matrix turns each text into a
bag-of-words row (mode="binary": 1 where a word occurs); an MLP with a softmax picks the topic.
"""

import numpy as np

from minikeras.layers import Activation, Dense, Dropout
from minikeras.models import Sequential
from minikeras.preprocessing.text import Tokenizer
from minikeras.utils import set_random_seed, to_categorical

TOPICS = {
    "sport": "match team goal players season coach score league win referee",
    "weather": "rain sunny forecast storm wind cloudy temperature snow degrees cold",
    "markets": "shares stocks investors prices trading bank rates profit inflation bonds",
}
FILLER = "the a of and in on today this was very said new after before with".split()


def sentences(n, rng):
    texts, labels = [], []
    names = sorted(TOPICS)
    for _ in range(n):
        label = int(rng.integers(0, len(names)))
        words = list(rng.choice(FILLER, 8)) + list(rng.choice(TOPICS[names[label]].split(), 3))
        rng.shuffle(words)
        texts.append(" ".join(words).capitalize() + rng.choice([".", "!", "?"]))
        labels.append(label)
    return texts, np.array(labels)


set_random_seed(3)
rng = np.random.default_rng(0)
train_texts, y_train = sentences(600, rng)
test_texts, y_test = sentences(150, rng)
print("example:", train_texts[0])

max_words = 50
tokenizer = Tokenizer(num_words=max_words)
tokenizer.fit_on_texts(train_texts)
print("most frequent words:", [w for w, i in sorted(tokenizer.word_index.items(),
                                                    key=lambda kv: kv[1])[:5]])
x_train = tokenizer.texts_to_matrix(train_texts, mode="binary")
x_test = tokenizer.texts_to_matrix(test_texts, mode="binary")
num_classes = int(np.max(y_train)) + 1
y_train, y_test = to_categorical(y_train, num_classes), to_categorical(y_test, num_classes)
print("x_train shape:", x_train.shape)

model = Sequential()
model.add(Dense(64, input_shape=(max_words,)))
model.add(Activation("relu"))
model.add(Dropout(0.5))
model.add(Dense(num_classes))
model.add(Activation("softmax"))
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=10, verbose=2, validation_split=0.1)
score = model.evaluate(x_test, y_test, batch_size=32, verbose=0)
print(f"Test score: {score[0]:.4f}")
print(f"Test accuracy: {score[1]:.4f}")
