namespace NetGen.Tests;

/// <summary>The lecture's XOR network: 2-4-1, tanh then sigmoid, binary cross-entropy.</summary>
[Input(2)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class XorNet;

/// <summary>784-128-10 for MNIST.</summary>
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class MnistNet;

/// <summary>Linear regression: one dense layer, identity, MSE.</summary>
[Network(Precision = Precision.Double)]
[Input(3)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
public partial class LinearRegression;

/// <summary>Logistic regression: one dense layer, sigmoid, binary cross-entropy.</summary>
[Network(Precision = Precision.Double)]
[Input(4)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class LogisticRegression;

/// <summary>The largest layers unrolled scalar kernels accept (512 weights each).</summary>
[Network(Kernels = KernelStyle.UnrolledScalar)]
[Input(16)]
[Dense(32, Activation.Tanh)]
[Dense(16)]
[Loss(LossFunction.MeanSquaredError)]
public partial class LargestUnrolledNet;

/// <summary>A wide network whose output groups run as loops: 300 -> 1000 -> 70.</summary>
[Input(300)]
[Dense(1000, Activation.ELU)]
[Maxout(70, 3)]
[Loss(LossFunction.MeanSquaredError)]
public partial class WideNet;

/// <summary>Networks can be structs and nested types.</summary>
public static partial class Containers
{
    [Input(3)]
    [Dense(5, Activation.LeakyReLU, Alpha = 0.2)]
    [Dense(2, Activation.Softmax)]
    [Loss(LossFunction.CrossEntropy)]
    public partial struct NestedStructNet;
}

/// <summary>Activations beyond the stack budget (4096 x 2 floats = 32 KiB + 16 B): passes use the per-thread buffer.</summary>
[Input(16)]
[Dense(4096, Activation.Tanh)]
[Dense(4)]
[Loss(LossFunction.MeanSquaredError)]
public partial class BigScratchNet;

/// <summary>Softmax with cross-entropy, for the stability tests.</summary>
[Input(2)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class SoftmaxNet;

/// <summary>Sigmoid with binary cross-entropy, for the stability tests.</summary>
[Input(1)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class SigmoidNet;

/// <summary>An ELU layer before a linear output, for the stability tests.</summary>
[Input(1)]
[Dense(2, Activation.ELU)]
[Dense(1)]
[Loss(LossFunction.MeanSquaredError)]
public partial class EluNet;

/// <summary>SimpleChains.jl's headline network (benchmark W3): 4-32-16-4, tanh hidden layers, mean squared error.</summary>
[Input(4)]
[Dense(32, Activation.Tanh)]
[Dense(16, Activation.Tanh)]
[Dense(4)]
[Loss(LossFunction.MeanSquaredError)]
public partial class SimpleChainsNet;

/// <summary>A layer normalisation between two dense layers (persistence of the "layernorm" layer).</summary>
[Input(3)]
[Dense(5, Activation.Tanh)]
[LayerNorm(Activation = Activation.ReLU, Epsilon = 1e-4)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
public partial class LayerNormNet;

/// <summary>LeNet-5 for MNIST (issue 17): two convolution and pooling stages, then three dense layers.</summary>
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

/// <summary>A ReLU convolution before a padded, overlapping max pool, ending there: the inference passes pool first and
/// apply the ReLU after.</summary>
[Input(2, 9, 9)]
[Conv2D(5, 3, Activation.ReLU, Padding = 1)]
[MaxPool2D(3, Stride = 2, Padding = 1)]
[Loss(LossFunction.MeanSquaredError)]
public partial class PooledReLUNet;

/// <summary>A keyword-spotting style 1-D network: 8 channels of 40 frames, causal dilated convolutions, a global average.</summary>
[Input(8, 40)]
[Conv1D(16, 3, Activation.ReLU, PaddingMode = PaddingMode.Causal)]
[Conv1D(16, 3, Activation.ReLU, PaddingMode = PaddingMode.Causal, Dilation = 2)]
[MaxPool1D(2)]
[Conv1D(16, 3, Activation.ReLU, Padding = 1)]
[GlobalAvgPool]
[Dense(4, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class KeywordNet;

/// <summary>The PyTorch model keyword_conv1d_op13 of scripts/make-onnx-models.py, declared in NetGen.</summary>
[Input(8, 40)]
[Conv1D(16, 3, Activation.ReLU, Padding = 1)]
[MaxPool1D(2)]
[Conv1D(16, 3, Activation.ReLU, Dilation = 2, Padding = 2)]
[GlobalAvgPool]
[Dense(4, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class TorchKeywordNet;

/// <summary>The PyTorch model depthwise_op13 of scripts/make-onnx-models.py, declared in NetGen: a depthwise and a
/// pointwise convolution, an average pool with padding, per-axis stride and dilation, and a ceil-mode max pool.</summary>
[Input(3, 12, 12)]
[Conv2D(3, 3, Activation.ReLU, Padding = 1, Groups = 3)]
[Conv2D(8, 1, Activation.ELU)]
[AvgPool2D(3, Stride = 2, Padding = 1)]
[Conv2D(8, 3, 2, Activation.Tanh, StrideHeight = 1, StrideWidth = 2, DilationHeight = 2, DilationWidth = 1)]
[MaxPool2D(2, CeilMode = true)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class TorchDepthwiseNet;

/// <summary>PReLU on a 1-D convolution (a slope per channel) and on a dense layer (a slope per unit).</summary>
[Input(3, 16)]
[Conv1D(4, 3, Activation.PReLU)]
[GlobalAvgPool]
[Dense(5, Activation.PReLU, Alpha = 0.1)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
public partial class PReluNet;
