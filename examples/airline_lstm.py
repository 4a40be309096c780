"""Time-series prediction with an LSTM (seed tutorial 003): international airline passengers.

The tutorial's code with `keras` -> `minikeras` in the imports: monthly passenger counts
1949-1960, scaled to [0, 1], windows of `look_back=3` months predict the next month;
LSTM(4) -> Dense(1), mse, adam, 100 epochs, batch_size=1; RMSE in passengers on the first
67% (train) and the last 33% (test). The tutorial reports about 23 (train) and 50 (test).

Run from anywhere: python examples/airline_lstm.py  (needs pandas and scikit-learn, as the
tutorial does: pip install -e ".[test]")
"""

import math
import os

import numpy
from pandas import read_csv
from sklearn.metrics import mean_squared_error
from sklearn.preprocessing import MinMaxScaler

from minikeras.layers import LSTM, Dense
from minikeras.models import Sequential


# convert an array of values into a dataset matrix
def create_dataset(dataset, look_back=1):
    dataX, dataY = [], []
    for i in range(len(dataset) - look_back - 1):
        a = dataset[i:(i + look_back), 0]
        dataX.append(a)
        dataY.append(dataset[i + look_back, 0])
    return numpy.array(dataX), numpy.array(dataY)


# fix random seed for reproducibility
numpy.random.seed(7)

# load the dataset
here = os.path.dirname(os.path.abspath(__file__))
dataframe = read_csv(os.path.join(here, "data", "airline-passengers.csv"), usecols=[1],
                     engine="python")
dataset = dataframe.values
dataset = dataset.astype("float32")

# normalize the dataset
scaler = MinMaxScaler(feature_range=(0, 1))
dataset = scaler.fit_transform(dataset)

# split into train and test sets
train_size = int(len(dataset) * 0.67)
test_size = len(dataset) - train_size
train, test = dataset[0:train_size, :], dataset[train_size:len(dataset), :]

# reshape into X=t and Y=t+1
look_back = 3
trainX, trainY = create_dataset(train, look_back)
testX, testY = create_dataset(test, look_back)

# reshape input to be [samples, time steps, features]
trainX = numpy.reshape(trainX, (trainX.shape[0], trainX.shape[1], 1))
testX = numpy.reshape(testX, (testX.shape[0], testX.shape[1], 1))

# create and fit the LSTM network
model = Sequential()
model.add(LSTM(4, input_shape=(look_back, 1)))
model.add(Dense(1))
model.compile(loss="mean_squared_error", optimizer="adam")
model.fit(trainX, trainY, epochs=100, batch_size=1, verbose=2)

# make predictions
trainPredict = model.predict(trainX)
testPredict = model.predict(testX)

# invert predictions
trainPredict = scaler.inverse_transform(trainPredict)
trainY = scaler.inverse_transform([trainY])
testPredict = scaler.inverse_transform(testPredict)
testY = scaler.inverse_transform([testY])

# calculate root mean squared error
trainScore = math.sqrt(mean_squared_error(trainY[0], trainPredict[:, 0]))
print("Train Score: %.2f RMSE" % (trainScore))
testScore = math.sqrt(mean_squared_error(testY[0], testPredict[:, 0]))
print("Test Score: %.2f RMSE" % (testScore))
