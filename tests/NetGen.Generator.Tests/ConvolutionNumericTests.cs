using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit.Abstractions;

namespace NetGen.Generator.Tests;

/// <summary>Compiles every convolutional network of <see cref="Catalog"/> once, in double and in float precision.</summary>
public sealed class ConvolutionNetworksFixture
{
    public ConvolutionNetworksFixture()
    {
        Topologies = Catalog();
        string source = "using NetGen;\n" + string.Join("\n", Topologies.Select(t => t.ToSource(true, "D") + t.ToSource(false, "F")));
        Assembly = GeneratorHarness.CompileAndLoad(source);
    }

    public IReadOnlyList<ConvTopology> Topologies { get; }

    public Assembly Assembly { get; }

    public const int Count = 30;

    /// <summary>Pinned networks that cover each setting on purpose (LeNet-like, depthwise-separable, causal and dilated
    /// 1-D, per-axis strides and dilations, ceil mode, padding left out of the divisor, a first-layer pool, a network
    /// ending in a convolution), then random ones: 1-D or 2-D, one to three convolutions and pools with random kernels,
    /// strides, dilations, paddings (explicit, same, causal) and groups, then a dense head or none.</summary>
    private static List<ConvTopology> Catalog()
    {
        var list = new List<ConvTopology>
        {
            new("LeNetLike", 2, 1, 12, 12, new ConvLayer[]
            {
                new("Conv", Filters: 3, KernelHeight: 3, KernelWidth: 3, PadHeight: 1, PadWidth: 1, Activation: Activation.ReLU),
                new("MaxPool", KernelHeight: 2, KernelWidth: 2, StrideHeight: 2, StrideWidth: 2),
                new("Conv", Filters: 4, KernelHeight: 3, KernelWidth: 3, Activation: Activation.Tanh),
                new("AvgPool", KernelHeight: 2, KernelWidth: 2, StrideHeight: 2, StrideWidth: 2),
                new("Dense", Units: 5, Activation: Activation.Softmax),
            }, LossFunction.CrossEntropy),
            new("DepthwiseSeparable", 2, 4, 7, 9, new ConvLayer[]
            {
                new("Conv", Filters: 4, KernelHeight: 3, KernelWidth: 3, PadHeight: 1, PadWidth: 1, Groups: 4, Activation: Activation.ReLU),
                new("Conv", Filters: 6, Activation: Activation.LeakyReLU, Alpha: 0.1),
                new("Global"),
                new("Dense", Units: 3, Activation: Activation.Sigmoid),
            }, LossFunction.BinaryCrossEntropy),
            new("KeywordLike", 1, 3, 1, 20, new ConvLayer[]
            {
                new("Conv", Filters: 5, KernelWidth: 3, DilationWidth: 2, Mode: "Causal", Activation: Activation.ELU),
                new("MaxPool", KernelWidth: 2, StrideWidth: 2),
                new("Conv", Filters: 4, KernelWidth: 3, StrideWidth: 2, Mode: "Same", Activation: Activation.Tanh),
                new("AvgPool", KernelWidth: 3, StrideWidth: 2, PadWidth: 1, CountIncludePad: false),
                new("Dense", Units: 2),
            }, LossFunction.MeanSquaredError),
            new("PerAxis", 2, 2, 9, 11, new ConvLayer[]
            {
                new("Conv", Filters: 3, KernelHeight: 2, KernelWidth: 3, StrideHeight: 1, StrideWidth: 2, DilationHeight: 2, PadWidth: 1, Activation: Activation.Sigmoid),
                new("MaxPool", KernelHeight: 2, KernelWidth: 2, StrideHeight: 1, StrideWidth: 1, PadHeight: 1, PadWidth: 1),
                new("Conv", Filters: 2, KernelHeight: 3, KernelWidth: 3, StrideHeight: 2, StrideWidth: 2, Mode: "Same"),
            }, LossFunction.MeanSquaredError),
            new("CeilModeFirstPool", 2, 2, 7, 7, new ConvLayer[]
            {
                new("MaxPool", KernelHeight: 2, KernelWidth: 2, StrideHeight: 2, StrideWidth: 2, CeilMode: true),
                new("AvgPool", KernelHeight: 3, KernelWidth: 3, StrideHeight: 2, StrideWidth: 2, PadHeight: 1, PadWidth: 1, CeilMode: true),
                new("Conv", Filters: 2, Activation: Activation.Tanh),
            }, LossFunction.MeanSquaredError),
            new("GroupedNoBias", 2, 4, 6, 6, new ConvLayer[]
            {
                new("Conv", Filters: 6, KernelHeight: 3, KernelWidth: 3, PadHeight: 1, PadWidth: 1, Groups: 2, Bias: false, Activation: Activation.ReLU),
                new("Dense", Units: 3, Activation: Activation.Softmax, Bias: false),
            }, LossFunction.CrossEntropy),
            new("PReLUConvAndDense", 2, 2, 8, 8, new ConvLayer[]
            {
                new("Conv", Filters: 4, KernelHeight: 3, KernelWidth: 3, Activation: Activation.PReLU),
                new("MaxPool", KernelHeight: 2, KernelWidth: 2, StrideHeight: 2, StrideWidth: 2),
                new("Dense", Units: 5, Activation: Activation.PReLU, Alpha: -0.4),
                new("Dense", Units: 2),
            }, LossFunction.MeanSquaredError),
        };

        var random = new Random(20261203);
        while (list.Count < Count)
        {
            if (RandomTopology(random, $"RandomConv{list.Count}") is { } topology)
            {
                list.Add(topology);
            }
        }

        return list;
    }

