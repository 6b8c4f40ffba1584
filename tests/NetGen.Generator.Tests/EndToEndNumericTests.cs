using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit.Abstractions;

namespace NetGen.Generator.Tests;

/// <summary>Compiles every network of <see cref="Catalog"/> once, in double and in float precision.</summary>
public sealed class RandomNetworksFixture
{
    public RandomNetworksFixture()
    {
        Topologies = Catalog();
        string source = "using NetGen;\n" + string.Join("\n", Topologies.Select(t => t.ToSource(true, "D") + t.ToSource(false, "F")))
            + "\n" + SgdStepShapes.Source; // compiled once with the catalog: a second compilation costs most of a minute

        Assembly = GeneratorHarness.CompileAndLoad(source);
    }

    public IReadOnlyList<Topology> Topologies { get; }

    public Assembly Assembly { get; }

    /// <summary>Every activation (maxout included) crossed with every loss it can meet, then random mixtures: depth 1 to 4,
    /// widths 1 to 70, most of them not a multiple of any vector width.</summary>
    private static List<Topology> Catalog()
    {
        var random = new Random(20261129);
        var kinds = new[] { Activation.Identity, Activation.Sigmoid, Activation.Tanh, Activation.ReLU, Activation.LeakyReLU, Activation.ELU, Activation.Softmax };
        var topologies = new List<Topology>();
        int Width() => random.Next(1, 71);

        LayerDescription Hidden(Activation? kind, bool maxout)
        {
            if (maxout)
            {
                return new LayerDescription(true, Width(), random.Next(2, 4), Activation.Identity, null);
            }

            Activation activation = kind ?? kinds[random.Next(6)];
            double? alpha = activation switch
            {
                Activation.LeakyReLU => random.Next(2) == 0 ? null : 0.05 + (0.5 * random.NextDouble()),
                Activation.ELU => random.Next(2) == 0 ? null : 0.2 + (2 * random.NextDouble()),
                _ => null,
            };
            return new LayerDescription(false, Width(), 1, activation, alpha);
        }

        int index = 0;
        foreach (string kind in kinds.Select(k => k.ToString()).Append("Maxout"))
        {
            foreach (LossFunction loss in Enum.GetValues<LossFunction>())
            {
                bool maxout = kind == "Maxout";
                Activation? activation = maxout ? null : Enum.Parse<Activation>(kind);
                var layers = new List<LayerDescription>();
                if (activation == Activation.Softmax)
                {
                    if (loss == LossFunction.BinaryCrossEntropy)
                    {
                        continue; // softmax exists on the output only, and binary cross-entropy needs a sigmoid there
                    }

                    for (int h = random.Next(0, 4); h > 0; h--)
                    {
                        layers.Add(Hidden(null, random.Next(5) == 0));
                    }

                    layers.Add(new LayerDescription(false, random.Next(2, 13), 1, Activation.Softmax, null));
                }
                else
                {
                    int hidden = loss == LossFunction.MeanSquaredError ? random.Next(0, 4) : random.Next(1, 4);
                    for (int h = 0; h < hidden; h++)
                    {
                        layers.Add(Hidden(activation, maxout));
                    }

                    layers.Add(loss switch
                    {
                        LossFunction.CrossEntropy => new LayerDescription(false, random.Next(2, 13), 1, Activation.Softmax, null),
                        LossFunction.BinaryCrossEntropy => new LayerDescription(false, random.Next(1, 7), 1, Activation.Sigmoid, null),
                        _ => Hidden(activation, maxout) with { Units = random.Next(1, 20) },
                    });
                }

                topologies.Add(new Topology($"Net{index++}_{kind}_{loss}", random.Next(1, 71), layers, loss));
            }
        }

        for (int extra = 0; extra < 8; extra++)
        {
            var layers = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Hidden(null, random.Next(4) == 0)).ToList();
            layers.Add(Hidden(null, false) with { Units = random.Next(1, 20) });
            topologies.Add(new Topology($"Net{index++}_Mixed", random.Next(1, 71), layers, LossFunction.MeanSquaredError));
        }

