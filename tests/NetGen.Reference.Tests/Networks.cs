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

// Convolutional networks (issue 17): LeNet-5, a depthwise-separable net with SAME padding at stride 2, ceil mode and
// padding left out of an average's divisor, and a keyword-spotting style 1-D net with a causal dilated convolution.
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

[Network(Precision = Precision.Double)]
[Input(1, 28, 28)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class LeNet5D;

[Input(4, 10, 10)]
[Conv2D(4, 3, Activation.ReLU, Padding = 1, Groups = 4)]
[Conv2D(8, 1, Activation.ELU, Alpha = 0.7)]
[AvgPool2D(3, Stride = 2, Padding = 1, CeilMode = true, CountIncludePad = false)]
[Conv2D(6, 3, Activation.Tanh, PaddingMode = PaddingMode.Same, Stride = 2)]
[GlobalAvgPool]
[Dense(3, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class DepthwiseSeparable;

[Network(Precision = Precision.Double)]
[Input(4, 10, 10)]
[Conv2D(4, 3, Activation.ReLU, Padding = 1, Groups = 4)]
[Conv2D(8, 1, Activation.ELU, Alpha = 0.7)]
[AvgPool2D(3, Stride = 2, Padding = 1, CeilMode = true, CountIncludePad = false)]
[Conv2D(6, 3, Activation.Tanh, PaddingMode = PaddingMode.Same, Stride = 2)]
[GlobalAvgPool]
[Dense(3, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class DepthwiseSeparableD;

[Input(3, 40)]
[Conv1D(8, 3, Activation.LeakyReLU, Alpha = 0.1, PaddingMode = PaddingMode.Causal, Dilation = 2)]
[MaxPool1D(2)]
[Conv1D(8, 3, Activation.ReLU, Stride = 2, Padding = 1)]
[AvgPool1D(2)]
[Dense(5, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class KeywordConv1D;

[Network(Precision = Precision.Double)]
[Input(3, 40)]
[Conv1D(8, 3, Activation.LeakyReLU, Alpha = 0.1, PaddingMode = PaddingMode.Causal, Dilation = 2)]
[MaxPool1D(2)]
[Conv1D(8, 3, Activation.ReLU, Stride = 2, Padding = 1)]
[AvgPool1D(2)]
[Dense(5, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class KeywordConv1DD;

// PReLU on a convolution (a slope per channel) and on a dense layer (a slope per unit, starting negative).
[Input(2, 10, 10)]
[Conv2D(4, 3, Activation.PReLU)]
[MaxPool2D(2)]
[Dense(6, Activation.PReLU, Alpha = -0.2)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class PReluConv;

[Network(Precision = Precision.Double)]
[Input(2, 10, 10)]
[Conv2D(4, 3, Activation.PReLU)]
[MaxPool2D(2)]
[Dense(6, Activation.PReLU, Alpha = -0.2)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class PReluConvD;
