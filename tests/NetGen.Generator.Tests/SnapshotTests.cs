using System;
using System.Linq;
namespace NetGen.Generator.Tests;

/// <summary>The generated source of representative networks, pinned as files: a diff is a readability review.</summary>
public class SnapshotTests
{
    [Fact]
    public void Xor_2_4_1_TanhSigmoidBinaryCrossEntropy() => Check("XorNet", """
        using NetGen;
        namespace Samples;
        [Input(2)]
        [Dense(4, Activation.Tanh)]
        [Dense(1, Activation.Sigmoid)]
        [Loss(LossFunction.BinaryCrossEntropy)]
        public partial class XorNet;
        """, "Samples.XorNet.g.cs");

    [Fact]
    public void FourLayers_UsingEveryActivation() => Check("EveryActivationNet", """
        using NetGen;
        namespace Samples;
        [Input(5)]
        [Dense(7, Activation.Sigmoid)]
        [Dense(9, Activation.ReLU)]
        [Dense(6, Activation.LeakyReLU, Alpha = 0.1)]
        [Dense(8, Activation.ELU)]
        [Dense(17, Activation.Tanh)]
        [Dense(4, Activation.Identity)]
        [Dense(3, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        public partial class EveryActivationNet;
        """, "Samples.EveryActivationNet.g.cs");

    [Fact]
    public void Maxout_MixedWithDense() => Check("MaxoutNet", """
        using NetGen;
        namespace Samples;
        [Input(6)]
        [Maxout(5, 3)]
        [Dense(4, Activation.Tanh)]
        [Maxout(2, 2)]
        [Loss(LossFunction.MeanSquaredError)]
        public partial class MaxoutNet;
        """, "Samples.MaxoutNet.g.cs");

    [Fact]
    public void LayerNorm_OnTheInputInGroups_AndAfterADenseLayer() => Check("LayerNormNet", """
        using NetGen;
        namespace Samples;
        [Input(6)]
        [LayerNorm(NormalizedSize = 3)]
        [Dense(8)]
        [LayerNorm(Activation = Activation.ReLU, Epsilon = 1e-3)]
        [Dense(3, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        public partial class LayerNormNet;
        """, "Samples.LayerNormNet.g.cs");

    [Fact]
    public void Convolutions_Pools_AndPReLU() => Check("ConvNet", """
        using NetGen;
        namespace Samples;
        [Input(1, 12, 12)]
        [Conv2D(4, 3, Activation.PReLU, Padding = 1)]
        [MaxPool2D(2)]
        [Conv2D(6, 3, 2, Activation.ReLU, StrideWidth = 2, Groups = 2)]
        [GlobalAvgPool]
        [Dense(3, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        public partial class ConvNet;
        """, "Samples.ConvNet.g.cs");

    /// <summary>A ReLU convolution before a max pool: the inference passes pool first and apply the ReLU to the pooled
    /// values; Backward and BackwardBatch keep h1.</summary>
    [Fact]
    public void ReLUConvolution_BeforeMaxPool() => Check("PooledReLUNet", """
        using NetGen;
        namespace Samples;
        [Input(2, 8, 8)]
        [Conv2D(4, 3, Activation.ReLU, Padding = 1)]
        [MaxPool2D(2)]
        [Dense(3, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        public partial class PooledReLUNet;
        """, "Samples.PooledReLUNet.g.cs");

    [Fact]
    public void DoublePrecision_StructNestedInClass() => Check("DoubleNet", """
        using NetGen;
        namespace Samples;
        public static partial class Outer
        {
            [Network(Precision = Precision.Double)]
            [Input(3)]
            [Dense(10, Activation.ELU, Alpha = 0.5)]
            [Dense(2)]
            [Loss(LossFunction.MeanSquaredError)]
            public partial struct DoubleNet;
        }
        """, "Samples.Outer.DoubleNet.g.cs");

    [Fact]
    public void Mnist_784_128_10() => Check("MnistNet", """
        using NetGen;
        [Input(784)]
        [Dense(128, Activation.ReLU)]
        [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        public partial class MnistNet;
        """, "MnistNet.g.cs");

    /// <summary>Fused dense layers in every per-sample pass: a tanh layer without bias, and a ReLU output layer whose
    /// backward step reads h (the fused kernel does not store a).</summary>
    [Fact]
    public void FusedLayers_TanhWithoutBias_AndAReLUOutput() => Check("FusedNet", """
        using NetGen;
        namespace Samples;
        [Input(8)]
        [Dense(16, Activation.Tanh, Bias = false)]
        [Dense(32, Activation.ReLU)]
        [Loss(LossFunction.MeanSquaredError)]
        public partial class FusedNet;
        """, "Samples.FusedNet.g.cs");