        // Layers without bias ([Dense(..., Bias = false)]), hidden and output, under every loss.
        foreach (LossFunction loss in Enum.GetValues<LossFunction>())
        {
            var layers = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Hidden(null, random.Next(4) == 0)).ToList();
            for (int k = 0; k < layers.Count; k++)
            {
                layers[k] = layers[k].IsMaxout ? layers[k] : layers[k] with { Bias = k != 0 && random.Next(2) == 0 }; // the first without; maxout always has biases
            }

            layers.Add(loss switch
            {
                LossFunction.CrossEntropy => new LayerDescription(false, random.Next(2, 13), 1, Activation.Softmax, null, Bias: false),
                LossFunction.BinaryCrossEntropy => new LayerDescription(false, random.Next(1, 7), 1, Activation.Sigmoid, null, Bias: false),
                _ => Hidden(null, false) with { Units = random.Next(1, 20), Bias = false },
            });
            topologies.Add(new Topology($"Net{index++}_NoBias_{loss}", random.Next(1, 71), layers, loss));
        }

        // Layer normalisations ([LayerNorm]): after a dense layer and first, with each kind of activation after them, as
        // hidden and as output layers, under every loss, with a non-default epsilon, and wide.
        int Wide() => random.Next(2, 71);
        int w1 = Wide(), w2 = Wide(), w3 = Wide(), w4 = random.Next(2, 13), w5 = Wide(), w6 = Wide(), w7 = Wide(), w8 = random.Next(2, 7);
        var normalised = new (string Name, int Input, LayerDescription[] Layers, LossFunction Loss)[]
        {
            ("Tanh_MSE", Wide(), new[] { new LayerDescription(false, w1, 1, Activation.Identity, null), LayerDescription.LayerNorm(w1, Activation.Tanh), new LayerDescription(false, random.Next(1, 20), 1, Activation.Identity, null) }, LossFunction.MeanSquaredError),
            ("First_CE", w2, new[] { LayerDescription.LayerNorm(w2), new LayerDescription(false, w3, 1, Activation.ReLU, null), new LayerDescription(false, random.Next(2, 13), 1, Activation.Softmax, null) }, LossFunction.CrossEntropy),
            ("SigmoidOutput_BCE", Wide(), new[] { new LayerDescription(false, w8, 1, Activation.Tanh, null), LayerDescription.LayerNorm(w8, Activation.Sigmoid) }, LossFunction.BinaryCrossEntropy),
            ("SoftmaxOutput_CE", Wide(), new[] { new LayerDescription(false, w4, 1, Activation.Identity, null), LayerDescription.LayerNorm(w4, Activation.Softmax) }, LossFunction.CrossEntropy),
            ("Mixed_MSE", Wide(), new[] { new LayerDescription(false, w5, 1, Activation.Identity, null, Bias: false), LayerDescription.LayerNorm(w5, Activation.LeakyReLU, 0.1, epsilon: 1e-3), new LayerDescription(false, w6, 1, Activation.ELU, null), LayerDescription.LayerNorm(w6) }, LossFunction.MeanSquaredError),
            ("Grouped_First_MSE", 20, new[] { LayerDescription.LayerNorm(20, Activation.Tanh, normalizedSize: 5), new LayerDescription(false, random.Next(1, 20), 1, Activation.Identity, null) }, LossFunction.MeanSquaredError),
            ("Grouped_CE", Wide(), new[] { new LayerDescription(false, 12, 1, Activation.Identity, null), LayerDescription.LayerNorm(12, Activation.ReLU, normalizedSize: 4), new LayerDescription(false, random.Next(2, 13), 1, Activation.Softmax, null) }, LossFunction.CrossEntropy),
            ("Wide_MSE", w7, new[] { LayerDescription.LayerNorm(w7, Activation.ELU), new LayerDescription(false, random.Next(1, 20), 1, Activation.Identity, null) }, LossFunction.MeanSquaredError),
        };
        foreach (var (name, input, layers, loss) in normalised)
        {
            topologies.Add(new Topology($"Net{index++}_LayerNorm_{name}", input, layers, loss));
        }

        // PReLU ([Dense(n, Activation.PReLU)]): hidden and output, with the default and a given starting slope, after a
        // layer normalisation, under every loss. Last, so the topologies before keep their random draws.
        int w9 = Wide();
        var prelu = new (string Name, int Input, LayerDescription[] Layers, LossFunction Loss)[]
        {
            ("Hidden_CE", Wide(), new[] { new LayerDescription(false, Wide(), 1, Activation.PReLU, null), new LayerDescription(false, random.Next(2, 13), 1, Activation.Softmax, null) }, LossFunction.CrossEntropy),
            ("Output_MSE", Wide(), new[] { new LayerDescription(false, Wide(), 1, Activation.PReLU, -0.3, Bias: false), new LayerDescription(false, random.Next(1, 20), 1, Activation.PReLU, 1.5) }, LossFunction.MeanSquaredError),
            ("LayerNorm_BCE", w9, new[] { LayerDescription.LayerNorm(w9, Activation.PReLU), new LayerDescription(false, random.Next(1, 7), 1, Activation.Sigmoid, null) }, LossFunction.BinaryCrossEntropy),
        };
        foreach (var (name, input, layers, loss) in prelu)
        {
            topologies.Add(new Topology($"Net{index++}_PReLU_{name}", input, layers, loss));
        }

        return topologies;
    }
}

