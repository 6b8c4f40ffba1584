using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>The benchmark networks in TorchSharp, as a user writes them (nn.Sequential of Linear and activations),
/// with the NetGen network's weights copied in (transposed to nn.Linear's [out, in]). One intra-op thread unless
/// <see cref="Threads"/> says otherwise.</summary>
public sealed class TorchModel : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly Tensor _input;
    private readonly Tensor _target;
    private readonly optim.Optimizer _optimizer;
    private readonly bool _crossEntropy;

    public TorchModel(INeuralNetwork<float> net, float[] input, float[] target, float learningRate)
    {
        _crossEntropy = net.Loss == LossFunction.CrossEntropy;
        _model = Build(net);
        _input = tensor(input, new long[] { 1, input.Length });
        _target = _crossEntropy ? tensor(new long[] { Array.IndexOf(target, target.Max()) }) : tensor(target, new long[] { 1, target.Length });
        _optimizer = optim.SGD(_model.parameters(), learningRate);
    }

    /// <summary>nn.Sequential of Linear and activation modules with <paramref name="net"/>'s weights and biases.</summary>
    public static nn.Module<Tensor, Tensor> Build(INeuralNetwork<float> net)
    {
        var modules = new System.Collections.Generic.List<(string, nn.Module<Tensor, Tensor>)>();
        ReadOnlySpan<float> p = net.Parameters;
        foreach (LayerInfo layer in net.Layers)
        {
            var linear = nn.Linear(layer.FanIn, layer.Units);
            var weight = new float[layer.Units * layer.FanIn];
            for (int i = 0; i < layer.Units; i++)
            {
                for (int j = 0; j < layer.FanIn; j++)
                {
                    weight[(i * layer.FanIn) + j] = p[layer.WeightOffset + (j * layer.Units) + i];
                }
            }

            using (no_grad())
            {
                linear.weight!.copy_(tensor(weight, new long[] { layer.Units, layer.FanIn }));
                linear.bias!.copy_(tensor(p.Slice(layer.BiasOffset, layer.Units).ToArray()));
            }

            modules.Add(($"linear{layer.Number}", linear));
            nn.Module<Tensor, Tensor>? activation = layer.Activation switch
            {
                Activation.Tanh => nn.Tanh(),
                Activation.ReLU => nn.ReLU(),
                Activation.Softmax => null, // folded into the loss (cross_entropy) and applied for inference below
                _ => null,
            };
            if (activation is not null)
            {
                modules.Add(($"activation{layer.Number}", activation));
            }
        }

        return nn.Sequential(modules);
    }

    public static int Threads
    {
        get => torch.get_num_threads();
        set => torch.set_num_threads(value);
    }

    /// <summary>Inference under no_grad, copying the output out as a user would.</summary>
    public void Forward(float[] output)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor y = _model.forward(_input);
        if (_crossEntropy)
        {
            y = nn.functional.softmax(y, 1);
        }

        y.data<float>().CopyTo(output, 0);
    }

    /// <summary>One training step: zero_grad, forward, loss, backward, SGD step.</summary>
    public void TrainStep()
    {
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        Tensor y = _model.forward(_input);
        Tensor loss = _crossEntropy ? nn.functional.cross_entropy(y, _target) : 0.5f * (y - _target).pow(2).sum();
        loss.backward();
        _optimizer.step();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
        _input.Dispose();
        _target.Dispose();
    }
}

/// <summary>Mini-batch and full-batch training in TorchSharp, as a user writes it: the whole data set as one tensor,
/// <c>narrow</c> for each batch, zero_grad, forward, loss (cross-entropy from the logits, or mean squared error),
/// backward, optimizer step.</summary>
public sealed class TorchTrainer : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly Tensor _inputs;
    private readonly Tensor _targets;
    private readonly optim.Optimizer _optimizer;
    private readonly bool _crossEntropy;

    public TorchTrainer(INeuralNetwork<float> net, float[] inputs, float[] targets, bool adam, double learningRate)
    {
        int count = inputs.Length / net.InputSize;
        _crossEntropy = net.Loss == LossFunction.CrossEntropy;
        _model = TorchModel.Build(net);
        _inputs = tensor(inputs, new long[] { count, net.InputSize });
        _targets = _crossEntropy
            ? tensor(Enumerable.Range(0, count).Select(s => (long)Array.IndexOf(targets, 1f, s * net.OutputSize, net.OutputSize) - (s * net.OutputSize)).ToArray())
            : tensor(targets, new long[] { count, net.OutputSize });
        _optimizer = adam ? optim.Adam(_model.parameters(), learningRate) : optim.SGD(_model.parameters(), learningRate);
    }

    /// <summary>One step on samples [start, start + rows).</summary>
    public void Step(int start, int rows)
    {
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        Tensor y = _model.forward(_inputs.narrow(0, start, rows));
        Tensor d = _targets.narrow(0, start, rows);
        Tensor loss = _crossEntropy ? nn.functional.cross_entropy(y, d) : nn.functional.mse_loss(y, d);
        loss.backward();
        _optimizer.step();
    }

    /// <summary>The share of samples in [start, start + rows) whose largest output is the target class.</summary>
    public double Accuracy(int start, int rows)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor predicted = _model.forward(_inputs.narrow(0, start, rows)).argmax(1);
        return predicted.eq(_targets.narrow(0, start, rows)).sum().ToInt64() / (double)rows;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
        _inputs.Dispose();
        _targets.Dispose();
    }
}
