using System;
using System.Collections.Generic;
using System.Linq;

namespace NetGen.Generator.Tests;

/// <summary>The textbook multilayer perceptron, written naively and independently of the generator, in double precision:
/// <c>a_k = W_k h_{k-1} + b_k</c>, <c>h_k = g_k(a_k)</c>, with the documented parameter layout (layer by layer, W_k
/// input-major then b_k; maxout outputs piece-major).</summary>
public static class ReferenceNetwork
{
    public static (List<double[]> A, List<double[]> H) Forward(Topology topology, ReadOnlySpan<double> p, ReadOnlySpan<double> x)
    {
        var a = new List<double[]>();
        var h = new List<double[]> { x.ToArray() };
        int offset = 0;
        foreach (LayerDescription layer in topology.Layers)
        {
            double[] input = h[^1];
            if (layer.IsLayerNorm)
            {
                // a = gamma (x - mu) / sqrt(var + eps) + beta over each group of g values, var the biased variance;
                // gamma then beta in the block, g of each.
                int g = layer.NormalizedLength;
                double[] normalised = new double[input.Length];
                for (int start = 0; start < input.Length; start += g)
                {
                    double[] group = input.AsSpan(start, g).ToArray();
                    double mu = group.Average();
                    double variance = group.Sum(v => (v - mu) * (v - mu)) / g;
                    double inverse = 1 / Math.Sqrt(variance + layer.Epsilon);
                    for (int i = 0; i < g; i++)
                    {
                        normalised[start + i] = (p[offset + i] * (group[i] - mu) * inverse) + p[offset + g + i];
                    }
                }

                offset += 2 * g;
                a.Add(normalised);
                h.Add(Activate(layer, normalised, p, ref offset));
                continue;
            }

            int n = input.Length, m = layer.AffineOutputs;
            var ak = new double[m];
            for (int i = 0; i < m; i++)
            {
                double sum = layer.Bias ? p[offset + (n * m) + i] : 0;
                for (int j = 0; j < n; j++)
                {
                    sum += p[offset + (j * m) + i] * input[j];
                }

                ak[i] = sum;
            }

            offset += (n * m) + (layer.Bias ? m : 0);
            a.Add(ak);
            h.Add(Activate(layer, ak, p, ref offset));
        }

        return (a, h);
    }

    /// <summary>A PReLU takes its slopes, one per unit, from the parameters after the layer's biases (advancing
    /// <paramref name="offset"/>); the other activations have no parameters.</summary>
    public static double[] Activate(LayerDescription layer, double[] a, ReadOnlySpan<double> p, ref int offset)
    {
        if (layer.Activation != Activation.PReLU || layer.IsMaxout)
        {
            return Activate(layer, a);
        }

        var h = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            h[i] = a[i] > 0 ? a[i] : p[offset + i] * a[i];
        }

        offset += a.Length;
        return h;
    }

    public static double[] Activate(LayerDescription layer, double[] a)
    {
        if (layer.IsMaxout)
        {
            return Enumerable.Range(0, layer.Units)
                .Select(i => Enumerable.Range(0, layer.Pieces).Max(piece => a[(piece * layer.Units) + i]))
                .ToArray();
        }

        double alpha = layer.EffectiveAlpha;
        switch (layer.Activation)
        {
            case Activation.Softmax:
                double max = a.Max();
                double[] e = a.Select(v => Math.Exp(v - max)).ToArray();
                double sum = e.Sum();
                return e.Select(v => v / sum).ToArray();
            default:
                return a.Select(v => layer.Activation switch
                {
                    Activation.Identity => v,
                    Activation.Sigmoid => 1.0 / (1.0 + Math.Exp(-v)),
                    Activation.Tanh => Math.Tanh(v),
                    Activation.ReLU => Math.Max(0.0, v),
                    Activation.LeakyReLU => v > 0 ? v : alpha * v,
                    Activation.ELU => v > 0 ? v : alpha * (Math.Exp(v) - 1.0),
                    _ => throw new InvalidOperationException(),
                }).ToArray();
        }
    }

    /// <summary>The loss by its definition (not the logits form the generated code uses).</summary>
    public static double Loss(Topology topology, ReadOnlySpan<double> p, ReadOnlySpan<double> x, ReadOnlySpan<double> d)
    {
        double[] y = Forward(topology, p, x).H[^1];
        double loss = 0;
        for (int k = 0; k < y.Length; k++)
        {
            loss += topology.Loss switch
            {
                LossFunction.MeanSquaredError => 0.5 * (y[k] - d[k]) * (y[k] - d[k]),
                LossFunction.CrossEntropy => -d[k] * Math.Log(y[k]),
                _ => -(d[k] * Math.Log(y[k]) + ((1 - d[k]) * Math.Log(1 - y[k]))),
            };
        }

        return loss;
    }

    /// <summary>How far the sample is from every kink (ReLU family at 0, maxout ties): finite differences are only
    /// meaningful where this is larger than the perturbation.</summary>
    public static double DistanceToKinks(Topology topology, ReadOnlySpan<double> p, ReadOnlySpan<double> x)
    {
        (List<double[]> a, _) = Forward(topology, p, x);
        double distance = double.PositiveInfinity;
        for (int k = 0; k < topology.Layers.Count; k++)
        {
            LayerDescription layer = topology.Layers[k];
            if (layer.IsMaxout)
            {
                for (int i = 0; i < layer.Units; i++)
                {
                    double[] pieces = Enumerable.Range(0, layer.Pieces).Select(piece => a[k][(piece * layer.Units) + i]).OrderDescending().ToArray();
                    distance = Math.Min(distance, pieces[0] - pieces[1]);
                }
            }
            else if (layer.Activation is Activation.ReLU or Activation.LeakyReLU or Activation.ELU or Activation.PReLU)
            {
                distance = Math.Min(distance, a[k].Min(Math.Abs));
            }
        }

        return distance;
    }
}
