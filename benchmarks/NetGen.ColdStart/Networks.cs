using NetGen;

namespace NetGen.ColdStart;

// The three networks of docs/performance.md's W1 and W2 (benchmarks/NetGen.Benchmarks/Networks.cs), declared again so
// that this program carries nothing else: no BenchmarkDotNet, no TorchSharp, nothing that NativeAOT objects to.

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