    private static ConvTopology? RandomTopology(Random random, string name)
    {
        int dimensions = random.Next(3) == 0 ? 1 : 2;
        int channels = random.Next(1, 5), height = dimensions == 2 ? random.Next(4, 11) : 1, width = random.Next(5, 16);
        var layers = new List<ConvLayer>();
        var activations = new[] { Activation.Identity, Activation.Sigmoid, Activation.Tanh, Activation.ReLU, Activation.LeakyReLU, Activation.ELU, Activation.PReLU };
        int spatial = random.Next(1, 4);
        int c = channels;
        for (int i = 0; i < spatial; i++)
        {
            if (random.Next(3) > 0)
            {
                int filters = random.Next(1, 6);
                int[] divisors = Enumerable.Range(1, Math.Min(c, filters)).Where(g => c % g == 0 && filters % g == 0).ToArray();
                int kh = dimensions == 2 ? random.Next(1, 4) : 1, kw = random.Next(1, 4);
                string mode = random.Next(4) switch { 0 => "Same", 1 when dimensions == 1 => "Causal", _ => "Explicit" };
                Activation activation = activations[random.Next(activations.Length)];
                layers.Add(new ConvLayer(
                    "Conv",
                    Filters: filters,
                    KernelHeight: kh,
                    KernelWidth: kw,
                    StrideHeight: dimensions == 2 ? random.Next(1, 3) : 1,
                    StrideWidth: random.Next(1, 3),
                    PadHeight: dimensions == 2 ? random.Next(0, 3) : 0,
                    PadWidth: random.Next(0, 3),
                    DilationHeight: dimensions == 2 ? random.Next(1, 3) : 1,
                    DilationWidth: random.Next(1, 3),
                    Groups: divisors[random.Next(divisors.Length)],
                    Mode: mode,
                    Bias: random.Next(4) > 0,
                    Activation: activation,
                    Alpha: activation is Activation.LeakyReLU or Activation.ELU or Activation.PReLU && random.Next(2) == 0 ? 0.05 + random.NextDouble() : null));
                c = filters;
            }
            else
            {
                int k = random.Next(2, 4), stride = random.Next(1, k + 1), pad = random.Next(0, (k / 2) + 1);
                bool max = random.Next(2) == 0;
                layers.Add(new ConvLayer(
                    max ? "MaxPool" : "AvgPool",
                    KernelHeight: dimensions == 2 ? k : 1,
                    KernelWidth: k,
                    StrideHeight: dimensions == 2 ? stride : 1,
                    StrideWidth: stride,
                    PadHeight: dimensions == 2 ? pad : 0,
                    PadWidth: pad,
                    CeilMode: random.Next(3) == 0,
                    CountIncludePad: random.Next(2) == 0));
            }
        }

        if (random.Next(4) == 0)
        {
            layers.Add(new ConvLayer("Global"));
        }

        LossFunction loss = LossFunction.MeanSquaredError;
        switch (random.Next(4))
        {
            case 0:
                break; // ends with the spatial layers: MSE on C x H x W
            case 1:
                layers.Add(new ConvLayer("Dense", Units: random.Next(2, 5), Activation: Activation.Softmax));
                loss = LossFunction.CrossEntropy;
                break;
            case 2:
                layers.Add(new ConvLayer("Dense", Units: random.Next(1, 4), Activation: Activation.Sigmoid));
                loss = LossFunction.BinaryCrossEntropy;
                break;
            default:
                layers.Add(new ConvLayer("Dense", Units: random.Next(1, 6), Activation: activations[random.Next(activations.Length)]));
                break;
        }

        var topology = new ConvTopology(name, dimensions, channels, height, width, layers, loss);
        List<(int C, int H, int W)> shapes = topology.Shapes();
        bool fits = shapes.All(s => s.C >= 1 && s.H >= 1 && s.W >= 1) && shapes.Max(s => s.C * s.H * s.W) <= 2000;
        return fits && topology.ParameterCount <= 1500 ? topology : null;
    }
}

