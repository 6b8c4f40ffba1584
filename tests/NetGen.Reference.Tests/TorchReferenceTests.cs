using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using NetGen.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Reference.Tests;

/// <summary>NetGen against PyTorch (TorchSharp-cpu 0.107.0, one thread), from identical parameters and inputs: outputs
/// within 1e-6 absolute in float; gradients within 1e-5 of autograd's, and parameters after 100 steps of SGD (momentum,
/// Nesterov, weight decay) and of Adam (weight decay) within 1e-4 of PyTorch's optimizers, both relative, in double
/// precision, where those bars test the maths and not float32 rounding.</summary>
public class TorchReferenceTests
{
    private const double ForwardTolerance = 1e-6;
    private const double GradientTolerance = 1e-5;
    private const double TrainingTolerance = 1e-4;

    /// <summary>The absolute floor of a relative comparison: values below this are compared absolutely.</summary>
    private const double Floor = 1e-6;

    private readonly ITestOutputHelper _output;

    public TorchReferenceTests(ITestOutputHelper output)
    {
        _output = output;
        torch.set_num_threads(1);
    }

    public static IEnumerable<object[]> Networks() =>
        new[] { "TanhSigmoidBce", "ReluSoftmaxCe", "LeakyEluMse", "MaxoutSigmoidMse", "SoftmaxMse", "WideBce", "NoBiasCe", "LayerNormMse", "LayerNormCe", "LayerNormGroupedMse" }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Networks))]
    public void FloatForward_MatchesTorchSharpWithin1e6(string name)
    {
        var net = Create<float>(name);
        (float[] x, _) = Batch(net, 16, seed: 1);
        using var mirror = new TorchMirror<float>(net);
        using Tensor tx = TorchMirror<float>.Tensor(x, [16, net.InputSize]);
        float[] expected = mirror.Forward(tx).Output.data<float>().ToArray();
        var y = new float[net.OutputSize];
        double worst = 0;
        for (int s = 0; s < 16; s++)
        {
            net.Forward(x.AsSpan(s * net.InputSize, net.InputSize), y);
            for (int k = 0; k < y.Length; k++)
            {
                double error = Math.Abs(y[k] - expected[(s * net.OutputSize) + k]);
                worst = Math.Max(worst, error);
                Assert.True(error <= ForwardTolerance, $"{name}: sample {s}, output {k}: NetGen {y[k]:R}, TorchSharp {expected[(s * net.OutputSize) + k]:R}");
            }
        }

        _output.WriteLine($"{name} (float): forward worst absolute error {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Gradients_MatchAutograd(string name)
    {
        var net = Create<double>(name);
        (double[] x, double[] d) = Batch(net, 16, seed: 1);
        using var mirror = new TorchMirror<double>(net);
        using Tensor tx = TorchMirror<double>.Tensor(x, [16, net.InputSize]), td = TorchMirror<double>.Tensor(d, [16, net.OutputSize]);

        // NetGen's Backward accumulates the summed loss's gradient over the samples.
        net.ZeroGradients();
        double loss = 0;
        for (int s = 0; s < 16; s++)
        {
            loss += net.Backward(x.AsSpan(s * net.InputSize, net.InputSize), d.AsSpan(s * net.OutputSize, net.OutputSize));
        }

        using Tensor torchLoss = mirror.Loss(tx, td);
        torchLoss.backward();
        (double relative, double absolute) = Compare($"{name}: gradient", net.Gradients.ToArray(), mirror.Flatten(gradients: true), GradientTolerance);
        Assert.True(Math.Abs(torchLoss.item<double>() - loss) <= 1e-10 * Math.Abs(loss), $"{name}: loss {loss:R}, TorchSharp {torchLoss.item<double>():R}");
        _output.WriteLine($"{name} (double): gradients worst relative error {relative:E2}, worst absolute {absolute:E2}");
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void HundredStepsOfSgdAndOfAdam_LeaveTorchSharpsParameters(string name)
    {
        foreach (string optimizerName in new[] { "sgd", "adam" })
        {
            var net = Create<double>(name);
            using var mirror = new TorchMirror<double>(net);
            (double[] x, double[] d) = Batch(net, 32, seed: 2);
            double rate = optimizerName == "sgd" ? 0.05 : 0.01;
            IOptimizer<double> ours = optimizerName == "sgd" ? new Sgd<double>(rate, momentum: 0.9, nesterov: true, weightDecay: 1e-3) : new Adam<double>(rate, weightDecay: 1e-3);
            using torch.optim.Optimizer theirs = optimizerName == "sgd"
                ? torch.optim.SGD(mirror.Parameters, rate, momentum: 0.9, nesterov: true, weight_decay: 1e-3)
                : torch.optim.Adam(mirror.Parameters, rate, weight_decay: 1e-3);
            const int batch = 4;
            for (int step = 0; step < 100; step++)
            {
                int start = (step * batch) % 32;
                net.ZeroGradients();
                for (int s = start; s < start + batch; s++)
                {
                    net.Backward(x.AsSpan(s * net.InputSize, net.InputSize), d.AsSpan(s * net.OutputSize, net.OutputSize));
                }

                ours.Step(net.Parameters, net.Gradients, batch);

                // PyTorch's convention: the mean loss over the batch.
                theirs.zero_grad();
                using Tensor tx = TorchMirror<double>.Tensor(x.AsSpan(start * net.InputSize, batch * net.InputSize).ToArray(), [batch, net.InputSize]);
                using Tensor td = TorchMirror<double>.Tensor(d.AsSpan(start * net.OutputSize, batch * net.OutputSize).ToArray(), [batch, net.OutputSize]);
                using Tensor loss = mirror.Loss(tx, td) / batch;
                loss.backward();
                theirs.step();
            }

            (double relative, double absolute) = Compare($"{name}, {optimizerName}: parameter", net.Parameters.ToArray(), mirror.Flatten(gradients: false), TrainingTolerance);
            _output.WriteLine($"{name} (double), 100 steps of {optimizerName}: parameters worst relative error {relative:E2}, worst absolute {absolute:E2}");
        }
    }

    internal static (double Relative, double Absolute) Compare(string what, double[] ours, double[] theirs, double tolerance)
    {
        double worstRelative = 0, worstAbsolute = 0;
        for (int i = 0; i < theirs.Length; i++)
        {
            double absolute = Math.Abs(ours[i] - theirs[i]);
            double relative = absolute / Math.Max(Math.Max(Math.Abs(ours[i]), Math.Abs(theirs[i])), Floor);
            worstAbsolute = Math.Max(worstAbsolute, absolute);
            worstRelative = Math.Max(worstRelative, relative);
            Assert.True(relative <= tolerance, $"{what} {i}: NetGen {ours[i]:R}, TorchSharp {theirs[i]:R}, relative error {relative:E2} (tolerance {tolerance}, floor {Floor})");
        }

        return (worstRelative, worstAbsolute);
    }

    internal static INeuralNetwork<T> Create<T>(string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        object net = (name, typeof(T) == typeof(double)) switch
        {
            ("TanhSigmoidBce", false) => new TanhSigmoidBce(), ("TanhSigmoidBce", true) => new TanhSigmoidBceD(),
            ("ReluSoftmaxCe", false) => new ReluSoftmaxCe(), ("ReluSoftmaxCe", true) => new ReluSoftmaxCeD(),
            ("LeakyEluMse", false) => new LeakyEluMse(), ("LeakyEluMse", true) => new LeakyEluMseD(),
            ("MaxoutSigmoidMse", false) => new MaxoutSigmoidMse(), ("MaxoutSigmoidMse", true) => new MaxoutSigmoidMseD(),
            ("SoftmaxMse", false) => new SoftmaxMse(), ("SoftmaxMse", true) => new SoftmaxMseD(),
            ("WideBce", false) => new WideBce(), ("WideBce", true) => new WideBceD(),
            ("NoBiasCe", false) => new NoBiasCe(), ("NoBiasCe", true) => new NoBiasCeD(),
            ("LayerNormMse", false) => new LayerNormMse(), ("LayerNormMse", true) => new LayerNormMseD(),
            ("LayerNormCe", false) => new LayerNormCe(), ("LayerNormCe", true) => new LayerNormCeD(),
            ("LayerNormGroupedMse", false) => new LayerNormGroupedMse(), ("LayerNormGroupedMse", true) => new LayerNormGroupedMseD(),
            ("LeNet5", false) => new LeNet5(), ("LeNet5", true) => new LeNet5D(),
            ("DepthwiseSeparable", false) => new DepthwiseSeparable(), ("DepthwiseSeparable", true) => new DepthwiseSeparableD(),
            ("KeywordConv1D", false) => new KeywordConv1D(), ("KeywordConv1D", true) => new KeywordConv1DD(),
            ("PReluConv", false) => new PReluConv(), ("PReluConv", true) => new PReluConvD(),
            _ => throw new ArgumentException($"No network named {name}.", nameof(name)),
        };
        return (INeuralNetwork<T>)net;
    }

    /// <summary>Inputs in (-1, 1); targets that fit the loss (distributions for cross-entropy, in [0, 1] otherwise).</summary>
    internal static (T[] X, T[] D) Batch<T>(INeuralNetwork<T> net, int count, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        T[] x = Enumerable.Range(0, count * net.InputSize).Select(_ => T.CreateChecked((random.NextDouble() * 2) - 1)).ToArray();
        var d = new T[count * net.OutputSize];
        for (int s = 0; s < count; s++)
        {
            double[] row = Enumerable.Range(0, net.OutputSize).Select(_ => random.NextDouble()).ToArray();
            double sum = net.Loss == LossFunction.CrossEntropy ? row.Sum() : 1;
            for (int k = 0; k < row.Length; k++)
            {
                d[(s * net.OutputSize) + k] = T.CreateChecked(row[k] / sum);
            }
        }

        return (x, d);
    }
}