    /// <summary>A fused tanh output layer under mean squared error: the output error is taken through tanh's derivative
    /// from h (<c>1 - h^2</c>), since the fused kernel does not store a; the hidden layer is a fused ReLU.</summary>
    [Fact]
    public void FusedLayers_TanhOutput() => Check("FusedTanhOutputNet", """
        using NetGen;
        namespace Samples;
        [Input(4)]
        [Dense(32, Activation.ReLU)]
        [Dense(16, Activation.Tanh)]
        [Loss(LossFunction.MeanSquaredError)]
        public partial class FusedTanhOutputNet;
        """, "Samples.FusedTanhOutputNet.g.cs");

    [Fact]
    public void UnrolledScalar_LinearRegression() => Check("UnrolledNet", """
        using NetGen;
        namespace Samples;
        [Network(Kernels = KernelStyle.UnrolledScalar)]
        [Input(3)]
        [Dense(2, Activation.Tanh)]
        [Dense(1)]
        [Loss(LossFunction.MeanSquaredError)]
        internal partial class UnrolledNet;
        """, "Samples.UnrolledNet.g.cs");

    [Fact]
    public void LayersWithoutBias_MixedWithOnesWithBias() => Check("NoBiasNet", """
        using NetGen;
        namespace Samples;
        [Input(5)]
        [Dense(6, Activation.Tanh, Bias = false)]
        [Dense(3, Activation.ReLU)]
        [Dense(1, Activation.Sigmoid, Bias = false)]
        [Loss(LossFunction.BinaryCrossEntropy)]
        public partial class NoBiasNet;
        """, "Samples.NoBiasNet.g.cs");