/// <summary>Convolutions and pools against the naive reference, finite differences and themselves: forward in double to
/// 1e-12, every gradient against a fourth-order central difference to 1e-6, float against double to 1e-4, the batched
/// passes against the per-sample ones, and the fused SGD step against Backward and Sgd, bit for bit.</summary>
public class ConvolutionNumericTests : IClassFixture<ConvolutionNetworksFixture>
{
    private const double Epsilon = 1e-5;

    private readonly ConvolutionNetworksFixture _fixture;
    private readonly ITestOutputHelper _output;

    public ConvolutionNumericTests(ConvolutionNetworksFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    public static IEnumerable<object[]> Indices() => Enumerable.Range(0, ConvolutionNetworksFixture.Count).Select(i => new object[] { i });

    [Fact]
    public void Catalog_CoversEverySetting()
    {
        var layers = _fixture.Topologies.SelectMany(t => t.Layers.Select(l => (t.Dimensions, Layer: l))).ToList();
        foreach (int d in new[] { 1, 2 })
        {
            foreach (string kind in new[] { "Conv", "MaxPool", "AvgPool", "Global" })
            {
                Assert.Contains(layers, l => l.Dimensions == d && l.Layer.Kind == kind);
            }
        }

        Assert.Contains(layers, l => l.Layer.Kind == "Conv" && l.Layer.Groups > 1);
        Assert.Contains(layers, l => l.Layer.Kind == "Conv" && l.Layer.StrideWidth > 1);
        Assert.Contains(layers, l => l.Layer.Kind == "Conv" && l.Layer.DilationWidth > 1);
        Assert.Contains(layers, l => l.Layer.Kind == "Conv" && l.Layer.Mode == "Same" && l.Layer.StrideWidth > 1);
        Assert.Contains(layers, l => l.Layer.Kind == "Conv" && l.Layer.Mode == "Causal");
        Assert.Contains(layers, l => l.Layer.Kind == "Conv" && !l.Layer.Bias);
        Assert.Contains(layers, l => l.Layer.Kind == "AvgPool" && !l.Layer.CountIncludePad && l.Layer.PadWidth > 0);
        Assert.Contains(layers, l => l.Layer.Kind == "MaxPool" && l.Layer.CeilMode);
        Assert.Contains(layers, l => l.Layer.Kind == "Conv" && l.Layer.Activation == Activation.PReLU);
        Assert.Contains(layers, l => l.Layer.Kind == "Dense" && l.Layer.Activation == Activation.PReLU);
        Assert.Contains(_fixture.Topologies, t => t.Layers[^1].Kind != "Dense");
        Assert.Contains(_fixture.Topologies, t => t.Layers[0].Kind is "MaxPool" or "AvgPool");
        Assert.Equal(ConvolutionNetworksFixture.Count, _fixture.Topologies.Count);
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void Forward_MatchesTheNaiveReference_AndGradientsMatchFiniteDifferences(int index)
    {
        ConvTopology topology = _fixture.Topologies[index];
        _output.WriteLine(topology.ToString());
        var net = New<double>(topology, "D");
        var netF = New<float>(topology, "F");
        Assert.Equal(topology.ParameterCount, net.ParameterCount);
        Assert.Equal(topology.InputSize, net.InputSize);
        Assert.Equal(topology.OutputSize, net.OutputSize);

        var random = new Random(index + 1);
        double[] p = RandomParameters(net.ParameterCount, random);
        p.CopyTo(net.Parameters);
        double[] x = SampleAwayFromKinks(topology, p, random);
        double[] d = Target(topology, random);

        var y = new double[net.OutputSize];
        net.Forward(x, y);
        double[] expected = ConvolutionReference.Forward(topology, p, x).H[^1];
        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"output {i}: {y[i]:R}, reference {expected[i]:R}");
        }

        double referenceLoss = ConvolutionReference.Loss(topology, p, x, d);
        Assert.True(Math.Abs(net.ComputeLoss(x, d) - referenceLoss) <= 1e-10 * Math.Max(1, Math.Abs(referenceLoss)));

        net.ZeroGradients();
        net.Backward(x, d);
        double[] gradient = net.Gradients.ToArray();
        double floor = 1e-4 * Math.Max(1, Math.Abs(referenceLoss));
        double worst = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double saved = p[i];
            double Loss(double step)
            {
                p[i] = saved + step;
                return ConvolutionReference.Loss(topology, p, x, d);
            }

            double fd = (Loss(-2 * Epsilon) - (8 * Loss(-Epsilon)) + (8 * Loss(Epsilon)) - Loss(2 * Epsilon)) / (12 * Epsilon);
            p[i] = saved;
            double error = Math.Abs(gradient[i] - fd) / Math.Max(Math.Max(Math.Abs(gradient[i]), Math.Abs(fd)), floor);
            worst = Math.Max(worst, error);
            Assert.True(error < 1e-6, $"parameter {i}: backward {gradient[i]:R}, finite difference {fd:R}, relative error {error:E2}");
        }