/// <summary>Generated code against an independent naive reference, finite differences, and its own float version.</summary>
public class EndToEndNumericTests : IClassFixture<RandomNetworksFixture>
{
    private const double ForwardTolerance = 1e-12;
    private const double GradientTolerance = 1e-6;
    /// <summary>Below this fraction of max(1, |L|) a gradient is compared absolutely: the stencil's round-off is about
    /// 1.5 eps_machine |L| / h = 3e-11 |L|, so it stays 300 times below the tolerance there.</summary>
    private const double GradientFloor = 1e-4;
    private const double FloatTolerance = 1e-4;
    /// <summary>Step h of the fourth-order central difference (docs/maths.md#checking-gradients: the sheet suggests the
    /// second-order one with h = 1e-6; its round-off, 2e-10 |L|, is too large for a 1e-6 relative check on gradients of
    /// 1e-4).</summary>
    private const double Epsilon = 1e-5;
    private const int MaxCheckedParameters = 1500;

    private readonly RandomNetworksFixture _fixture;
    private readonly ITestOutputHelper _output;

    public EndToEndNumericTests(RandomNetworksFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    public static IEnumerable<object[]> Indices() => Enumerable.Range(0, 45).Select(i => new object[] { i });

    [Fact]
    public void Catalog_CoversEveryActivationAndEveryLoss()
    {
        var topologies = _fixture.Topologies;
        foreach (Activation activation in Enum.GetValues<Activation>())
        {
            Assert.Contains(topologies, t => t.Layers.Any(l => !l.IsMaxout && l.Activation == activation));
        }

        Assert.Contains(topologies, t => t.Layers.Any(l => l.IsMaxout));
        foreach (LossFunction loss in Enum.GetValues<LossFunction>())
        {
            Assert.Contains(topologies, t => t.Loss == loss);
        }

        Assert.Contains(topologies, t => t.Layers.Count == 1);
        Assert.Contains(topologies, t => t.Layers.Count == 4);
        foreach (LossFunction loss in Enum.GetValues<LossFunction>())
        {
            Assert.Contains(topologies, t => t.Loss == loss && !t.Layers[0].Bias && !t.Layers[^1].Bias); // Bias = false
        }

        Assert.Contains(topologies, t => t.Layers[0].IsLayerNorm);
        Assert.Contains(topologies, t => t.Layers[^1].IsLayerNorm);
        Assert.Contains(topologies, t => t.Layers.Any(l => l.NormalizedSize > 0));
        Assert.Equal(45, topologies.Count);
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void GeneratedNetwork_MatchesReference_FiniteDifferences_AndFloatVersion(int index)
    {
        Topology topology = _fixture.Topologies[index];
        _output.WriteLine(topology.ToString());
        var net = (INeuralNetwork<double>)Activator.CreateInstance(_fixture.Assembly.GetType(topology.Name + "D")!)!;
        var netF = (INeuralNetwork<float>)Activator.CreateInstance(_fixture.Assembly.GetType(topology.Name + "F")!)!;
        Assert.Equal(topology.ParameterCount, net.ParameterCount);
        Assert.Equal(topology.InputSize, net.InputSize);
        Assert.Equal(topology.OutputSize, net.OutputSize);

        var random = new Random(index + 1);
        double[] p = RandomParameters(topology, random);
        p.CopyTo(net.Parameters);
        double[] x = SampleAwayFromKinks(topology, p, random);
        double[] d = Target(topology, random);

        // Forward: generated against the naive reference.
        var y = new double[net.OutputSize];
        net.Forward(x, y);
        double[] expected = ReferenceNetwork.Forward(topology, p, x).H[^1];
        double worstForward = Compare("forward", y, expected, (got, want) => Math.Abs(got - want) / Math.Max(Math.Abs(want), 1.0), ForwardTolerance);

        // Loss: the stable logits forms against the definition.
        double referenceLoss = ReferenceNetwork.Loss(topology, p, x, d);
        double loss = net.ComputeLoss(x, d);
        Assert.True(Math.Abs(loss - referenceLoss) <= 1e-10 * Math.Max(1, Math.Abs(referenceLoss)), $"loss {loss} != reference {referenceLoss}");

        // Backward: gradients against central differences of the reference loss.
        net.ZeroGradients();
        double backwardLoss = net.Backward(x, d);
        Assert.Equal(loss, backwardLoss, 12);
        double[] gradient = net.Gradients.ToArray();
        int[] checkedParameters = ParametersToCheck(p.Length, random);
        var worstGradient = 0.0;
        double floor = GradientFloor * Math.Max(1, Math.Abs(referenceLoss));
        foreach (int i in checkedParameters)
        {
            double fd = FiniteDifference(topology, p, x, d, i);
            double error = Math.Abs(gradient[i] - fd) / Math.Max(Math.Max(Math.Abs(gradient[i]), Math.Abs(fd)), floor);
            worstGradient = Math.Max(worstGradient, error);
            Assert.True(error < GradientTolerance, $"parameter {i}: backward {gradient[i]:R}, finite difference {fd:R}, relative error {error:E2} (tolerance {GradientTolerance}, floor {floor:E1})");
        }

        // Backward accumulates: a second call doubles the gradient.
        net.Backward(x, d);
        for (int i = 0; i < gradient.Length; i++)
        {
            Assert.True(Math.Abs(net.Gradients[i] - (2 * gradient[i])) <= 1e-12 * Math.Max(1, Math.Abs(gradient[i])), $"gradient {i} did not accumulate");
        }

        // Float version: same parameters, same sample.
        for (int i = 0; i < p.Length; i++)
        {
            netF.Parameters[i] = (float)p[i];
        }

        float[] xf = x.Select(v => (float)v).ToArray(), df = d.Select(v => (float)v).ToArray();
        var yf = new float[netF.OutputSize];
        netF.Forward(xf, yf);
        double worstFloat = Compare("float forward", yf.Select(v => (double)v).ToArray(), y, (got, want) => Math.Abs(got - want) / Math.Max(Math.Abs(want), 1.0), FloatTolerance);
        netF.ZeroGradients();
        netF.Backward(xf, df);
        double scale = Math.Max(gradient.Max(Math.Abs), 1e-3);
        double worstFloatGradient = Compare("float gradient", netF.Gradients.ToArray().Select(v => (double)v).ToArray(), gradient, (got, want) => Math.Abs(got - want) / scale, FloatTolerance);

        _output.WriteLine($"parameters {p.Length}, checked {checkedParameters.Length}; worst relative error: forward {worstForward:E2}, gradient vs finite differences {worstGradient:E2}, float forward {worstFloat:E2}, float gradient {worstFloatGradient:E2}");
    }

    /// <summary>The batched passes against the per-sample ones, on batches that fill whole tiles, leave a partial tile, or
    /// hold a single sample: ForwardBatch equals Forward sample by sample, and BackwardBatch adds what Backward adds for
    /// every sample and returns the summed loss, in double (to 1e-12) and in float (to 1e-4 of the largest gradient).</summary>
    [Theory]
    [MemberData(nameof(Indices))]
    public void BatchedPasses_MatchThePerSamplePasses(int index)
    {
        Topology topology = _fixture.Topologies[index];
        var net = (INeuralNetwork<double>)Activator.CreateInstance(_fixture.Assembly.GetType(topology.Name + "D")!)!;
        var netF = (INeuralNetwork<float>)Activator.CreateInstance(_fixture.Assembly.GetType(topology.Name + "F")!)!;
        var random = new Random(1000 + index);
        double[] p = RandomParameters(topology, random);
        p.CopyTo(net.Parameters);
        for (int i = 0; i < p.Length; i++)
        {
            netF.Parameters[i] = (float)p[i];
        }

        double worst = 0, worstF = 0;
        foreach (int count in new[] { 1, 5, 32, 75 })
        {
            double[] x = Enumerable.Range(0, count * topology.InputSize).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
            double[] d = Enumerable.Range(0, count).SelectMany(_ => Target(topology, random)).ToArray();
            worst = Math.Max(worst, CompareBatch(net, x, d, count, 1e-12));
            worstF = Math.Max(worstF, CompareBatch(netF, x.Select(v => (float)v).ToArray(), d.Select(v => (float)v).ToArray(), count, 1e-4));
        }

        _output.WriteLine($"{topology}: batched vs per-sample, worst relative difference {worst:E2} (double), {worstF:E2} (float)");
    }

    /// <summary>The fused SGD step against the unfused one: from the same parameters, SgdStep leaves exactly the values
    /// (compared with ==, so a zero's sign may differ) that ZeroGradients, Backward and Sgd.Step with batch size 1 leave,
    /// returns the same loss, and never touches Gradients; in double and in float, over several consecutive steps.</summary>
    [Theory]
    [MemberData(nameof(Indices))]
    public void SgdStep_EqualsBackwardPlusSgd(int index)
    {
        Topology topology = _fixture.Topologies[index];
        var random = new Random(2000 + index);
        double[] p = RandomParameters(topology, random);
        var samples = Enumerable.Range(0, 4)
            .Select(_ => (X: Enumerable.Range(0, topology.InputSize).Select(_ => (random.NextDouble() * 2) - 1).ToArray(), D: Target(topology, random)))
            .ToArray();
        CompareSgd(topology.Name, p, samples, 0.05);
    }

    /// <summary>The same check on the pinned shapes of <see cref="SgdStepShapes"/>.</summary>
    [Theory]
    [MemberData(nameof(SgdStepShapes.Indices), MemberType = typeof(SgdStepShapes))]
    public void SgdStep_EqualsBackwardPlusSgd_OnPinnedShapes(int index)
    {
        var (name, _, inputs, outputs, loss) = SgdStepShapes.Networks[index];
        var random = new Random(3000 + index);
        var probe = (INeuralNetwork<double>)Activator.CreateInstance(_fixture.Assembly.GetType(name + "D")!)!;
        double[] p = Enumerable.Range(0, probe.ParameterCount).Select(_ => random.NextDouble() - 0.5).ToArray();
        var samples = Enumerable.Range(0, 4).Select(_ => (
            X: Enumerable.Range(0, inputs).Select(_ => (random.NextDouble() * 2) - 1).ToArray(),
            D: SgdStepShapes.Target(loss, outputs, random))).ToArray();
        CompareSgd(name, p, samples, 0.1);
    }

    /// <summary><see cref="CompareSgd{T}"/> for the network's double (D) and float (F) versions.</summary>
    private void CompareSgd(string name, double[] p, (double[] X, double[] D)[] samples, double learningRate)
    {
        CompareSgd<double>(_fixture.Assembly, name + "D", p, samples, learningRate);
        CompareSgd<float>(_fixture.Assembly, name + "F", p, samples, (float)learningRate);
    }

    /// <summary>Asserts that SgdStep on one instance and ZeroGradients + Backward + Sgd.Step on another, from the same
    /// parameters <paramref name="p"/>, stay equal over <paramref name="samples"/>, and that SgdStep leaves Gradients.</summary>
    private static void CompareSgd<T>(Assembly assembly, string typeName, double[] p, (double[] X, double[] D)[] samples, T learningRate)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var fused = (INeuralNetwork<T>)Activator.CreateInstance(assembly.GetType(typeName)!)!;
        var unfused = (INeuralNetwork<T>)Activator.CreateInstance(assembly.GetType(typeName)!)!;
        for (int i = 0; i < p.Length; i++)
        {
            fused.Parameters[i] = unfused.Parameters[i] = T.CreateChecked(p[i]);
        }

        fused.Gradients.Fill(T.CreateChecked(7)); // a sentinel SgdStep must leave alone
        var sgd = new NetGen.Training.Sgd<T>(double.CreateChecked(learningRate));
        for (int step = 0; step < samples.Length; step++)
        {
            T[] x = samples[step].X.Select(T.CreateChecked).ToArray(), d = samples[step].D.Select(T.CreateChecked).ToArray();
            unfused.ZeroGradients();
            T expectedLoss = unfused.Backward(x, d);
            sgd.Step(unfused.Parameters, unfused.Gradients, 1);
            T loss = fused.SgdStep(x, d, learningRate);

            Assert.Equal(expectedLoss, loss);
            for (int i = 0; i < p.Length; i++)
            {
                Assert.True(fused.Parameters[i] == unfused.Parameters[i], $"{typeName}, step {step + 1}, parameter {i}: SgdStep gave {fused.Parameters[i]:R}, Backward + Sgd gave {unfused.Parameters[i]:R}");
            }
        }

        Assert.All(fused.Gradients.ToArray(), g => Assert.Equal(T.CreateChecked(7), g));
        Assert.NotEqual(p.Select(T.CreateChecked), fused.Parameters.ToArray()); // the steps did move the parameters
    }

    private static double CompareBatch<T>(INeuralNetwork<T> net, T[] x, T[] d, int count, double tolerance)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int n = net.InputSize, m = net.OutputSize;
        var expected = new T[count * m];
        T expectedLoss = T.Zero;
        net.ZeroGradients();
        for (int s = 0; s < count; s++)
        {
            net.Forward(x.AsSpan(s * n, n), expected.AsSpan(s * m, m));
            expectedLoss += net.Backward(x.AsSpan(s * n, n), d.AsSpan(s * m, m));
        }

        double[] expectedGradient = net.Gradients.ToArray().Select(v => double.CreateChecked(v)).ToArray();
        var actual = new T[count * m];
        net.ForwardBatch(x, actual);
        net.ZeroGradients();
        T loss = net.BackwardBatch(x, d);
        double[] gradient = net.Gradients.ToArray().Select(v => double.CreateChecked(v)).ToArray();

        double outputScale = Math.Max(1, expected.Max(v => Math.Abs(double.CreateChecked(v))));
        double worst = Compare($"ForwardBatch ({count} samples)", actual.Select(v => double.CreateChecked(v)).ToArray(), expected.Select(v => double.CreateChecked(v)).ToArray(), (got, want) => Math.Abs(got - want) / outputScale, tolerance);
        double gradientScale = Math.Max(expectedGradient.Max(Math.Abs), 1e-3);
        worst = Math.Max(worst, Compare($"BackwardBatch gradient ({count} samples)", gradient, expectedGradient, (got, want) => Math.Abs(got - want) / gradientScale, tolerance));
        double lossError = Math.Abs(double.CreateChecked(loss) - double.CreateChecked(expectedLoss)) / Math.Max(1, Math.Abs(double.CreateChecked(expectedLoss)));
        Assert.True(lossError <= tolerance, $"BackwardBatch loss {loss} != summed Backward loss {expectedLoss}");
        return Math.Max(worst, lossError);
    }

