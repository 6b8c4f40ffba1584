using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Reference.Tests;

/// <summary>Convolutional networks against PyTorch (TorchSharp-cpu, one thread; <c>F.conv2d</c>, <c>F.max_pool2d</c>,
/// <c>F.avg_pool2d</c> and their 1-D forms) from identical parameters: LeNet-5, a depthwise-separable net (groups, SAME
/// padding at stride 2, ceil mode, padding left out of an average) and a 1-D keyword-style net (causal dilated
/// convolution). Forward within 1e-6 absolute in float; gradients within 1e-5 relative in double; and 100 steps of SGD
/// with momentum and of Adam within 1e-9 relative in double, on random inputs (no pooling ties).</summary>
public class ConvolutionTorchTests
{
    private const double Floor = 1e-6;

    private readonly ITestOutputHelper _output;

    public ConvolutionTorchTests(ITestOutputHelper output)
    {
        _output = output;
        torch.set_num_threads(1);
    }

    public static IEnumerable<object[]> Networks() => new[] { "LeNet5", "DepthwiseSeparable", "KeywordConv1D", "PReluConv" }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Networks))]
    public void FloatForward_MatchesTorchSharpWithin1e6(string name)
    {
        var net = TorchReferenceTests.Create<float>(name);
        (float[] x, _) = TorchReferenceTests.Batch(net, 16, seed: 1);
        using var mirror = new TorchMirror<float>(net);
        using Tensor tx = TorchMirror<float>.Tensor(x, [16, net.InputSize]);
        float[] expected = mirror.Forward(tx).Output.data<float>().ToArray();
        var y = new float[16 * net.OutputSize];
        net.ForwardBatch(x, y);
        double worst = 0;
        for (int s = 0; s < 16; s++)
        {
            net.Forward(x.AsSpan(s * net.InputSize, net.InputSize), y.AsSpan(s * net.OutputSize, net.OutputSize));
        }

        for (int i = 0; i < y.Length; i++)
        {
            double error = Math.Abs(y[i] - expected[i]);
            worst = Math.Max(worst, error);
            Assert.True(error <= 1e-6, $"{name}: output {i}: NetGen {y[i]:R}, TorchSharp {expected[i]:R}");
        }

        _output.WriteLine($"{name} (float): forward worst absolute error {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Gradients_MatchAutograd(string name)
    {
        var net = TorchReferenceTests.Create<double>(name);
        (double[] x, double[] d) = TorchReferenceTests.Batch(net, 16, seed: 1);
        using var mirror = new TorchMirror<double>(net);
        using Tensor tx = TorchMirror<double>.Tensor(x, [16, net.InputSize]), td = TorchMirror<double>.Tensor(d, [16, net.OutputSize]);
        net.ZeroGradients();
        double loss = net.BackwardBatch(x, d);
        using Tensor torchLoss = mirror.Loss(tx, td);
        torchLoss.backward();
        (double relative, double absolute) = TorchReferenceTests.Compare($"{name}: gradient", net.Gradients.ToArray(), mirror.Flatten(gradients: true), 1e-5);
        Assert.True(Math.Abs(torchLoss.item<double>() - loss) <= 1e-10 * Math.Abs(loss), $"{name}: loss {loss:R}, TorchSharp {torchLoss.item<double>():R}");
        _output.WriteLine($"{name} (double): gradients worst relative error {relative:E2}, worst absolute {absolute:E2}");
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void HundredStepsOfSgdAndOfAdam_Within1e9(string name)
    {
        foreach (string optimizerName in new[] { "sgd", "adam" })
        {
            var net = TorchReferenceTests.Create<double>(name);
            using var mirror = new TorchMirror<double>(net);
            (double[] x, double[] d) = TorchReferenceTests.Batch(net, 32, seed: 2);
            double rate = optimizerName == "sgd" ? 0.05 : 0.001;
            IOptimizer<double> ours = optimizerName == "sgd" ? new Sgd<double>(rate, momentum: 0.9) : new Adam<double>(rate);
            using torch.optim.Optimizer theirs = optimizerName == "sgd"
                ? torch.optim.SGD(mirror.Parameters, rate, momentum: 0.9)
                : torch.optim.Adam(mirror.Parameters, rate);
            const int batch = 8;
            for (int step = 0; step < 100; step++)
            {
                int start = (step * batch) % 32;
                net.ZeroGradients();
                net.BackwardBatch(x.AsSpan(start * net.InputSize, batch * net.InputSize), d.AsSpan(start * net.OutputSize, batch * net.OutputSize));
                ours.Step(net.Parameters, net.Gradients, batch);

                theirs.zero_grad();
                using Tensor tx = TorchMirror<double>.Tensor(x.AsSpan(start * net.InputSize, batch * net.InputSize).ToArray(), [batch, net.InputSize]);
                using Tensor td = TorchMirror<double>.Tensor(d.AsSpan(start * net.OutputSize, batch * net.OutputSize).ToArray(), [batch, net.OutputSize]);
                using Tensor loss = mirror.Loss(tx, td) / batch;
                loss.backward();
                theirs.step();
            }

            (double relative, double absolute) = TorchReferenceTests.Compare($"{name}, {optimizerName}: parameter", net.Parameters.ToArray(), mirror.Flatten(gradients: false), 1e-9);
            _output.WriteLine($"{name} (double), 100 steps of {optimizerName}: parameters worst relative error {relative:E2}, worst absolute {absolute:E2}");
        }
    }
}
