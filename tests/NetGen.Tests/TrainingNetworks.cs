namespace NetGen.Tests;

/// <summary>optdigits: 8x8 digit images, 64-32-10.</summary>
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class DigitsNet;

/// <summary>Occupancy: logistic regression on five sensor readings.</summary>
[Input(5)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class OccupancyLogistic;

/// <summary>Airfoil self-noise: an MLP regressor.</summary>
[Input(5)]
[Dense(64, Activation.Tanh)]
[Dense(32, Activation.Tanh)]
[Dense(1)]
[Loss(LossFunction.MeanSquaredError)]
public partial class AirfoilMlp;

/// <summary>Airfoil self-noise: linear regression.</summary>
[Input(5)]
[Dense(1)]
[Loss(LossFunction.MeanSquaredError)]
public partial class AirfoilLinear;