    /// <summary>dL/dp_i by the fourth-order central difference (L(-2h) - 8 L(-h) + 8 L(h) - L(2h)) / 12h.</summary>
    private static double FiniteDifference(Topology topology, double[] p, double[] x, double[] d, int i)
    {
        double saved = p[i];
        double Loss(double step)
        {
            p[i] = saved + step;
            return ReferenceNetwork.Loss(topology, p, x, d);
        }

        double result = (Loss(-2 * Epsilon) - (8 * Loss(-Epsilon)) + (8 * Loss(Epsilon)) - Loss(2 * Epsilon)) / (12 * Epsilon);
        p[i] = saved;
        return result;
    }

    /// <summary>Weights uniform in (-r, r) with r = 1.5 / sqrt(fan_in), biases in (-0.5, 0.5): pre-activations of order
    /// 1 at every depth, so the losses stay of order 1 too.</summary>
    private static double[] RandomParameters(Topology topology, Random random)
    {
        var p = new List<double>();
        int fanIn = topology.InputSize;

        // PReLU slopes, one per unit after the biases: either sign, as trained audio models have them.
        void AddSlopes(LayerDescription layer)
        {
            if (layer.Activation == Activation.PReLU && !layer.IsMaxout)
            {
                p.AddRange(Enumerable.Range(0, layer.Units).Select(_ => (random.NextDouble() * 1.6) - 0.4));
            }
        }

        foreach (LayerDescription layer in topology.Layers)
        {
            if (layer.IsLayerNorm)
            {
                // gamma around 1 (either sign happens in trained models, but rarely), beta around 0
                p.AddRange(Enumerable.Range(0, layer.NormalizedLength).Select(_ => 0.5 + random.NextDouble()));
                p.AddRange(Enumerable.Range(0, layer.NormalizedLength).Select(_ => random.NextDouble() - 0.5));
                AddSlopes(layer);
                continue;
            }

            double r = 1.5 / Math.Sqrt(fanIn);
            p.AddRange(Enumerable.Range(0, fanIn * layer.AffineOutputs).Select(_ => ((2 * random.NextDouble()) - 1) * r));
            p.AddRange(Enumerable.Range(0, layer.Bias ? layer.AffineOutputs : 0).Select(_ => random.NextDouble() - 0.5));
            AddSlopes(layer);
            fanIn = layer.Units;
        }

        return p.ToArray();
    }

