using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Reference.Tests;

/// <summary>The same network in TorchSharp, built from a generated network's <see cref="INeuralNetwork{T}.Layers"/>:
/// weights <c>[out, in]</c> as <c>nn.Linear</c> holds them, PyTorch's activations and losses, and maxout from
/// <c>view</c> and <c>max</c>. Parameters are copied from the NetGen network, so both start identical.</summary>
internal sealed class TorchMirror<T> : IDisposable where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    private readonly INeuralNetwork<T> _network;
    private readonly List<(Parameter Weight, Parameter? Bias)> _layers = new();

    public TorchMirror(INeuralNetwork<T> network)
    {
        _network = network;
        ReadOnlySpan<T> p = network.Parameters;
        foreach (LayerInfo layer in network.Layers)
        {
            if (layer.IsLayerNorm)
            {
                // nn.LayerNorm's weight (gamma) and bias (beta), one per unit.
                int g = layer.NormalizedLength;
                _layers.Add((
                    new Parameter(Tensor(p.Slice(layer.WeightOffset, g).ToArray(), [g])),
                    new Parameter(Tensor(p.Slice(layer.BiasOffset, g).ToArray(), [g]))));
                continue;
            }

            // NetGen stores W input-major, W[j * m + i]; nn.Linear holds [out, in], W[i * n + j].
            int n = layer.FanIn, m = layer.AffineOutputs;
            var weight = new T[m * n];
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    weight[(i * n) + j] = p[layer.WeightOffset + (j * m) + i];
                }
            }

            _layers.Add((
                new Parameter(Tensor(weight, [m, n])),
                layer.HasBias ? new Parameter(Tensor(p.Slice(layer.BiasOffset, m).ToArray(), [m])) : null)); // nn.Linear(bias=False)
        }
    }

    /// <summary>A tensor of T with the given shape.</summary>
    public static Tensor Tensor(T[] values, long[] shape) => typeof(T) == typeof(float)
        ? tensor((float[])(object)values, shape)
        : tensor((double[])(object)values, shape);

    public IEnumerable<Parameter> Parameters => _layers.SelectMany(l => l.Bias is null ? new[] { l.Weight } : new[] { l.Weight, l.Bias });

    /// <summary>Forward on a batch [B, in]; returns the last layer's pre-activation (logits) and output.</summary>
    public (Tensor Logits, Tensor Output) Forward(Tensor x)
    {
        Tensor h = x, a = x;
        for (int k = 0; k < _layers.Count; k++)
        {
            LayerInfo layer = _network.Layers[k];
            a = layer.IsLayerNorm
                ? F.layer_norm(h.view(h.shape[0], layer.Units / layer.NormalizedLength, layer.NormalizedLength), [layer.NormalizedLength], _layers[k].Weight, _layers[k].Bias, layer.Epsilon).view(h.shape[0], layer.Units)
                : F.linear(h, _layers[k].Weight, _layers[k].Bias);
            h = layer.IsMaxout
                ? a.view(a.shape[0], layer.Pieces, layer.Units).max(1).values // piece-major: output p * units + i
                : layer.Activation switch
                {
                    Activation.Identity => a,
                    Activation.Sigmoid => torch.sigmoid(a),
                    Activation.Tanh => torch.tanh(a),
                    Activation.ReLU => F.relu(a),
                    Activation.LeakyReLU => F.leaky_relu(a, layer.Alpha),
                    Activation.ELU => F.elu(a, layer.Alpha),
                    _ => F.softmax(a, 1),
                };
        }

        return (a, h);
    }

    /// <summary>The summed per-sample loss over a batch, as NetGen defines it.</summary>
    public Tensor Loss(Tensor x, Tensor d)
    {
        (Tensor logits, Tensor y) = Forward(x);
        return _network.Loss switch
        {
            LossFunction.MeanSquaredError => 0.5 * (y - d).pow(2).sum(),
            LossFunction.CrossEntropy => -(d * F.log_softmax(logits, 1)).sum(),
            _ => F.binary_cross_entropy_with_logits(logits, d, reduction: nn.Reduction.Sum),
        };
    }

    /// <summary>The parameters (or their gradients) in NetGen's layout: per layer, W input-major, then b.</summary>
    public T[] Flatten(bool gradients)
    {
        var flat = new T[_network.ParameterCount];
        for (int k = 0; k < _layers.Count; k++)
        {
            LayerInfo layer = _network.Layers[k];
            int n = layer.FanIn, m = layer.AffineOutputs;
            T[] weight = (gradients ? _layers[k].Weight.grad! : _layers[k].Weight).data<T>().ToArray();
            Parameter? b = _layers[k].Bias;
            T[] bias = b is null ? Array.Empty<T>() : (gradients ? b.grad! : b).data<T>().ToArray();
            if (layer.IsLayerNorm)
            {
                weight.CopyTo(flat, layer.WeightOffset);
                bias.CopyTo(flat, layer.BiasOffset);
                continue;
            }

            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    flat[layer.WeightOffset + (j * m) + i] = weight[(i * n) + j];
                }

                if (layer.HasBias)
                {
                    flat[layer.BiasOffset + i] = bias[i];
                }
            }
        }

        return flat;
    }

    public void Dispose()
    {
        foreach ((Parameter weight, Parameter? bias) in _layers)
        {
            weight.Dispose();
            bias?.Dispose();
        }
    }
}
