using System;
using System.Linq;

namespace NetGen.Tests;

/// <summary>A dense layer evaluated naively in double from float weights (what generated code computes in float): the
/// reference the ONNX import tests hold the importer's layers to.</summary>
/// <param name="Weight">W as rows, [units][fanIn] (nn.Linear's layout).</param>
internal sealed record ReferenceDense(double[][] Weight, double[] Bias, string Activation, double Alpha)
{
    public static double[] Evaluate(System.Collections.Generic.IEnumerable<ReferenceDense> layers, double[] x)
    {
        double[] h = x;
        foreach (ReferenceDense layer in layers)
        {
            double[] input = h;
            double[] a = layer.Weight.Select((row, m) => row.Select((v, k) => (double)(float)v * input[k]).Sum() + (float)layer.Bias[m]).ToArray();
            h = layer.Activation switch
            {
                "Identity" => a,
                "ReLU" => a.Select(v => Math.Max(v, 0)).ToArray(),
                "Tanh" => a.Select(Math.Tanh).ToArray(),
                "Sigmoid" => a.Select(v => 1 / (1 + Math.Exp(-v))).ToArray(),
                "LeakyReLU" => a.Select(v => v > 0 ? v : layer.Alpha * v).ToArray(),
                "ELU" => a.Select(v => v > 0 ? v : layer.Alpha * (Math.Exp(v) - 1)).ToArray(),
                "Softmax" => Softmax(a),
                _ => throw new InvalidOperationException(layer.Activation),
            };
        }

        return h;
    }

    private static double[] Softmax(double[] a)
    {
        double max = a.Max();
        double[] e = a.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }
}
