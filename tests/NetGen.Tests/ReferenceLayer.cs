using System;
using System.Linq;

namespace NetGen.Tests;

/// <summary>A layer evaluated naively in double from float weights (what generated code computes in float): the
/// reference the ONNX import tests hold the importer's layers to. A dense layer, or, with a positive
/// <paramref name="Epsilon"/>, a layer normalisation <c>gamma (x - mu) / sqrt(var + eps) + beta</c>.</summary>
/// <param name="Weight">W as rows, [units][fanIn] (nn.Linear's layout); for a layer normalisation one row, gamma.</param>
/// <param name="Bias">b; for a layer normalisation, beta.</param>
/// <param name="Epsilon">A layer normalisation's epsilon; 0 for a dense layer.</param>
/// <remarks>A layer normalisation normalises each run of gamma's length on its own (one run, or several groups).</remarks>
/// <param name="SoftmaxSize">A softmax's group length; 0 for one softmax over all outputs.</param>
/// <param name="Spatial">A convolution or pool, computed by the runtime's <c>Convolution</c> kernels in double (they are
/// held to TorchSharp elsewhere; here the question is whether the importer's geometry is ONNX's), with
/// <paramref name="Weight"/> holding one row, the convolution's weights flattened.</param>
internal sealed record ReferenceLayer(double[][] Weight, double[] Bias, string Activation, double Alpha, double Epsilon = 0, int SoftmaxSize = 0, SpatialReference? Spatial = null)
{
    public static double[] Evaluate(System.Collections.Generic.IEnumerable<ReferenceLayer> layers, double[] x)
    {
        double[] h = x;
        foreach (ReferenceLayer layer in layers)
        {
            double[] input = h;
            double[] a = layer.Spatial is { } spatial ? spatial.Apply(layer.Weight[0], layer.Bias, input)
                : layer.Epsilon > 0 ? Normalise(layer, input)
                : layer.Weight.Select((row, m) => row.Select((v, k) => (double)(float)v * input[k]).Sum() + (float)layer.Bias[m]).ToArray();
            h = layer.Activation switch
            {
                "Identity" => a,
                "ReLU" => a.Select(v => Math.Max(v, 0)).ToArray(),
                "Tanh" => a.Select(Math.Tanh).ToArray(),
                "Sigmoid" => a.Select(v => 1 / (1 + Math.Exp(-v))).ToArray(),
                "LeakyReLU" => a.Select(v => v > 0 ? v : layer.Alpha * v).ToArray(),
                "ELU" => a.Select(v => v > 0 ? v : layer.Alpha * (Math.Exp(v) - 1)).ToArray(),
                "Softmax" => layer.SoftmaxSize > 0 ? a.Chunk(layer.SoftmaxSize).SelectMany(Softmax).ToArray() : Softmax(a),
                "LogSoftmax" => (layer.SoftmaxSize > 0 ? a.Chunk(layer.SoftmaxSize).SelectMany(Softmax).ToArray() : Softmax(a)).Select(v => Math.Log(v)).ToArray(),
                _ => throw new InvalidOperationException(layer.Activation),
            };
        }

        return h;
    }

    private static double[] Normalise(ReferenceLayer layer, double[] x)
    {
        int g = layer.Weight[0].Length;
        var a = new double[x.Length];
        for (int start = 0; start < x.Length; start += g)
        {
            double[] group = x.AsSpan(start, g).ToArray();
            double mean = group.Average();
            double variance = group.Sum(v => (v - mean) * (v - mean)) / g;
            double inverse = 1 / Math.Sqrt(variance + (float)layer.Epsilon);
            for (int i = 0; i < g; i++)
            {
                a[start + i] = ((float)layer.Weight[0][i] * (group[i] - mean) * inverse) + (float)layer.Bias[i];
            }
        }

        return a;
    }

    private static double[] Softmax(double[] a)
    {
        double max = a.Max();
        double[] e = a.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }
}

/// <summary>A convolution (<c>conv</c>), max pool (<c>maxpool</c>) or average pool (<c>avgpool</c>) over one sample.</summary>
internal sealed record SpatialReference(string Kind, NetGen.Runtime.ConvolutionShape Shape, bool CountIncludePad = false)
{
    public double[] Apply(double[] weight, double[] bias, double[] x)
    {
        var a = new double[Shape.OutputSize];
        switch (Kind)
        {
            case "conv":
                // Float weights, as generated code holds them.
                NetGen.Runtime.Convolution.Convolve<double>(weight.Select(v => (double)(float)v).ToArray(), bias.Select(v => (double)(float)v).ToArray(), x, Shape, a);
                break;
            case "maxpool":
                NetGen.Runtime.Convolution.MaxPool<double>(x, Shape, a);
                break;
            default:
                NetGen.Runtime.Convolution.AvgPool<double>(x, Shape, CountIncludePad, a);
                break;
        }

        return a;
    }
}
