using System;
using System.IO;
using System.Linq;
using NetGen.Persistence;
using NetGen.Portability;
using NetGen.Quantization;
using NetGen.TestSupport;

namespace NetGen.Tests;

/// <summary>The pinned network of tests/Shared/PortableChecks.cs (ReLU and Identity hidden layers: integer
/// requantisation), baked in int8.</summary>
[Network(Inference = Inference.Int8)]
[Input(40)]
[Dense(24, Activation.ReLU)]
[Dense(16)]
[Dense(5, Activation.Softmax)]
[Weights("TestData/int8/pinned.json")]
public static partial class PinnedInt8Baked;

/// <summary><see cref="QuantizationMixedNet"/> baked in int8: Tanh, LeakyReLU, ELU and Sigmoid requantise through float.</summary>
[Network(Inference = Inference.Int8)]
[Input(12)]
[Dense(16, Activation.Tanh)]
[Dense(16, Activation.LeakyReLU, Alpha = 0.1)]
[Dense(12, Activation.ReLU)]
[Dense(10)]
[Dense(8, Activation.ELU)]
[Dense(8, Activation.Sigmoid)]
[Dense(3, Activation.Softmax)]
[Weights("TestData/int8/mixed.json")]
public static partial class MixedInt8Baked;

/// <summary><see cref="KeywordNet"/> baked in int8: causal and dilated 1-D convolutions, a max pool, a global average.</summary>
[Network(Inference = Inference.Int8)]
[Input(8, 40)]
[Conv1D(16, 3, Activation.ReLU, PaddingMode = PaddingMode.Causal)]
[Conv1D(16, 3, Activation.ReLU, PaddingMode = PaddingMode.Causal, Dilation = 2)]
[MaxPool1D(2)]
[Conv1D(16, 3, Activation.ReLU, Padding = 1)]
[GlobalAvgPool]
[Dense(4, Activation.Softmax)]
[Weights("TestData/int8/keyword.json")]
public static partial class KeywordInt8Baked;

/// <summary><see cref="TorchDepthwiseNet"/> baked in int8: a depthwise convolution, ELU and Tanh through float, an
/// average pool with padding, per-axis stride and dilation, a ceil-mode max pool.</summary>
[Network(Inference = Inference.Int8)]
[Input(3, 12, 12)]
[Conv2D(3, 3, Activation.ReLU, Padding = 1, Groups = 3)]
[Conv2D(8, 1, Activation.ELU)]
[AvgPool2D(3, Stride = 2, Padding = 1)]
[Conv2D(8, 3, 2, Activation.Tanh, StrideHeight = 1, StrideWidth = 2, DilationHeight = 2, DilationWidth = 1)]
[MaxPool2D(2, CeilMode = true)]
[Dense(3, Activation.Softmax)]
[Weights("TestData/int8/depthwise.json")]
public static partial class DepthwiseInt8Baked;

/// <summary>PyTorch's LeNet-5 from its ONNX export, baked in int8 with ranges of its own (a calibration file beside the
/// model).</summary>
[Network(Inference = Inference.Int8)]
[OnnxModel("TestData/onnx/lenet5_op13.onnx", Calibration = "TestData/int8/lenet5-calibration.json")]
public static partial class LeNet5Int8Baked;

/// <summary><see cref="Int8ConvolutionOutputNet"/> baked in int8: the output is a convolution's, dequantised in float.</summary>
[Network(Inference = Inference.Int8)]
[Input(2, 9, 9)]
[Conv2D(4, 3, Activation.ReLU, Padding = 1)]
[Conv2D(3, 3, Activation.Tanh, Stride = 2)]
[Weights("TestData/int8/convolution-output.json")]
public static partial class ConvolutionOutputInt8Baked;

/// <summary><see cref="Int8PoolOutputNet"/> baked in int8: the output is a pool's codes, dequantised.</summary>
[Network(Inference = Inference.Int8)]
[Input(3, 20)]
[Conv1D(5, 3, Activation.ELU, Dilation = 2, Padding = 2)]
[AvgPool1D(3, Stride = 2, Padding = 1, CountIncludePad = false)]
[Weights("TestData/int8/pool-output.json")]
public static partial class PoolOutputInt8Baked;

