using NetGen;

namespace NetGen.Tests.Onnx;

// Networks compiled from the PyTorch exports in TestData/onnx (scripts/make-onnx-models.py), through the build's
// NetGenModel conversion: each model baked (static) and, where a loss fits its output, trainable.

[OnnxModel("TestData/onnx/tanh_sigmoid_op13.onnx")]
public static partial class TanhSigmoidBaked;

[OnnxModel("TestData/onnx/tanh_sigmoid_op13.onnx")]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class TanhSigmoidNet;

[OnnxModel("TestData/onnx/relu_logits_op17.onnx")]
public static partial class ReluLogitsBaked;

// Ends in logits: trains with cross-entropy through a softmax inside the loss (nn.CrossEntropyLoss), Forward returns logits.
[OnnxModel("TestData/onnx/relu_logits_op17.onnx")]
[Loss(LossFunction.CrossEntropy)]
public partial class ReluLogitsNet;

[OnnxModel("TestData/onnx/leaky_elu_softmax_op11.onnx")]
public static partial class LeakyEluSoftmaxBaked;

[OnnxModel("TestData/onnx/leaky_elu_softmax_op11.onnx")]
[Loss(LossFunction.CrossEntropy)]
public partial class LeakyEluSoftmaxNet;

[OnnxModel("TestData/onnx/flatten3d_op13.onnx")]
public static partial class Flatten3dBaked;

[OnnxModel("TestData/onnx/flatten3d_op13.onnx")]
[Loss(LossFunction.MeanSquaredError)]
public partial class Flatten3dNet;

[OnnxModel("TestData/onnx/view_flatten_op12.onnx")]
public static partial class ViewFlattenBaked;

[OnnxModel("TestData/onnx/view_flatten_op12.onnx")]
[Loss(LossFunction.MeanSquaredError)]
public partial class ViewFlattenNet;

[OnnxModel("TestData/onnx/batchnorm_op13.onnx")]
public static partial class BatchNormBaked;

[OnnxModel("TestData/onnx/batchnorm_op13.onnx")]
[Loss(LossFunction.MeanSquaredError)]
public partial class BatchNormNet;

[OnnxModel("TestData/onnx/dropout_op15.onnx")]
public static partial class DropoutBaked;

[OnnxModel("TestData/onnx/dropout_op15.onnx")]
[Loss(LossFunction.MeanSquaredError)]
public partial class DropoutNet;

[OnnxModel("TestData/onnx/matmul_add_op14.onnx")]
public static partial class MatMulAddBaked;

[OnnxModel("TestData/onnx/matmul_add_op14.onnx")]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class MatMulAddNet;

// nn.LayerNorm: decomposed below opset 17, LayerNormalization at 17, over [4, 6] tokens, and without gamma and beta.
[OnnxModel("TestData/onnx/layernorm_op13.onnx")]
public static partial class LayerNorm13Baked;

[OnnxModel("TestData/onnx/layernorm_op13.onnx")]
[Loss(LossFunction.MeanSquaredError)]
public partial class LayerNorm13Net;

[OnnxModel("TestData/onnx/layernorm_op17.onnx")]
public static partial class LayerNorm17Baked;

[OnnxModel("TestData/onnx/layernorm_op17.onnx")]
[Loss(LossFunction.MeanSquaredError)]
public partial class LayerNorm17Net;

[OnnxModel("TestData/onnx/layernorm_tokens_op13.onnx")]
public static partial class LayerNormTokens13Baked;

[OnnxModel("TestData/onnx/layernorm_tokens_op13.onnx")]
[Loss(LossFunction.MeanSquaredError)]
public partial class LayerNormTokens13Net;

[OnnxModel("TestData/onnx/layernorm_tokens_op17.onnx")]
public static partial class LayerNormTokens17Baked;

[OnnxModel("TestData/onnx/layernorm_tokens_op17.onnx")]
[Loss(LossFunction.MeanSquaredError)]
public partial class LayerNormTokens17Net;

[OnnxModel("TestData/onnx/layernorm_plain_op13.onnx")]
public static partial class LayerNormPlainBaked;

[OnnxModel("TestData/onnx/layernorm_plain_op13.onnx")]
[Loss(LossFunction.MeanSquaredError)]
public partial class LayerNormPlainNet;

// A softmax over each row of a [2, 5] output: at opset 13 (last axis) and in opset 11's 2-D coercion (axis 2).
[OnnxModel("TestData/onnx/softmax_rows_op13.onnx")]
public static partial class SoftmaxRows13Baked;

[OnnxModel("TestData/onnx/softmax_rows_op13.onnx")]
[Loss(LossFunction.MeanSquaredError)]
public partial class SoftmaxRows13Net;

