using NetGen;

namespace NetGen.Benchmarks;

/// <summary>S: 8-16-16-1, tanh hidden layers, mean squared error.</summary>
[Input(8)]
[Dense(16, Activation.Tanh)]
[Dense(16, Activation.Tanh)]
[Dense(1)]
[Loss(LossFunction.MeanSquaredError)]
public partial class SmallNet;

/// <summary>M: 64-64-64-10, ReLU hidden layers, softmax output, cross-entropy.</summary>
[Input(64)]
[Dense(64, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class MediumNet;

/// <summary>L: 784-128-10, ReLU hidden layer, softmax output, cross-entropy.</summary>
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class LargeNet;

/// <summary>S with its parameters baked in (build/benchmark-weights.py writes the file at build time).</summary>
[Input(8)]
[Dense(16, Activation.Tanh)]
[Dense(16, Activation.Tanh)]
[Dense(1)]
[Weights("small.json")]
public static partial class SmallBaked;

/// <summary>L with its parameters baked in.</summary>
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Weights("large.json")]
public static partial class LargeBaked;

/// <summary>L baked in int8 (issue 16), from the same weights with a calibration section.</summary>
[Network(Inference = Inference.Int8)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Weights("large-int8.json")]
public static partial class LargeBakedInt8;

/// <summary>W3, SimpleChains.jl's headline network: 4-32-16-4, tanh hidden layers, mean squared error.</summary>
[Input(4)]
[Dense(32, Activation.Tanh)]
[Dense(16, Activation.Tanh)]
[Dense(4)]
[Loss(LossFunction.MeanSquaredError)]
public partial class SimpleChainsNet;

/// <summary>LeNet-5 (issue 17), as PyTorch's lenet5_op13 test model: 1x28x28, two convolution and max-pool stages, 120, 84, 10.</summary>
[Input(1, 28, 28)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class LeNet5;

/// <summary>One convolution, 16 to 32 channels, 3x3, over 32x32 with padding 1: 9.4 MFLOP a sample.</summary>
[Input(16, 32, 32)]
[Conv2D(32, 3, Padding = 1)]
[Loss(LossFunction.MeanSquaredError)]
public partial class Conv16To32;

/// <summary>Issue 16's keyword-spotting head: 1536-128-128-1 (ReLU, ReLU, sigmoid; 213k parameters).</summary>
[Input(1536)]
[Dense(128, Activation.ReLU)]
[Dense(128, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class KeywordHeadNet;

/// <summary>Issue 16's larger keyword-spotting head: 3264-128-128-7 (ReLU, ReLU, softmax; 435k parameters).</summary>
[Input(3264)]
[Dense(128, Activation.ReLU)]
[Dense(128, Activation.ReLU)]
[Dense(7, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class KeywordClassesNet;