/// <summary><see cref="Int8PoolFirstNet"/> baked in int8: a ceil-mode average pool of the quantised input first.</summary>
[Network(Inference = Inference.Int8)]
[Input(2, 8, 8)]
[AvgPool2D(2, CeilMode = true, Stride = 3)]
[Conv2D(3, 2, Activation.ReLU)]
[Dense(2)]
[Weights("TestData/int8/pool-first.json")]
public static partial class PoolFirstInt8Baked;

/// <summary><see cref="PReluNet"/> baked in int8: PReLU after a convolution (a slope per channel) and a dense layer (a
/// slope per unit), slopes negative and above 1 among them.</summary>
[Network(Inference = Inference.Int8)]
[Input(3, 16)]
[Conv1D(4, 3, Activation.PReLU)]
[GlobalAvgPool]
[Dense(5, Activation.PReLU, Alpha = 0.1)]
[Dense(2)]
[Weights("TestData/int8/prelu.json")]
public static partial class PReluInt8Baked;

/// <summary><see cref="Int8MaxoutNet"/> baked in int8: a hidden maxout layer and a maxout output.</summary>
[Network(Inference = Inference.Int8)]
[Input(12)]
[Maxout(10, 3)]
[Dense(8, Activation.ReLU)]
[Maxout(4, 2)]
[Weights("TestData/int8/maxout.json")]
public static partial class MaxoutInt8Baked;

/// <summary>Issue 16's compile-time form: <c>[Network(Inference = Inference.Int8)]</c> on a network baked from a weights
/// file with a calibration section gives the same bits as <see cref="QuantizedNetwork"/> at run time, with the same
/// weights and ranges.</summary>
public class Int8BakedTests
{
    private static string Fixture(string name) => Path.Combine(Repository.Root, "tests", "NetGen.Tests", "TestData", "int8", name);

    /// <summary>The fixtures are what <see cref="WeightsJson.Export{T}(INeuralNetwork{T}, Calibration?)"/> writes for their
    /// networks: the pinned network of tests/Shared/PortableChecks.cs, and <see cref="QuantizationMixedNet"/> from seed
    /// 5 calibrated on 300 random inputs. Set NETGEN_ACCEPT_FIXTURES=1 to rewrite them.</summary>
    [Fact]
    public void TheFixtures_AreWhatExportWrites()
    {
        Check("pinned.json", PinnedWeights());
        Check("mixed.json", MixedWeights());
        Check("keyword.json", ConvolutionWeights(new KeywordNet()));
        Check("depthwise.json", ConvolutionWeights(new TorchDepthwiseNet()));
        Check("lenet5-calibration.json", LeNetCalibration());
        Check("convolution-output.json", ConvolutionWeights(new Int8ConvolutionOutputNet()));
        Check("pool-output.json", ConvolutionWeights(new Int8PoolOutputNet()));
        Check("pool-first.json", ConvolutionWeights(new Int8PoolFirstNet()));
        Check("prelu.json", ConvolutionWeights(new PReluNet()));
        Check("maxout.json", ConvolutionWeights(new Int8MaxoutNet()));

        static void Check(string name, string expected)
        {
            string path = Fixture(name);
            if (Environment.GetEnvironmentVariable("NETGEN_ACCEPT_FIXTURES") == "1")
            {
                File.WriteAllText(path, expected);
            }

            Assert.Equal(expected, File.ReadAllText(path));
        }
    }