    [Fact]
    public void KeywordNamedTypeAndNamespace_AreEscaped_AndCompile()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            using NetGen;
            namespace @event.@record;
            public partial class @class
            {
                [Input(2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)]
                public partial struct @var;
            }
            """);
        Assert.Empty(result.NetGenDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.Contains("partial struct @var", result.GeneratedSource("_event.record._class.var.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void Baked_Xor_FromAWeightsFile() => Check("XorBaked", """
        using NetGen;
        namespace Samples;
        [Input(2)]
        [Dense(4, Activation.Tanh)]
        [Dense(1, Activation.Sigmoid)]
        [Weights("xor.json")]
        public static partial class XorBaked;
        """, "Samples.XorBaked.g.cs", new GeneratorHarness.InMemoryText("/samples/xor.json", """
        {
          "format": "netgen-weights", "version": 1, "input": 2, "loss": "BinaryCrossEntropy",
          "layers": [
            { "type": "dense", "in": 2, "out": 4, "activation": "Tanh",
              "weight": [[2.5, -2.25], [-1.75, 1.5], [3.0625, 3.125], [-0.5, -0.75]], "bias": [0.125, -0.25, -1.5, 0.0625] },
            { "type": "dense", "in": 4, "out": 1, "activation": "Sigmoid",
              "weight": [[4.5, 4.25, -5.125, 0.375]], "bias": [-2.5] }
          ]
        }
        """));

    /// <summary>Issue 16: a network baked in int8, one layer requantised in integers (ReLU), one through float (Tanh),
    /// and a softmax output; the calibration section gives each layer's input range.</summary>
    [Fact]
    public void Baked_Int8_FromAWeightsFileWithCalibration() => Check("Int8Baked", """
        using NetGen;
        namespace Samples;
        [Network(Inference = Inference.Int8)]
        [Input(3)]
        [Dense(4, Activation.ReLU)]
        [Dense(3, Activation.Tanh)]
        [Dense(2, Activation.Softmax)]
        [Weights("int8.json")]
        public static partial class Int8Baked;
        """, "Samples.Int8Baked.g.cs", new GeneratorHarness.InMemoryText("/samples/int8.json", """
        {
          "format": "netgen-weights", "version": 1, "input": 3, "loss": "CrossEntropy",
          "layers": [
            { "type": "dense", "in": 3, "out": 4, "activation": "ReLU",
              "weight": [[0.5, -1.25, 2.0], [0.75, 0.25, -0.5], [-1.5, 1.0, 0.125], [2.5, -0.75, 1.75]], "bias": [0.1, -0.2, 0.0, 0.3] },
            { "type": "dense", "in": 4, "out": 3, "activation": "Tanh",
              "weight": [[1.5, -2.0, 0.25, 1.0], [-0.5, 0.5, 1.25, -1.0], [0.75, 0.0, -0.25, 2.0]], "bias": [-0.5, 0.25, 0.0] },
            { "type": "dense", "in": 3, "out": 2, "activation": "Softmax",
              "weight": [[2.0, -1.0, 0.5], [-1.5, 1.0, 1.0]], "bias": [0.0, 0.1] }
          ],
          "calibration": [[-1, 1], [0, 4.5], [-1, 1]]
        }
        """));

    /// <summary>Issue 16 for convolutions: a 1-D convolution requantised in integers (ReLU), a max pool of codes, a
    /// grouped convolution through float (Tanh), a global average pool of codes and a softmax output. The geometry lives in
    /// the kernel class, as for float networks.</summary>
    [Fact]
    public void Baked_Int8_Convolutions() => Check("Int8BakedConvolutions", """
        using NetGen;
        namespace Samples;
        [Network(Inference = Inference.Int8)]
        [Input(2, 8)]
        [Conv1D(4, 3, Activation.ReLU, Padding = 1)]
        [MaxPool1D(2)]
        [Conv1D(4, 2, Activation.Tanh, Groups = 2)]
        [GlobalAvgPool]
        [Dense(2, Activation.Softmax)]
        [Weights("int8-conv.json")]
        public static partial class Int8BakedConvolutions;
        """, "Samples.Int8BakedConvolutions.g.cs", new GeneratorHarness.InMemoryText("/samples/int8-conv.json", """
        {
          "format": "netgen-weights", "version": 1, "input": [2, 8], "loss": "CrossEntropy",
          "layers": [
            {"type": "conv1d", "in": 2, "out": 4, "kernel": [3], "stride": [1], "padding": [1], "dilation": [1], "groups": 1, "activation": "ReLU",
             "weight": [[[0.5, -1, 0.25], [1, 0.5, -0.5]], [[-0.75, 0.5, 1], [0.25, -0.25, 0.5]], [[1.5, 0, -1], [0.5, 0.5, 0.5]], [[-0.5, -0.5, 1], [1, -1, 0.25]]],
             "bias": [0.1, -0.1, 0, 0.2]},
            {"type": "maxpool1d", "kernel": [2], "stride": [2], "padding": [0]},
            {"type": "conv1d", "in": 4, "out": 4, "kernel": [2], "stride": [1], "padding": [0], "dilation": [1], "groups": 2, "activation": "Tanh",
             "weight": [[[0.5, -0.5], [1, 0.25]], [[-1, 0.5], [0.75, 0.5]], [[0.25, 0.25], [-0.5, 1]], [[1, -1], [0.5, -0.25]]],
             "bias": [0, 0.1, -0.1, 0.05]},
            {"type": "globalavgpool", "kernel": [3], "stride": [1], "padding": [0]},
            {"type": "dense", "in": 4, "out": 2, "activation": "Softmax", "weight": [[1, -0.5, 0.25, 0.5], [-1, 0.5, 0.75, -0.25]], "bias": [0, 0.1]}
          ],
          "calibration": [[-1, 1], [0, 3], [0, 3], [-1, 1], [-1, 1]]
        }
        """));

    /// <summary>Every generated file of the network is pinned: the type's file as <c>Name.verified.cs</c>, its kernels and
    /// batched passes as <c>Name.Kernels.verified.cs</c> and <c>Name.Batch.verified.cs</c>. No line of any of them may
    /// be longer than 140 characters.</summary>
    private static void Check(string name, string source, string hintName, params Microsoft.CodeAnalysis.AdditionalText[] additionalTexts)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(new[] { source }, additionalTexts);
        Assert.Empty(result.NetGenDiagnostics);
        string stem = hintName[..^".g.cs".Length];
        var files = result.Run.Results.Single().GeneratedSources.Select(s => s.HintName).OrderBy(h => h, StringComparer.Ordinal).ToArray();
        Assert.Contains(hintName, files);
        var mismatches = new System.Collections.Generic.List<string>();
        foreach (string file in files)
        {
            string part = file[stem.Length..^".g.cs".Length]; // "", ".Kernels" or ".Batch"
            try
            {
                Snapshot.Verify(name + part, result.GeneratedSource(file)); // every file is written before any assertion fails
            }
            catch (Xunit.Sdk.XunitException e)
            {
                mismatches.Add(e.Message);
            }
        }

        Assert.Empty(result.CompilationDiagnostics);
        Assert.Empty(mismatches);
        foreach (string file in files)
        {
            AssertLinesFit(file, result.GeneratedSource(file));
        }
    }

    private static void AssertLinesFit(string file, string text)
    {
        string[] lines = text.Split('\n');
        int index = Array.FindIndex(lines, line => line.Length > 140);
        Assert.True(index < 0, index < 0 ? string.Empty : $"{file}:{index + 1} has {lines[index].Length} characters (at most 140): {lines[index]}");
    }
}
