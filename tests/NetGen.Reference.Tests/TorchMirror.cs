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
    private readonly List<(Parameter? Weight, Parameter? Bias)> _layers = new();
    private readonly Dictionary<int, Parameter> _slopes = new(); // PReLU's weight, by layer index

    public TorchMirror(INeuralNetwork<T> network)
    {
        _network = network;
        ReadOnlySpan<T> p = network.Parameters;
        foreach (LayerInfo layer in network.Layers)
        {
            if (layer.SlopeCount > 0)
            {
                _slopes[layer.Number - 1] = new Parameter(Tensor(p.Slice(layer.SlopeOffset, layer.SlopeCount).ToArray(), [layer.SlopeCount]));
            }

            if (layer.Convolution is { } c)
            {
                // A convolution's weight is Conv2d.weight ([out, in/groups, kh, kw], or [out, in/groups, k]) in NetGen's own
                // order; a pool has no parameters.
                if (!c.IsConvolution)
                {
                    _layers.Add((null, null));
                    continue;
                }

                long[] shape = c.Dimensions == 2
                    ? [c.Shape.OutChannels, c.Shape.InChannels / c.Shape.Groups, c.Shape.KernelHeight, c.Shape.KernelWidth]
                    : [c.Shape.OutChannels, c.Shape.InChannels / c.Shape.Groups, c.Shape.KernelWidth];
                _layers.Add((
                    new Parameter(Tensor(p.Slice(layer.WeightOffset, layer.WeightCount).ToArray(), shape)),
                    layer.HasBias ? new Parameter(Tensor(p.Slice(layer.BiasOffset, layer.BiasCount).ToArray(), [layer.BiasCount])) : null));
                continue;
            }

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

    public IEnumerable<Parameter> Parameters => _layers.SelectMany((l, k) => new[] { l.Weight, l.Bias, _slopes.GetValueOrDefault(k) }).OfType<Parameter>();

    /// <summary>Forward on a batch [B, in]; returns the last layer's pre-activation (logits) and output.</summary>
    public (Tensor Logits, Tensor Output) Forward(Tensor x)
    {
        Tensor h = x, a = x;
        for (int k = 0; k < _layers.Count; k++)
        {
            LayerInfo layer = _network.Layers[k];
            a = layer.Convolution is { } c
                ? Spatial(h, c, _layers[k].Weight, _layers[k].Bias)
                : layer.IsLayerNorm
                ? F.layer_norm(h.view(h.shape[0], layer.Units / layer.NormalizedLength, layer.NormalizedLength), [layer.NormalizedLength], _layers[k].Weight!, _layers[k].Bias, layer.Epsilon).view(h.shape[0], layer.Units)
                : F.linear(h, _layers[k].Weight!, _layers[k].Bias);
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
                    Activation.PReLU => F.prelu(a.view(a.shape[0], layer.SlopeCount, -1), _slopes[k]).view(a.shape[0], -1), // one slope per channel (unit)
                    _ => F.softmax(a, 1),
                };
        }

        return (a, h);
    }

    /// <summary>A convolution or pool with PyTorch's functional ops, on a batch [B, C*H*W] flattened channel-major:
    /// reshaped to NCHW (NCL), computed, and flattened back. Asymmetric padding (SAME_UPPER, causal) is an explicit
    /// <c>F.pad</c> first.</summary>
    private static Tensor Spatial(Tensor h, ConvolutionInfo c, Parameter? weight, Parameter? bias)
    {
        Runtime.ConvolutionShape s = c.Shape;
        bool two = c.Dimensions == 2;
        Tensor x = two ? h.view(h.shape[0], s.InChannels, s.InHeight, s.InWidth) : h.view(h.shape[0], s.InChannels, s.InWidth);
        bool symmetric = s.PadTop == s.PadBottom && s.PadLeft == s.PadRight;
        Tensor y;
        if (c.IsConvolution)
        {
            if (!symmetric)
            {
                x = F.pad(x, two ? [s.PadLeft, s.PadRight, s.PadTop, s.PadBottom] : [s.PadLeft, s.PadRight]);
            }

            long pt = symmetric ? s.PadTop : 0, pl = symmetric ? s.PadLeft : 0;
            y = two
                ? F.conv2d(x, weight!, bias, strides: [s.StrideHeight, s.StrideWidth], padding: [pt, pl], dilation: [s.DilationHeight, s.DilationWidth], groups: s.Groups)
                : F.conv1d(x, weight!, bias, stride: s.StrideWidth, padding: pl, dilation: s.DilationWidth, groups: s.Groups);
        }
        else if (c.Type == "globalavgpool")
        {
            y = two ? x.mean([2, 3]) : x.mean([2]);
        }
        else if (c.Type.StartsWith("max", StringComparison.Ordinal))
        {
            y = two
                ? F.max_pool2d(x, [s.KernelHeight, s.KernelWidth], [s.StrideHeight, s.StrideWidth], [s.PadTop, s.PadLeft], ceil_mode: c.CeilMode)
                : F.max_pool1d(x, s.KernelWidth, s.StrideWidth, s.PadLeft, ceil_mode: c.CeilMode);
        }
        else
        {
            y = two
                ? F.avg_pool2d(x, [s.KernelHeight, s.KernelWidth], [s.StrideHeight, s.StrideWidth], [s.PadTop, s.PadLeft], ceil_mode: c.CeilMode, count_include_pad: c.CountIncludePad)
                : F.avg_pool1d(x, s.KernelWidth, s.StrideWidth, s.PadLeft, ceil_mode: c.CeilMode, count_include_pad: c.CountIncludePad);
        }

        return y.reshape(h.shape[0], -1);
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
            if (_slopes.TryGetValue(k, out Parameter? slopes))
            {
                (gradients ? slopes.grad! : slopes).data<T>().ToArray().CopyTo(flat, layer.SlopeOffset);
            }

            if (_layers[k].Weight is not { } w)
            {
                continue; // a pool
            }

            T[] weight = (gradients ? w.grad! : w).data<T>().ToArray();
            Parameter? b = _layers[k].Bias;
            T[] bias = b is null ? Array.Empty<T>() : (gradients ? b.grad! : b).data<T>().ToArray();
            if (layer.IsLayerNorm || layer.IsConvolution)
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
        foreach ((Parameter? weight, Parameter? bias) in _layers)
        {
            weight?.Dispose();
            foreach (Parameter slope in _slopes.Values)
            {
                slope.Dispose();
            }

            _slopes.Clear();
            bias?.Dispose();
        }
    }
}