    private delegate void Pass(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Baked and run-time int8 give the same bits, from the same file: the weights imported into the trainable
    /// twin, the ranges read back with <see cref="WeightsJson.ReadCalibration"/>. The pinned one also gives the hash every
    /// path and machine gives (PortableChecks), and reads as many bytes as the run-time form.</summary>
    [Theory]
    [InlineData("pinned.json")]
    [InlineData("mixed.json")]
    [InlineData("keyword.json")]
    [InlineData("depthwise.json")]
    [InlineData("lenet5-calibration.json")]
    [InlineData("convolution-output.json")]
    [InlineData("pool-output.json")]
    [InlineData("pool-first.json")]
    [InlineData("prelu.json")]
    [InlineData("maxout.json")]
    public void BakedInt8_EqualsRunTimeInt8_BitForBit(string name)
    {
        string json = File.ReadAllText(Fixture(name));
        (INeuralNetwork<float> twin, Pass baked, int bytes) = name switch
        {
            "pinned.json" => ((INeuralNetwork<float>)new PinnedInt8Net(), (Pass)PinnedInt8Baked.Forward, PinnedInt8Baked.Int8Bytes),
            "mixed.json" => (new QuantizationMixedNet(), MixedInt8Baked.Forward, MixedInt8Baked.Int8Bytes),
            "keyword.json" => (new KeywordNet(), KeywordInt8Baked.Forward, KeywordInt8Baked.Int8Bytes),
            "depthwise.json" => (new TorchDepthwiseNet(), DepthwiseInt8Baked.Forward, DepthwiseInt8Baked.Int8Bytes),
            "convolution-output.json" => (new Int8ConvolutionOutputNet(), ConvolutionOutputInt8Baked.Forward, ConvolutionOutputInt8Baked.Int8Bytes),
            "pool-output.json" => (new Int8PoolOutputNet(), PoolOutputInt8Baked.Forward, PoolOutputInt8Baked.Int8Bytes),
            "pool-first.json" => (new Int8PoolFirstNet(), PoolFirstInt8Baked.Forward, PoolFirstInt8Baked.Int8Bytes),
            "prelu.json" => (new PReluNet(), PReluInt8Baked.Forward, PReluInt8Baked.Int8Bytes),
            "maxout.json" => (new Int8MaxoutNet(), MaxoutInt8Baked.Forward, MaxoutInt8Baked.Int8Bytes),
            _ => (new Onnx.LeNet5Net(), LeNet5Int8Baked.Forward, LeNet5Int8Baked.Int8Bytes), // the model's own weights
        };
        if (name != "lenet5-calibration.json")
        {
            WeightsJson.Import(twin, json);
        }

        QuantizedNetwork runtime = QuantizedNetwork.From(twin, WeightsJson.ReadCalibration(json)!);
        Assert.Equal(bytes, runtime.Bytes);
        var random = new Random(3);
        for (int s = 0; s < 100; s++)
        {
            float[] x = Enumerable.Range(0, twin.InputSize).Select(_ => (float)((random.NextDouble() * 6) - 3)).ToArray();
            var y = new float[twin.OutputSize];
            var z = new float[twin.OutputSize];
            baked(x, y);
            runtime.Forward(x, z);
            Assert.True(y.Select(BitConverter.SingleToInt32Bits).SequenceEqual(z.Select(BitConverter.SingleToInt32Bits)), $"{name}, sample {s}: baked [{string.Join(", ", y)}], run time [{string.Join(", ", z)}]");
        }

        if (name == "pinned.json")
        {
            Assert.Equal(0xb3acc64f5cbe7e56UL, PortableChecks.Int8Hash(runtime));
        }

        Assert.Throws<ArgumentException>(() => baked(new float[twin.InputSize + 1], new float[twin.OutputSize]));
    }

    internal static string PinnedWeights()
    {
        var net = new PinnedInt8Net();
        PortableChecks.PinnedInt8(net);
        var calibration = new float[64 * PinnedInt8Net.InputSize];
        for (int i = 0; i < calibration.Length; i++)
        {
            calibration[i] = PortableChecks.Value(i, 2);
        }

        return WeightsJson.Export(net, Calibration.Collect(net, calibration));
    }

    internal static string MixedWeights()
    {
        var net = new QuantizationMixedNet();
        net.InitializeParameters(5);
        var random = new Random(11);
        float[] calibration = Enumerable.Range(0, 300 * 12).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        return WeightsJson.Export(net, Calibration.Collect(net, calibration));
    }

    /// <summary>The ranges of PyTorch's LeNet-5 (TestData/onnx/lenet5_op13.onnx, imported as a trainable network) over
    /// 100 random images of pixels in [0, 1), on their own (<see cref="Calibration.ToJson"/>).</summary>
    internal static string LeNetCalibration()
    {
        var net = new Onnx.LeNet5Net();
        var random = new Random(29);
        float[] calibration = Enumerable.Range(0, 100 * Onnx.LeNet5Net.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        return Calibration.Collect(net, calibration).ToJson();
    }

    /// <summary>A convolutional network from seed 7, calibrated on 200 random inputs in [-1, 2).</summary>
    internal static string ConvolutionWeights(INeuralNetwork<float> net)
    {
        net.InitializeParameters(7);
        if (net is PReluNet)
        {
            Int8ConvolutionTests.DistinctSlopes(net);
        }

        var random = new Random(13);
        float[] calibration = Enumerable.Range(0, 200 * net.InputSize).Select(_ => (float)((random.NextDouble() * 3) - 1)).ToArray();
        return WeightsJson.Export(net, Calibration.Collect(net, calibration));
    }
}
