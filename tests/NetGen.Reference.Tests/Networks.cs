namespace NetGen.Reference.Tests;

// Each network twice: float (forward against TorchSharp in float) and double (gradients and training, where a 1e-5
// relative bar tests the maths rather than float32 rounding).
[Input(5)]
[Dense(7, Activation.Tanh)]
[Dense(3, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class TanhSigmoidBce;

[Network(Precision = Precision.Double)]
[Input(5)]
[Dense(7, Activation.Tanh)]
[Dense(3, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class TanhSigmoidBceD;

[Input(6)]
[Dense(9, Activation.ReLU)]
[Dense(4, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class ReluSoftmaxCe;

[Network(Precision = Precision.Double)]
[Input(6)]
[Dense(9, Activation.ReLU)]
[Dense(4, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class ReluSoftmaxCeD;

[Input(4)]
[Dense(10, Activation.LeakyReLU, Alpha = 0.1)]
[Dense(6, Activation.ELU, Alpha = 0.7)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
public partial class LeakyEluMse;

[Network(Precision = Precision.Double)]
[Input(4)]
[Dense(10, Activation.LeakyReLU, Alpha = 0.1)]
[Dense(6, Activation.ELU, Alpha = 0.7)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
public partial class LeakyEluMseD;

[Input(5)]
[Maxout(6, 3)]
[Dense(2, Activation.Sigmoid)]
[Loss(LossFunction.MeanSquaredError)]
public partial class MaxoutSigmoidMse;

[Network(Precision = Precision.Double)]
[Input(5)]
[Maxout(6, 3)]
[Dense(2, Activation.Sigmoid)]
[Loss(LossFunction.MeanSquaredError)]
public partial class MaxoutSigmoidMseD;

[Input(3)]
[Dense(20, Activation.Tanh)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.MeanSquaredError)]
public partial class SoftmaxMse;

[Network(Precision = Precision.Double)]
[Input(3)]
[Dense(20, Activation.Tanh)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.MeanSquaredError)]
public partial class SoftmaxMseD;

[Input(17)]
[Dense(33, Activation.ELU)]
[Dense(19, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class WideBce;

[Network(Precision = Precision.Double)]
[Input(17)]
[Dense(33, Activation.ELU)]
[Dense(19, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class WideBceD;

/// <summary>Layers without bias (nn.Linear(bias=False)), mixed with one that has a bias.</summary>
[Input(6)]
[Dense(8, Activation.Tanh, Bias = false)]
[Dense(5, Activation.ELU)]
[Dense(3, Activation.Softmax, Bias = false)]
[Loss(LossFunction.CrossEntropy)]
public partial class NoBiasCe;

[Network(Precision = Precision.Double)]
[Input(6)]
[Dense(8, Activation.Tanh, Bias = false)]
[Dense(5, Activation.ELU)]
[Dense(3, Activation.Softmax, Bias = false)]
[Loss(LossFunction.CrossEntropy)]
public partial class NoBiasCeD;

/// <summary>Layer normalisation (nn.LayerNorm) after a dense layer, with an activation after it.</summary>
[Input(5)]
[Dense(9)]
[LayerNorm(Activation = Activation.Tanh)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
public partial class LayerNormMse;

[Network(Precision = Precision.Double)]
[Input(5)]
[Dense(9)]
[LayerNorm(Activation = Activation.Tanh)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
public partial class LayerNormMseD;

/// <summary>Layer normalisation of the input, and a second one with a ReLU and a larger epsilon.</summary>
[Input(6)]
[LayerNorm]
[Dense(8)]
[LayerNorm(Activation = Activation.ReLU, Epsilon = 1e-3)]
[Dense(4, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class LayerNormCe;

[Network(Precision = Precision.Double)]
[Input(6)]
[LayerNorm]
[Dense(8)]
[LayerNorm(Activation = Activation.ReLU, Epsilon = 1e-3)]
[Dense(4, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class LayerNormCeD;

/// <summary>Layer normalisation in groups: nn.LayerNorm(4) over a [3, 4] sample.</summary>
[Input(12)]
[LayerNorm(NormalizedSize = 4, Activation = Activation.ELU)]
[Dense(3)]
[Loss(LossFunction.MeanSquaredError)]
public partial class LayerNormGroupedMse;

[Network(Precision = Precision.Double)]
[Input(12)]
[LayerNorm(NormalizedSize = 4, Activation = Activation.ELU)]
[Dense(3)]
[Loss(LossFunction.MeanSquaredError)]
public partial class LayerNormGroupedMseD;

/// <summary>W4's network: 784-128-10, ReLU, softmax with cross-entropy.</summary>
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class MnistNet;

/// <summary>optdigits: 8x8 digit images, 64-32-10 (issue 3's topology).</summary>
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class OptdigitsNet;