        // Float: the same parameters and sample, to 1e-4 of the output and of the largest gradient.
        for (int i = 0; i < p.Length; i++)
        {
            netF.Parameters[i] = (float)p[i];
        }

        float[] xf = x.Select(v => (float)v).ToArray(), df = d.Select(v => (float)v).ToArray();
        var yf = new float[netF.OutputSize];
        netF.Forward(xf, yf);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(Math.Abs(yf[i] - y[i]) <= 1e-4 * Math.Max(1, Math.Abs(y[i])), $"float output {i}: {yf[i]:R}, double {y[i]:R}");
        }

        netF.ZeroGradients();
        netF.Backward(xf, df);
        double scale = Math.Max(gradient.Length == 0 ? 0 : gradient.Max(Math.Abs), 1e-3);
        for (int i = 0; i < gradient.Length; i++)
        {
            Assert.True(Math.Abs(netF.Gradients[i] - gradient[i]) <= 1e-4 * scale, $"float gradient {i}: {netF.Gradients[i]:R}, double {gradient[i]:R}");
        }

        _output.WriteLine($"{p.Length} parameters; worst gradient error against finite differences {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void BatchedPasses_MatchThePerSamplePasses(int index)
    {
        ConvTopology topology = _fixture.Topologies[index];
        var net = New<double>(topology, "D");
        var random = new Random(1000 + index);
        double[] p = RandomParameters(net.ParameterCount, random);
        p.CopyTo(net.Parameters);
        foreach (int count in new[] { 1, 5, 37 })
        {
            double[] x = Enumerable.Range(0, count * topology.InputSize).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
            double[] d = Enumerable.Range(0, count).SelectMany(_ => Target(topology, random)).ToArray();
            int n = net.InputSize, m = net.OutputSize;
            var expected = new double[count * m];
            double expectedLoss = 0;
            net.ZeroGradients();
            for (int s = 0; s < count; s++)
            {
                net.Forward(x.AsSpan(s * n, n), expected.AsSpan(s * m, m));
                expectedLoss += net.Backward(x.AsSpan(s * n, n), d.AsSpan(s * m, m));
            }

            double[] expectedGradient = net.Gradients.ToArray();
            var actual = new double[count * m];
            net.ForwardBatch(x, actual);
            net.ZeroGradients();
            double loss = net.BackwardBatch(x, d);
            for (int i = 0; i < actual.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"{count} samples, output {i}");
            }

            double scale = Math.Max(expectedGradient.Length == 0 ? 0 : expectedGradient.Max(Math.Abs), 1e-3);
            for (int i = 0; i < expectedGradient.Length; i++)
            {
                Assert.True(Math.Abs(net.Gradients[i] - expectedGradient[i]) <= 1e-12 * scale, $"{count} samples, gradient {i}: {net.Gradients[i]:R} against {expectedGradient[i]:R}");
            }

            Assert.True(Math.Abs(loss - expectedLoss) <= 1e-12 * Math.Max(1, Math.Abs(expectedLoss)));
        }
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void SgdStep_EqualsBackwardPlusSgd(int index)
    {
        ConvTopology topology = _fixture.Topologies[index];
        var random = new Random(2000 + index);
        var probe = New<double>(topology, "D");
        double[] p = RandomParameters(probe.ParameterCount, random);
        var samples = Enumerable.Range(0, 3)
            .Select(_ => (X: Enumerable.Range(0, topology.InputSize).Select(_ => (random.NextDouble() * 2) - 1).ToArray(), D: Target(topology, random)))
            .ToArray();
        CompareSgd<double>(topology, "D", p, samples, 0.05);
        CompareSgd<float>(topology, "F", p, samples, 0.05f);
    }

    private void CompareSgd<T>(ConvTopology topology, string suffix, double[] p, (double[] X, double[] D)[] samples, T learningRate)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var fused = New<T>(topology, suffix);
        var unfused = New<T>(topology, suffix);
        for (int i = 0; i < p.Length; i++)
        {
            fused.Parameters[i] = unfused.Parameters[i] = T.CreateChecked(p[i]);
        }

        var sgd = new NetGen.Training.Sgd<T>(double.CreateChecked(learningRate));
        foreach ((double[] X, double[] D) sample in samples)
        {
            T[] x = sample.X.Select(T.CreateChecked).ToArray(), d = sample.D.Select(T.CreateChecked).ToArray();
            unfused.ZeroGradients();
            T expectedLoss = unfused.Backward(x, d);
            sgd.Step(unfused.Parameters, unfused.Gradients, 1);
            Assert.Equal(expectedLoss, fused.SgdStep(x, d, learningRate));
            for (int i = 0; i < p.Length; i++)
            {
                Assert.True(fused.Parameters[i] == unfused.Parameters[i], $"{topology.Name}{suffix}, parameter {i}: SgdStep {fused.Parameters[i]:R}, Backward + Sgd {unfused.Parameters[i]:R}");
            }
        }
    }

    private INeuralNetwork<T> New<T>(ConvTopology topology, string suffix)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        (INeuralNetwork<T>)Activator.CreateInstance(_fixture.Assembly.GetType(topology.Name + suffix)!)!;

    private static double[] RandomParameters(int count, Random random) =>
        Enumerable.Range(0, count).Select(_ => (random.NextDouble() - 0.5) * 1.2).ToArray();

    private static double[] SampleAwayFromKinks(ConvTopology topology, double[] p, Random random)
    {
        for (int attempt = 0; attempt < 2000; attempt++)
        {
            double[] x = Enumerable.Range(0, topology.InputSize).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
            if (ConvolutionReference.Forward(topology, p, x).Margin > 1e-4)
            {
                return x;
            }
        }

        throw new InvalidOperationException("No input away from the kinks and the pooling ties was found.");
    }

    private static double[] Target(ConvTopology topology, Random random)
    {
        int n = topology.OutputSize;
        switch (topology.Loss)
        {
            case LossFunction.CrossEntropy:
                double[] w = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
                double sum = w.Sum();
                return w.Select(v => v / sum).ToArray();
            case LossFunction.BinaryCrossEntropy:
                return Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
            default:
                return Enumerable.Range(0, n).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
        }
    }
}
