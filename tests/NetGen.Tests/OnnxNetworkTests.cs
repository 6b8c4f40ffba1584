using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using NetGen.Data;
using NetGen.TestSupport;
using NetGen.Tests.Onnx;
using NetGen.Training;

namespace NetGen.Tests;

/// <summary>[OnnxModel] networks built through the real build (NetGenModel items converted by the MSBuild task, the
/// generator as an analyzer): they give PyTorch's outputs, the baked and trainable forms agree bit for bit, the
/// trainable form starts from the model's weights and fine-tunes with gradients that match finite differences.</summary>
public class OnnxNetworkTests
{
    private delegate void Pass(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Each model: its baked Forward, a new trainable instance, and its shapes as the baked type states them.</summary>
    private static readonly Dictionary<string, (Pass Baked, Func<INeuralNetwork<float>> Trainable, int[] InputShape, int[] OutputShape)> Models = new()
    {
        ["tanh_sigmoid_op13"] = (TanhSigmoidBaked.Forward, () => new TanhSigmoidNet(), TanhSigmoidBaked.InputShape.ToArray(), TanhSigmoidBaked.OutputShape.ToArray()),
        ["relu_logits_op17"] = (ReluLogitsBaked.Forward, () => new ReluLogitsNet(), ReluLogitsBaked.InputShape.ToArray(), ReluLogitsBaked.OutputShape.ToArray()),
        ["leaky_elu_softmax_op11"] = (LeakyEluSoftmaxBaked.Forward, () => new LeakyEluSoftmaxNet(), LeakyEluSoftmaxBaked.InputShape.ToArray(), LeakyEluSoftmaxBaked.OutputShape.ToArray()),
        ["flatten3d_op13"] = (Flatten3dBaked.Forward, () => new Flatten3dNet(), Flatten3dBaked.InputShape.ToArray(), Flatten3dBaked.OutputShape.ToArray()),
        ["view_flatten_op12"] = (ViewFlattenBaked.Forward, () => new ViewFlattenNet(), ViewFlattenBaked.InputShape.ToArray(), ViewFlattenBaked.OutputShape.ToArray()),
        ["batchnorm_op13"] = (BatchNormBaked.Forward, () => new BatchNormNet(), BatchNormBaked.InputShape.ToArray(), BatchNormBaked.OutputShape.ToArray()),
        ["dropout_op15"] = (DropoutBaked.Forward, () => new DropoutNet(), DropoutBaked.InputShape.ToArray(), DropoutBaked.OutputShape.ToArray()),
        ["matmul_add_op14"] = (MatMulAddBaked.Forward, () => new MatMulAddNet(), MatMulAddBaked.InputShape.ToArray(), MatMulAddBaked.OutputShape.ToArray()),
        ["layernorm_op13"] = (LayerNorm13Baked.Forward, () => new LayerNorm13Net(), LayerNorm13Baked.InputShape.ToArray(), LayerNorm13Baked.OutputShape.ToArray()),
        ["layernorm_op17"] = (LayerNorm17Baked.Forward, () => new LayerNorm17Net(), LayerNorm17Baked.InputShape.ToArray(), LayerNorm17Baked.OutputShape.ToArray()),
        ["layernorm_tokens_op13"] = (LayerNormTokens13Baked.Forward, () => new LayerNormTokens13Net(), LayerNormTokens13Baked.InputShape.ToArray(), LayerNormTokens13Baked.OutputShape.ToArray()),
        ["layernorm_tokens_op17"] = (LayerNormTokens17Baked.Forward, () => new LayerNormTokens17Net(), LayerNormTokens17Baked.InputShape.ToArray(), LayerNormTokens17Baked.OutputShape.ToArray()),
        ["channel_standardised_op13"] = (ChannelStandardisedBaked.Forward, () => new ChannelStandardisedNet(), ChannelStandardisedBaked.InputShape.ToArray(), ChannelStandardisedBaked.OutputShape.ToArray()),
        ["relu_logsoftmax_op13"] = (ReluLogSoftmaxBaked.Forward, () => new ReluLogSoftmaxNet(), ReluLogSoftmaxBaked.InputShape.ToArray(), ReluLogSoftmaxBaked.OutputShape.ToArray()),
        ["standardised_op13"] = (StandardisedBaked.Forward, () => new StandardisedNet(), StandardisedBaked.InputShape.ToArray(), StandardisedBaked.OutputShape.ToArray()),
        ["relu_logit_bce_op13"] = (ReluLogitBceBaked.Forward, () => new ReluLogitBceNet(), ReluLogitBceBaked.InputShape.ToArray(), ReluLogitBceBaked.OutputShape.ToArray()),
        ["softmax_rows_op13"] = (SoftmaxRows13Baked.Forward, () => new SoftmaxRows13Net(), SoftmaxRows13Baked.InputShape.ToArray(), SoftmaxRows13Baked.OutputShape.ToArray()),
        ["softmax_rows_op11"] = (SoftmaxRows11Baked.Forward, () => new SoftmaxRows11Net(), SoftmaxRows11Baked.InputShape.ToArray(), SoftmaxRows11Baked.OutputShape.ToArray()),
        ["layernorm_plain_op13"] = (LayerNormPlainBaked.Forward, () => new LayerNormPlainNet(), LayerNormPlainBaked.InputShape.ToArray(), LayerNormPlainBaked.OutputShape.ToArray()),
        ["lenet5_op13"] = (LeNet5Baked.Forward, () => new LeNet5Net(), LeNet5Baked.InputShape.ToArray(), LeNet5Baked.OutputShape.ToArray()),
        ["keyword_conv1d_op13"] = (KeywordConv1dBaked.Forward, () => new KeywordConv1dNet(), KeywordConv1dBaked.InputShape.ToArray(), KeywordConv1dBaked.OutputShape.ToArray()),
        ["depthwise_op13"] = (DepthwiseBaked.Forward, () => new DepthwiseNet(), DepthwiseBaked.InputShape.ToArray(), DepthwiseBaked.OutputShape.ToArray()),
        ["transposed_layout_op13"] = (TransposedLayoutBaked.Forward, () => new TransposedLayoutNet(), TransposedLayoutBaked.InputShape.ToArray(), TransposedLayoutBaked.OutputShape.ToArray()),
        ["transposed_norms_op13"] = (TransposedNormsBaked.Forward, () => new TransposedNormsNet(), TransposedNormsBaked.InputShape.ToArray(), TransposedNormsBaked.OutputShape.ToArray()),
        ["channels_last_output_op13"] = (ChannelsLastOutputBaked.Forward, () => new ChannelsLastOutputNet(), ChannelsLastOutputBaked.InputShape.ToArray(), ChannelsLastOutputBaked.OutputShape.ToArray()),
    };

    public static IEnumerable<object[]> ModelNames() => Models.Keys.Select(k => new object[] { k });

    private static JsonElement Reference(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "tests", "NetGen.Tests", "TestData", "onnx", "references.json"))).RootElement.GetProperty("models").GetProperty(name);

    private static float[][] Rows(JsonElement rows) => rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToArray();

    /// <summary>Baked and trainable forms give PyTorch's outputs within 1e-5 absolute or 1e-4 relative, and each other's
    /// bit for bit; the shapes are the model's.</summary>
    [Theory]
    [MemberData(nameof(ModelNames))]
    public void AnImportedNetwork_GivesPyTorchsOutputs_BakedAndTrainableAlike(string name)
    {
        (Pass baked, Func<INeuralNetwork<float>> trainable, int[] inputShape, int[] outputShape) = Models[name];
        JsonElement reference = Reference(name);
        Assert.Equal(reference.GetProperty("inputShape").EnumerateArray().Select(d => d.GetInt32()), inputShape);
        float[][] inputs = Rows(reference.GetProperty("inputs"));
        float[][] outputs = Rows(reference.GetProperty("outputs"));
        Assert.Equal(outputs[0].Length, outputShape.Aggregate(1, (p, d) => p * d));
        INeuralNetwork<float> net = trainable();
        for (int s = 0; s < inputs.Length; s++)
        {
            var y = new float[outputs[s].Length];
            var z = new float[outputs[s].Length];
            baked(inputs[s], y);
            net.Forward(inputs[s], z);
            for (int i = 0; i < y.Length; i++)
            {
                float error = Math.Abs(y[i] - outputs[s][i]);
                Assert.True(error <= 1e-5f || error <= 1e-4f * Math.Abs(outputs[s][i]), $"{name}, sample {s}, output {i}: NetGen {y[i]:R}, PyTorch {outputs[s][i]:R}");
                Assert.Equal(BitConverter.SingleToInt32Bits(y[i]), BitConverter.SingleToInt32Bits(z[i]));
            }
        }
    }

    /// <summary>ONNX Runtime (one thread, sequential) agrees with the baked network on 64 random inputs per model, within
    /// the same tolerance.</summary>
    [Theory]
    [MemberData(nameof(ModelNames))]
    public void AnImportedNetwork_AgreesWithOnnxRuntime(string name)
    {
        (Pass baked, _, int[] inputShape, int[] outputShape) = Models[name];
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = 1, ExecutionMode = Microsoft.ML.OnnxRuntime.ExecutionMode.ORT_SEQUENTIAL };
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Path.Combine(Repository.Root, "tests", "NetGen.Tests", "TestData", "onnx", name + ".onnx"), options);
        int inputSize = inputShape.Aggregate(1, (p, d) => p * d), outputSize = outputShape.Aggregate(1, (p, d) => p * d);
        var random = new Random(name.Length);
        var x = new float[inputSize];
        var y = new float[outputSize];
        for (int sample = 0; sample < 64; sample++)
        {
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (float)((random.NextDouble() * 4) - 2);
            }

            var tensor = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(x.ToArray(), new[] { 1 }.Concat(inputShape).ToArray());
            using var results = session.Run(new[] { Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("input", tensor) });
            float[] expected = results.Single().AsEnumerable<float>().ToArray();
            baked(x, y);
            for (int i = 0; i < y.Length; i++)
            {
                float error = Math.Abs(y[i] - expected[i]);
                Assert.True(error <= 1e-5f || error <= 1e-4f * Math.Abs(expected[i]), $"{name}, sample {sample}, output {i}: NetGen {y[i]:R}, ONNX Runtime {expected[i]:R}");
            }
        }
    }

    /// <summary>A model that ends in logits, trained with [Loss(CrossEntropy)]: Forward returns the logits (the agreement
    /// test above), and the loss and gradients are nn.CrossEntropyLoss's, as autograd computed them in PyTorch.</summary>
    [Fact]
    public void LogitsWithCrossEntropy_TrainAsPyTorchsCrossEntropyLoss()
    {
        JsonElement reference = Reference("relu_logits_op17");
        JsonElement ce = reference.GetProperty("crossEntropy");
        var net = new ReluLogitsNet();
        var d = new float[3];
        d[ce.GetProperty("target").GetInt32()] = 1;
        AssertLossAndGradients(net, Rows(reference.GetProperty("inputs"))[0], d, ce, new[] { ("0", 10, 16), ("2", 16, 3) });
    }

    /// <summary>A model that ends in one logit, trained with [Loss(BinaryCrossEntropy)]: Forward returns the logit, and
    /// the loss and gradients are nn.BCEWithLogitsLoss's, as autograd computed them in PyTorch.</summary>
    [Fact]
    public void ALogitWithBinaryCrossEntropy_TrainsAsPyTorchsBCEWithLogitsLoss()
    {
        JsonElement reference = Reference("relu_logit_bce_op13");
        JsonElement bce = reference.GetProperty("binaryCrossEntropy");
        var net = new ReluLogitBceNet();
        Assert.True(ReluLogitBceNet.Layers[^1].Logits);
        Assert.Equal(Activation.Sigmoid, ReluLogitBceNet.Layers[^1].Activation);
        float[] d = { bce.GetProperty("target").GetInt32() };
        AssertLossAndGradients(net, Rows(reference.GetProperty("inputs"))[0], d, bce, new[] { ("0", 8, 6), ("2", 6, 1) });
    }

    /// <summary>A model that ends in LogSoftmax, trained with [Loss(CrossEntropy)]: Forward returns log-probabilities (the
    /// agreement tests above), and the loss and gradients are nn.NLLLoss's on them, as autograd computed them.</summary>
    [Fact]
    public void ALogSoftmaxOutput_TrainsAsPyTorchsNllLoss()
    {
        JsonElement reference = Reference("relu_logsoftmax_op13");
        JsonElement nll = reference.GetProperty("negativeLogLikelihood");
        var net = new ReluLogSoftmaxNet();
        var d = new float[4];
        d[nll.GetProperty("target").GetInt32()] = 1;
        AssertLossAndGradients(net, Rows(reference.GetProperty("inputs"))[0], d, nll, new[] { ("0", 7, 9), ("2", 9, 4) });
        Assert.True(ReluLogSoftmaxNet.Layers[^1].Logits);
        var y = new float[4];
        net.Forward(Rows(reference.GetProperty("inputs"))[0], y);
        Assert.Equal(1.0, y.Sum(v => Math.Exp(v)), 5); // log-probabilities
    }

    /// <summary>A logit is classified at 0 (probability 0.5), by Classify, ClassifyBatch and Evaluation alike, and the
    /// evaluated loss is the loss from the logit.</summary>
    [Fact]
    public void ALogit_IsClassifiedAtZero_AndEvaluatedFromTheLogit()
    {
        var net = new ReluLogitBceNet();
        var random = new Random(3);
        float[] x = Enumerable.Range(0, 200 * 8).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        var logits = new float[200];
        net.ForwardBatch(x, logits);
        Assert.Contains(logits, v => v < 0);
        Assert.Contains(logits, v => v is > 0 and < 0.5f); // where a threshold of 0.5 would disagree
        var classes = new int[200];
        net.ClassifyBatch(x, classes);
        float[] d = logits.Select(v => v >= 0 ? 1f : 0f).ToArray();
        for (int s = 0; s < 200; s++)
        {
            Assert.Equal(d[s] == 1 ? 1 : 0, classes[s]);
            Assert.Equal(classes[s], net.Classify(x.AsSpan(s * 8, 8)));
            Assert.Equal(classes[s], ReluLogitBaked(x.AsSpan(s * 8, 8)));
        }

        var data = new Dataset<float>(x, 8, d, 1);
        Assert.Equal(1.0, Evaluation.Accuracy(net, data));
        double expected = Enumerable.Range(0, 200).Average(s => (double)net.ComputeLoss(x.AsSpan(s * 8, 8), d.AsSpan(s, 1)));
        Assert.Equal(expected, Evaluation.MeanLoss(net, data), 5);

        static int ReluLogitBaked(ReadOnlySpan<float> input) => ReluLogitBceBaked.Classify(input);
    }

    /// <summary>The cross-entropy of a logits import, evaluated: from the logits, as ComputeLoss (not log of a logit).</summary>
    [Fact]
    public void LogitsWithCrossEntropy_AreEvaluatedFromTheLogits()
    {
        var net = new ReluLogitsNet();
        var random = new Random(5);
        float[] x = Enumerable.Range(0, 50 * 10).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        float[] d = Enumerable.Range(0, 50).SelectMany(s => Enumerable.Range(0, 3).Select(k => k == s % 3 ? 1f : 0f)).ToArray();
        var data = new Dataset<float>(x, 10, d, 3);
        double expected = Enumerable.Range(0, 50).Average(s => (double)net.ComputeLoss(x.AsSpan(s * 10, 10), d.AsSpan(s * 3, 3)));
        Assert.Equal(expected, Evaluation.MeanLoss(net, data), 5);
    }

    /// <summary>Loss and gradients of one sample against PyTorch's, per parameter as PyTorch names them.</summary>
    private static void AssertLossAndGradients(INeuralNetwork<float> net, float[] x, float[] d, JsonElement reference, (string Name, int FanIn, int Units)[] layers)
    {
        net.ZeroGradients();
        float loss = net.Backward(x, d);
        Assert.Equal(reference.GetProperty("loss").GetDouble(), loss, 5);
        JsonElement gradients = reference.GetProperty("gradients");
        int offset = 0;
        foreach ((string name, int fanIn, int units) in layers)
        {
            float[][] weight = Rows(gradients.GetProperty(name + ".weight"));
            float[] bias = gradients.GetProperty(name + ".bias").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            for (int i = 0; i < units; i++)
            {
                for (int j = 0; j < fanIn; j++)
                {
                    Close(weight[i][j], net.Gradients[offset + (j * units) + i], $"{name}.weight[{i}][{j}]"); // NetGen: input-major
                }

                Close(bias[i], net.Gradients[offset + (fanIn * units) + i], $"{name}.bias[{i}]");
            }

            offset += (fanIn * units) + units;
        }

        static void Close(float expected, float actual, string what) =>
            Assert.True(Math.Abs(expected - actual) <= 1e-6f + (1e-4f * Math.Abs(expected)), $"{what}: PyTorch {expected:R}, NetGen {actual:R}");
    }

    /// <summary>A new trainable instance starts from the model's weights, every time (not from the seeded initialiser).</summary>
    [Fact]
    public void ATrainableImport_StartsFromTheModelsWeights()
    {
        var a = new Flatten3dNet();
        var b = new Flatten3dNet();
        Assert.Equal(Flatten3dBaked.Parameters.ToArray(), a.Parameters.ToArray());
        a.Parameters[0] += 1; // instances do not share their parameters
        Assert.Equal(Flatten3dBaked.Parameters.ToArray(), b.Parameters.ToArray());
    }

    /// <summary>An imported convolutional classifier trains as PyTorch's does (the softmax inside the cross-entropy,
    /// Forward returning the logits), starts from the model's weights, and classifies as the baked form does.</summary>
    [Fact]
    public void AnImportedLeNet_StartsFromTheModel_AndClassifiesItsLogits()
    {
        var net = new LeNet5Net();
        Assert.Equal(LeNet5Baked.Parameters.ToArray(), net.Parameters.ToArray());
        Assert.True(LeNet5Net.Layers[^1].Logits);
        Assert.Equal("conv2d", LeNet5Net.Layers[0].Convolution!.Type);
        float[][] inputs = Rows(Reference("lenet5_op13").GetProperty("inputs"));
        float[][] outputs = Rows(Reference("lenet5_op13").GetProperty("outputs"));
        for (int s = 0; s < inputs.Length; s++)
        {
            int expected = Array.IndexOf(outputs[s], outputs[s].Max());
            Assert.Equal(expected, net.Classify(inputs[s]));
            Assert.Equal(expected, LeNet5Baked.Classify(inputs[s]));
        }
    }

    /// <summary>The imported trainable networks' gradients match central finite differences of their loss.</summary>
    [Theory]
    [InlineData("tanh_sigmoid_op13")]
    [InlineData("leaky_elu_softmax_op11")]
    [InlineData("matmul_add_op14")]
    [InlineData("batchnorm_op13")]
    [InlineData("layernorm_op13")]
    [InlineData("layernorm_tokens_op17")]
    [InlineData("layernorm_plain_op13")]
    [InlineData("softmax_rows_op13")]
    [InlineData("standardised_op13")]
    [InlineData("lenet5_op13")]
    [InlineData("keyword_conv1d_op13")]
    [InlineData("depthwise_op13")]
    public void Gradients_MatchFiniteDifferences(string name)
    {
        INeuralNetwork<float> net = Models[name].Trainable();
        float[] x = Rows(Reference(name).GetProperty("inputs"))[0];
        var d = new float[net.OutputSize];
        d[0] = 1; // a valid target for every loss here (one-hot, binary, or a regression value)
        net.ZeroGradients();
        net.Backward(x, d);
        float[] g = net.Gradients.ToArray();
        var random = new Random(11);
        for (int trial = 0; trial < 40; trial++)
        {
            int i = random.Next(net.ParameterCount);
            float original = net.Parameters[i];
            const float H = 1e-3f;
            net.Parameters[i] = original + H;
            double up = net.ComputeLoss(x, d);
            net.Parameters[i] = original - H;
            double down = net.ComputeLoss(x, d);
            net.Parameters[i] = original;
            double numeric = (up - down) / (2 * H);
            Assert.True(Math.Abs(numeric - g[i]) <= 2e-3 + (2e-2 * Math.Abs(g[i])), $"{name}, parameter {i}: backprop {g[i]:R}, finite difference {numeric:R}");
        }
    }

    /// <summary>Fine-tuning an import with the Trainer lowers its loss on data it was not trained on: a dense model, and
    /// one whose layer normalisation (over 4 groups of 6) learns its gamma and beta too.</summary>
    [Theory]
    [InlineData("flatten3d_op13")]
    [InlineData("layernorm_tokens_op17")]
    public void AnImport_FineTunes(string name)
    {
        INeuralNetwork<float> net = Models[name].Trainable(); // both take 24 values and give 2 or 3
        var random = new Random(4);
        var x = new float[256 * 24];
        var d = new float[256 * net.OutputSize];
        for (int s = 0; s < 256; s++)
        {
            for (int i = 0; i < 24; i++)
            {
                x[(s * 24) + i] = (float)((random.NextDouble() * 2) - 1);
            }

            d[s * net.OutputSize] = x[s * 24] + x[(s * 24) + 5];
            d[(s * net.OutputSize) + 1] = x[(s * 24) + 7] - x[(s * 24) + 11];
        }

        var data = new Dataset<float>(x, 24, d, net.OutputSize);
        double before = Evaluation.MeanLoss(net, data);
        Trainer.Train(net, new Adam<float>(1e-2), data, new TrainerOptions { Epochs = 30, BatchSize = 32, Seed = 1, Metric = Metric.None });
        double after = Evaluation.MeanLoss(net, data);
        Assert.True(after < before / 4, $"{name}: loss {before} before, {after} after");
    }
}
