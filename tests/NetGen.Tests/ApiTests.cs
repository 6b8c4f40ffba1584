using System;
using System.Linq;

namespace NetGen.Tests;

/// <summary>The generated API: sizes, argument checks that write nothing, initialisation, and where networks may live.</summary>
public class ApiTests
{
    [Fact]
    public void Constants_DescribeTheTopology()
    {
        Assert.Equal(2, XorNet.InputSize);
        Assert.Equal(1, XorNet.OutputSize);
        Assert.Equal((2 * 4) + 4 + (4 * 1) + 1, XorNet.ParameterCount);
        Assert.Equal((784 * 128) + 128 + (128 * 10) + 10, MnistNet.ParameterCount);
        Assert.Equal((300 * 1000) + 1000 + (1000 * 70 * 3) + (70 * 3), WideNet.ParameterCount);
        var net = new XorNet();
        Assert.Equal(XorNet.ParameterCount, net.Parameters.Length);
        Assert.Equal(XorNet.ParameterCount, net.Gradients.Length);
    }

    [Theory]
    [InlineData(1, 1, "input", 2, 1)]
    [InlineData(3, 1, "input", 2, 3)]
    [InlineData(2, 2, "output", 1, 2)]
    [InlineData(2, 0, "output", 1, 0)]
    public void Forward_WithAWrongSpanLength_ThrowsNamingParameterExpectedAndActual_AndWritesNothing(int inputLength, int outputLength, string parameter, int expected, int actual)
    {
        var net = new XorNet();
        float[] output = Enumerable.Repeat(7f, outputLength).ToArray();

        var e = Assert.Throws<ArgumentException>(() => net.Forward(new float[inputLength], output));

        Assert.Equal(parameter, e.ParamName);
        Assert.Contains($"length {expected}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"its length is {actual}", e.Message, StringComparison.Ordinal);
        Assert.All(output, v => Assert.Equal(7f, v));
    }

    [Theory]
    [InlineData(1, 1, "input")]
    [InlineData(2, 2, "target")]
    public void Backward_WithAWrongSpanLength_Throws_AndLeavesGradientsAndParametersAlone(int inputLength, int targetLength, string parameter)
    {
        var net = new XorNet();
        net.Backward([1, 0], [1]);
        float[] gradients = net.Gradients.ToArray(), parameters = net.Parameters.ToArray();

        var e = Assert.Throws<ArgumentException>(() => net.Backward(new float[inputLength], new float[targetLength]));
        Assert.Equal(parameter, e.ParamName);
        Assert.Throws<ArgumentException>(() => net.ComputeLoss(new float[inputLength], new float[targetLength]));

        Assert.Equal(gradients, net.Gradients.ToArray());
        Assert.Equal(parameters, net.Parameters.ToArray());
    }

    [Fact]
    public void InitializeParameters_IsDeterministic_AndANewInstanceUsesTheDefaultSeed()
    {
        var a = new MnistNet();
        var b = new MnistNet();
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        b.InitializeParameters(MnistNet.DefaultSeed);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        b.InitializeParameters(1);
        Assert.False(a.Parameters.SequenceEqual(b.Parameters));
        a.InitializeParameters(1);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
    }

    [Fact]
    public void InitializeParameters_UsesHeForReLU_GlorotForSoftmax_AndZeroBiases()
    {
        var net = new MnistNet();
        net.InitializeParameters(123);
        ReadOnlySpan<float> p = net.Parameters;
        ReadOnlySpan<float> w1 = p[..(784 * 128)], b1 = p.Slice(784 * 128, 128);
        ReadOnlySpan<float> w2 = p.Slice((784 * 128) + 128, 1280), b2 = p[^10..];
        AssertUniform(w1, Math.Sqrt(6.0 / 784));
        AssertUniform(w2, Math.Sqrt(6.0 / (128 + 10)));
        Assert.True(b1.IndexOfAnyExcept(0f) < 0 && b2.IndexOfAnyExcept(0f) < 0);

        static void AssertUniform(ReadOnlySpan<float> w, double r)
        {
            double max = 0, sumSquares = 0;
            foreach (float v in w)
            {
                max = Math.Max(max, Math.Abs(v));
                sumSquares += v * v;
            }

            Assert.True(max <= r && max > 0.98 * r, $"max |w| {max} for range {r}");
            double variance = sumSquares / w.Length;
            Assert.InRange(variance, 0.9 * r * r / 3, 1.1 * r * r / 3); // U(-r, r) has variance r^2 / 3
        }
    }

    [Fact]
    public void ZeroGradients_ClearsEveryGradient()
    {
        var net = new XorNet();
        net.Backward([1, 0], [1]);
        Assert.Contains(net.Gradients.ToArray(), g => g != 0);
        net.ZeroGradients();
        Assert.All(net.Gradients.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void StructsNestedTypesRecordsAndTheGlobalNamespace_AreSupported()
    {
        var nested = new Containers.NestedStructNet();
        var y = new float[2];
        nested.Forward([1, 2, 3], y);
        Assert.Equal(1f, y[0] + y[1], 5);

        INeuralNetwork<float> global = new GlobalNamespaceNet();
        Assert.Equal(2, global.InputSize);
        Assert.Equal(3, global.ParameterCount);
    }

    [Fact]
    public void UnrolledScalarKernels_MatchANaiveEvaluation()
    {
        // LargestUnrolledNet: 16 -> 32 tanh -> 16 identity. W1 at 0 (512), b1 at 512, W2 at 544 (512), b2 at 1056.
        var net = new LargestUnrolledNet();
        var random = new Random(1);
        float[] x = Enumerable.Range(0, 16).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var y = new float[16];
        net.Forward(x, y);
        float[] p = net.Parameters.ToArray();
        double[] h1 = Enumerable.Range(0, 32).Select(i => Math.Tanh(p[512 + i] + Enumerable.Range(0, 16).Sum(j => (double)p[j * 32 + i] * x[j]))).ToArray();
        for (int i = 0; i < 16; i++)
        {
            double expected = p[1056 + i] + Enumerable.Range(0, 32).Sum(j => (double)p[544 + j * 16 + i] * h1[j]);
            Assert.Equal(expected, y[i], 4);
        }
    }
}
