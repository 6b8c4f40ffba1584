using System;
using System.Linq;
using Xunit.Abstractions;

namespace NetGen.Tests;

/// <summary>Generated networks train with the plain gradient descent rule of the lecture:
/// <c>theta &lt;- theta - eta (1/|B|) sum_i grad L_i</c>.</summary>
public class TrainingTests
{
    private readonly ITestOutputHelper _output;

    public TrainingTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Xor_TrainsToALossBelow0_01_WithPlainGradientDescent()
    {
        var net = new XorNet();
        float[][] x = [[0, 0], [0, 1], [1, 0], [1, 1]];
        float[][] d = [[0], [1], [1], [0]];

        float loss = float.NaN;
        for (int epoch = 0; epoch < 3000 && !(loss < 0.01f); epoch++)
        {
            loss = Step(net, x, d, 0.5f) / x.Length;
        }

        _output.WriteLine($"XOR mean loss {loss}");
        Assert.True(loss < 0.01f, $"mean loss {loss}");
        var y = new float[1];
        for (int i = 0; i < x.Length; i++)
        {
            net.Forward(x[i], y);
            Assert.Equal(d[i][0], MathF.Round(y[0]));
        }
    }

    [Fact]
    public void LinearRegression_RecoversTheKnownWeightsAndBiases()
    {
        // y = W x + b exactly, with W (2 x 3) and b known; least squares has that unique solution.
        double[,] w = { { 1.5, -2.0, 0.5 }, { 0.25, 1.0, -3.0 } };
        double[] b = { 0.7, -1.2 };
        var random = new Random(3);
        double[][] x = Enumerable.Range(0, 64).Select(_ => new[] { random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1 }).ToArray();
        double[][] d = x.Select(v => Enumerable.Range(0, 2).Select(i => w[i, 0] * v[0] + w[i, 1] * v[1] + w[i, 2] * v[2] + b[i]).ToArray()).ToArray();

        var net = new LinearRegression();
        double loss = double.NaN;
        for (int epoch = 0; epoch < 3000; epoch++)
        {
            loss = Step(net, x, d, 0.3) / x.Length;
        }

        // Input-major layout: W[i, j] at j * 2 + i, then b.
        double[] p = net.Parameters.ToArray();
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(w[i, j], p[j * 2 + i], 6);
            }

            Assert.Equal(b[i], p[6 + i], 6);
        }

        _output.WriteLine($"linear regression: mean loss {loss:E2}");
    }

    [Fact]
    public void LogisticRegression_RecoversTheKnownWeightsAndBias()
    {
        // With soft targets d = sigmoid(w.x + b), binary cross-entropy is minimal exactly at (w, b): the known solution.
        double[] w = { 2.0, -1.0, 0.5, -3.0 };
        const double b = 0.4;
        var random = new Random(5);
        double[][] x = Enumerable.Range(0, 200).Select(_ => Enumerable.Range(0, 4).Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToArray();
        double[][] d = x.Select(v => new[] { 1 / (1 + Math.Exp(-(v.Zip(w, (a, c) => a * c).Sum() + b))) }).ToArray();

        var net = new LogisticRegression();
        for (int epoch = 0; epoch < 6000; epoch++)
        {
            Step(net, x, d, 2.0);
        }

        double[] p = net.Parameters.ToArray();
        for (int j = 0; j < 4; j++)
        {
            Assert.Equal(w[j], p[j], 3);
        }

        Assert.Equal(b, p[4], 3);
        _output.WriteLine($"logistic regression: w = [{string.Join(", ", p.Take(4).Select(v => v.ToString("F4")))}], b = {p[4]:F4}");
    }

    /// <summary>One full-batch gradient descent step; returns the summed loss.</summary>
    private static T Step<T>(INeuralNetwork<T> net, T[][] x, T[][] d, T learningRate)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        net.ZeroGradients();
        T loss = T.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            loss += net.Backward(x[i], d[i]);
        }

        Span<T> p = net.Parameters, g = net.Gradients;
        T scale = learningRate / T.CreateChecked(x.Length);
        for (int j = 0; j < p.Length; j++)
        {
            p[j] -= scale * g[j];
        }

        return loss;
    }
}
