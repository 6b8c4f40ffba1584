using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit.Abstractions;

namespace NetGen.Tests;

/// <summary>Extreme inputs give finite losses and gradients, equal to their exact values (the stable forms of
/// docs/maths.md#stable-forms-of-the-losses); and inference from many threads at once gives the single-threaded results.</summary>
public class StabilityTests
{
    private readonly ITestOutputHelper _output;

    public StabilityTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(1e4f)]
    [InlineData(-1e4f)]
    public void SoftmaxCrossEntropy_OnLogitsOf1e4_IsFiniteAndExact(float scale)
    {
        // Weights 0, biases = the logits: a = [s, -s, 0]. Target class 1, the one the logits rule out (or favour).
        var net = new SoftmaxNet();
        net.Parameters.Clear();
        net.Parameters[6] = scale;
        net.Parameters[7] = -scale;
        float[] target = [0, 1, 0];

        float loss = net.Backward([0.5f, -0.5f], target);

        // L = log sum e^a - a_1 = |s| + s exactly in float; da = y - d with y one-hot on the largest logit.
        double expectedLoss = Math.Abs(scale) + scale;
        double[] expectedGradient = scale > 0 ? [1, -1, 0] : [0, 0, 0];
        Report("softmax cross-entropy", loss, expectedLoss, net.Gradients[6..9].ToArray(), expectedGradient);
    }

    [Theory]
    [InlineData(1e3f, 0f)]
    [InlineData(1e3f, 1f)]
    [InlineData(-1e3f, 0f)]
    [InlineData(-1e3f, 1f)]
    public void SigmoidBinaryCrossEntropy_At1e3_WithTargetsOfExactly0And1_IsFiniteAndExact(float logit, float target)
    {
        var net = new SigmoidNet();
        net.Parameters.Clear();
        net.Parameters[1] = logit; // b
        float loss = net.Backward([0f], [target]);

        // L = max(a, 0) - a d + log(1 + e^-|a|) = max(a, 0) - a d here; da = sigmoid(a) - d, sigmoid(+-1e3) = 1 or 0.
        double expectedLoss = Math.Max(logit, 0) - (logit * target);
        double expectedGradient = (logit > 0 ? 1 : 0) - target;
        Report("sigmoid binary cross-entropy", loss, expectedLoss, [net.Gradients[1]], [expectedGradient]);
    }

    [Theory]
    [InlineData(1e4f)]
    [InlineData(-1e4f)]
    [InlineData(88.8f)] // e^88.8 overflows float
    public void Elu_AtLargeInputs_IsFinite_AndItsGradientExact(float a)
    {
        // W1 = [1, 1], b1 = 0, so a1 = [a, a]; W2 = [1, 0], b2 = 0, so y = elu(a); target 0.
        var net = new EluNet();
        net.Parameters.Clear();
        net.Parameters[0] = 1; net.Parameters[1] = 1; net.Parameters[4] = 1;
        float loss = net.Backward([a], [0f]);

        double y = a > 0 ? a : Math.Exp(a) - 1;
        double dydA = a > 0 ? 1 : Math.Exp(a); // ELU'(a) = h + alpha = e^a for a <= 0
        Report("elu", loss, 0.5 * y * y, [net.Gradients[2]], [y * dydA]); // db1[0] = (y - 0) * W2[0] * elu'(a)
    }

    /// <summary>The float tanh is a rational approximation (Eigen's): within 4e-7 of the exact tanh over [-20, 20]
    /// (TensorPrimitives.Tanh: 1.5e-7), exactly +-1 beyond the clamp, odd, x itself near 0, and NaN stays NaN, on the
    /// vector paths and the scalar tail alike (lengths not a multiple of the vector width).</summary>
    [Fact]
    public void FloatTanh_IsWithin4e7OfTheExactTanh_AndKeepsNaN()
    {
        const int n = 400_003;
        var a = new float[n];
        var h = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = -20f + (40f * i / (n - 1));
        }

        Runtime.Activations.Tanh<float>(a, h);
        double worst = 0;
        for (int i = 0; i < n; i++)
        {
            worst = Math.Max(worst, Math.Abs(h[i] - Math.Tanh(a[i])));
            Assert.True(Math.Abs(h[i]) <= 1f, $"tanh({a[i]}) = {h[i]}");
        }

        Assert.True(worst <= 4e-7, $"worst absolute error {worst:E2}");
        float[] special = { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-5f, -0f, 9f, -9f, 0.5f, -0.5f };
        var result = new float[special.Length];
        Runtime.Activations.Tanh<float>(special, result);
        Assert.True(float.IsNaN(result[0]));
        Assert.Equal(new[] { 1f, -1f, 1e-5f }, result[1..4]);
        Assert.True(float.IsNegative(result[4]) && result[4] == 0);
        Assert.Equal(new[] { 1f, -1f }, result[5..7]);

        Assert.Equal(-result[7], result[8]);
    }

    [Fact]
    public void ATrainedNetwork_UsedFromManyThreadsAtOnce_GivesTheSingleThreadedResults()
    {
        var net = new MnistNet();
        net.InitializeParameters(3);
        var random = new Random(8);
        float[][] inputs = Enumerable.Range(0, 64).Select(_ => Enumerable.Range(0, 784).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        float[][] expected = inputs.Select(x => { var y = new float[10]; net.Forward(x, y); return y; }).ToArray();

        int mismatches = 0;
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, worker =>
        {
            var y = new float[10];
            for (int round = 0; round < 200; round++)
            {
                int i = (worker * 7 + round) % inputs.Length;
                net.Forward(inputs[i], y);
                if (!y.AsSpan().SequenceEqual(expected[i]))
                {
                    System.Threading.Interlocked.Increment(ref mismatches);
                }
            }
        });

        Assert.Equal(0, mismatches);
    }

    private void Report(string what, double loss, double expectedLoss, float[] gradient, double[] expectedGradient)
    {
        Assert.True(double.IsFinite(loss), $"{what}: loss {loss}");
        Assert.All(gradient, g => Assert.True(float.IsFinite(g), $"{what}: gradient {g}"));
        double lossAbs = Math.Abs(loss - expectedLoss), lossRel = lossAbs / Math.Max(Math.Abs(expectedLoss), 1e-30);
        double gradAbs = gradient.Zip(expectedGradient, (g, e) => Math.Abs(g - e)).Max();
        _output.WriteLine($"{what}: loss {loss} (exact {expectedLoss}), worst absolute error {Math.Max(lossAbs, gradAbs):E2}, relative error of the loss {(expectedLoss == 0 ? 0 : lossRel):E2}");
        Assert.True(lossAbs <= 1e-6 * Math.Max(1, Math.Abs(expectedLoss)), $"{what}: loss {loss}, exact {expectedLoss}");
        Assert.True(gradAbs <= 1e-6 * Math.Max(1, expectedGradient.Max(Math.Abs)), $"{what}: gradient [{string.Join(", ", gradient)}], exact [{string.Join(", ", expectedGradient)}]");
    }
}