    private static double Compare(string what, double[] actual, double[] expected, Func<double, double, double> error, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double e = error(actual[i], expected[i]);
            Assert.True(e <= tolerance, $"{what}[{i}]: got {actual[i]:R}, expected {expected[i]:R}, error {e:E2} > {tolerance}");
            worst = Math.Max(worst, e);
        }

        return worst;
    }

    /// <summary>An input whose pre-activations sit at least 1e-4 from every kink, so that a 1e-6 perturbation cannot
    /// cross one; ReLU-family and maxout derivatives are checked on either side of their kinks, never on them.</summary>
    private static double[] SampleAwayFromKinks(Topology topology, double[] p, Random random)
    {
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            double[] x = Enumerable.Range(0, topology.InputSize).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
            if (ReferenceNetwork.DistanceToKinks(topology, p, x) > 1e-4)
            {
                return x;
            }
        }

        throw new InvalidOperationException("No input away from the kinks was found.");
    }

    private static double[] Target(Topology topology, Random random)
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

    /// <summary>All parameters of networks up to <see cref="MaxCheckedParameters"/>; a seeded random subset of that size
    /// (plus the first and last) for larger ones, to keep the O(P^2) finite-difference check fast.</summary>
    private static int[] ParametersToCheck(int count, Random random)
    {
        if (count <= MaxCheckedParameters)
        {
            return Enumerable.Range(0, count).ToArray();
        }

        return Enumerable.Range(0, MaxCheckedParameters - 2).Select(_ => random.Next(count)).Append(0).Append(count - 1).Distinct().ToArray();
    }
}