[OnnxModel("TestData/onnx/softmax_rows_op11.onnx")]
public static partial class SoftmaxRows11Baked;

[OnnxModel("TestData/onnx/softmax_rows_op11.onnx")]
[Loss(LossFunction.MeanSquaredError)]
public partial class SoftmaxRows11Net;

// Ends in one logit: trains with binary cross-entropy through a sigmoid inside the loss (nn.BCEWithLogitsLoss).
// The baked form declares the loss too: a static class with a [Loss] knows its output is a logit, so Classify reads it so.
[OnnxModel("TestData/onnx/relu_logit_bce_op13.onnx")]
[Loss(LossFunction.BinaryCrossEntropy)]
public static partial class ReluLogitBceBaked;

[OnnxModel("TestData/onnx/relu_logit_bce_op13.onnx")]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class ReluLogitBceNet;

// Constant arithmetic outside any layer: (x - mean) / std on the input; a scale, a shift and 1 - h after a ReLU.
[OnnxModel("TestData/onnx/standardised_op13.onnx")]
public static partial class StandardisedBaked;

[OnnxModel("TestData/onnx/standardised_op13.onnx")]
[Loss(LossFunction.MeanSquaredError)]
public partial class StandardisedNet;

// Per-channel standardisation of a [3, 4, 4] image, (x - mean[C, 1, 1]) / std[C, 1, 1], before an MLP.
[OnnxModel("TestData/onnx/channel_standardised_op13.onnx")]
public static partial class ChannelStandardisedBaked;

[OnnxModel("TestData/onnx/channel_standardised_op13.onnx")]
[Loss(LossFunction.MeanSquaredError)]
public partial class ChannelStandardisedNet;

// Ends in nn.LogSoftmax: Forward returns log-probabilities; the trainable form trains with cross-entropy (nn.NLLLoss).
[OnnxModel("TestData/onnx/relu_logsoftmax_op13.onnx")]
public static partial class ReluLogSoftmaxBaked;

[OnnxModel("TestData/onnx/relu_logsoftmax_op13.onnx")]
[Loss(LossFunction.CrossEntropy)]
public partial class ReluLogSoftmaxNet;

// Convolutional networks, each ending in logits: LeNet-5; a 1-D keyword net with a dilated convolution and a global
// average pool; a depthwise net with a grouped and a pointwise convolution, nn.AvgPool2d(padding=1) (exported as Pad and
// AveragePool), per-axis stride and dilation, and a ceil-mode max pool.
[OnnxModel("TestData/onnx/lenet5_op13.onnx")]
public static partial class LeNet5Baked;

[OnnxModel("TestData/onnx/lenet5_op13.onnx")]
[Loss(LossFunction.CrossEntropy)]
public partial class LeNet5Net;

[OnnxModel("TestData/onnx/keyword_conv1d_op13.onnx")]
public static partial class KeywordConv1dBaked;

[OnnxModel("TestData/onnx/keyword_conv1d_op13.onnx")]
[Loss(LossFunction.CrossEntropy)]
public partial class KeywordConv1dNet;

[OnnxModel("TestData/onnx/depthwise_op13.onnx")]
public static partial class DepthwiseBaked;

[OnnxModel("TestData/onnx/depthwise_op13.onnx")]
[Loss(LossFunction.CrossEntropy)]
public partial class DepthwiseNet;

// Layout changes and leaky ReLUs written as Max: a per-channel scale between a Transpose to channels-last and its inverse,
// a channels-last flatten before nn.Linear, torch.maximum(h, 0.1 h) and torch.maximum(h, 2 h); and a convolution whose
// output the graph returns channels-last ([H, W, C]), which a permutation layer at the end gives.
[OnnxModel("TestData/onnx/transposed_layout_op13.onnx")]
public static partial class TransposedLayoutBaked;

[OnnxModel("TestData/onnx/transposed_layout_op13.onnx")]
[Loss(LossFunction.CrossEntropy)]
public partial class TransposedLayoutNet;

[OnnxModel("TestData/onnx/channels_last_output_op13.onnx")]
public static partial class ChannelsLastOutputBaked;

[OnnxModel("TestData/onnx/channels_last_output_op13.onnx")]
[Loss(LossFunction.MeanSquaredError)]
public partial class ChannelsLastOutputNet;

// Normalisations read through a transpose right after the layer they would otherwise fold into (a BatchNorm2d over a
// convolution's height axis, a BatchNorm1d over reordered dense outputs): they must apply in the transposed order.
[OnnxModel("TestData/onnx/transposed_norms_op13.onnx")]
public static partial class TransposedNormsBaked;

[OnnxModel("TestData/onnx/transposed_norms_op13.onnx")]
[Loss(LossFunction.CrossEntropy)]
public partial class TransposedNormsNet;
