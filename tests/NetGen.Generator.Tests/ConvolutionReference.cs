using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NetGen.Generator.Tests;

/// <summary>One layer of a convolutional test network, as its attribute is written. The shape fields are the settings,
/// per axis (a 1-D layer uses the width fields only).</summary>
public sealed record ConvLayer(
    string Kind,                 // Conv, MaxPool, AvgPool, Global, Dense
    int Filters = 0,
    int KernelHeight = 1,
    int KernelWidth = 1,
    int StrideHeight = 1,
    int StrideWidth = 1,
    int PadHeight = 0,
    int PadWidth = 0,
    int DilationHeight = 1,
    int DilationWidth = 1,
    int Groups = 1,
    string Mode = "Explicit",    // Explicit, Same, Causal
    bool CeilMode = false,
    bool CountIncludePad = true,
    bool Bias = true,
    Activation Activation = Activation.Identity,
    double? Alpha = null,
    int Units = 0)
{
    public double EffectiveAlpha => Alpha ?? (Activation == Activation.ELU ? 1.0 : 0.01);
}

/// <summary>A convolutional test network: an input of C x H x W (or C x L, <see cref="Dimensions"/> 1), its layers and a
/// loss, with the attribute source, the shapes between the layers and a naive reference of the forward pass and the loss,
/// written from the definitions (PyTorch's) and independently of the generator and of the runtime.</summary>
public sealed record ConvTopology(string Name, int Dimensions, int Channels, int Height, int Width, IReadOnlyList<ConvLayer> Layers, LossFunction Loss)
{
    public int InputSize => Channels * Height * Width;

    /// <summary>(C, H, W) before each layer and after the last.</summary>
    public List<(int C, int H, int W)> Shapes()
    {
        var shapes = new List<(int C, int H, int W)> { (Channels, Height, Width) };
        foreach (ConvLayer layer in Layers)
        {
            (int c, int h, int w) = shapes[^1];
            shapes.Add(layer.Kind switch
            {
                "Dense" => (layer.Units, 1, 1),
                "Global" => (c, 1, 1),
                _ => (layer.Kind == "Conv" ? layer.Filters : c,
                      Dimensions == 1 ? 1 : Positions(h, layer.KernelHeight, layer.StrideHeight, layer.DilationHeight, Padding(layer, h, vertical: true), layer.CeilMode),
                      Positions(w, layer.KernelWidth, layer.StrideWidth, layer.DilationWidth, Padding(layer, w, vertical: false), layer.CeilMode)),
            });
        }

        return shapes;
    }

    public int OutputSize => Shapes()[^1] is var s ? s.C * s.H * s.W : 0;

    /// <summary>Padding before and after on one axis.</summary>
    public (int Before, int After) Padding(ConvLayer layer, int size, bool vertical)
    {
        int k = vertical ? layer.KernelHeight : layer.KernelWidth, s = vertical ? layer.StrideHeight : layer.StrideWidth;
        int d = vertical ? layer.DilationHeight : layer.DilationWidth, p = vertical ? layer.PadHeight : layer.PadWidth;
        if (vertical && Dimensions == 1)
        {
            return (0, 0);
        }

        switch (layer.Mode)
        {
            case "Same":
                int outputs = (size + s - 1) / s;
                int total = Math.Max(0, ((outputs - 1) * s) + ((k - 1) * d) + 1 - size);
                return (total / 2, total - (total / 2));
            case "Causal":
                return (d * (k - 1), 0);
            default:
                return (p, p);
        }
    }

    private static int Positions(int size, int k, int s, int d, (int Before, int After) pad, bool ceil)
    {
        int span = size + pad.Before + pad.After - (d * (k - 1)) - 1;
        if (span < 0)
        {
            return 0;
        }

        int outputs = (ceil ? (int)Math.Ceiling(span / (double)s) : span / s) + 1;
        if (ceil && (outputs - 1) * s >= size + pad.Before)
        {
            outputs--;
        }

        return outputs;
    }

    public int ParameterCount
    {
        get
        {
            List<(int C, int H, int W)> shapes = Shapes();
            int count = 0;
            for (int l = 0; l < Layers.Count; l++)
            {
                ConvLayer layer = Layers[l];
                (int c, int h, int w) = shapes[l];
                count += layer.Kind switch
                {
                    "Conv" => (layer.Filters * (c / layer.Groups) * layer.KernelHeight * layer.KernelWidth) + (layer.Bias ? layer.Filters : 0),
                    "Dense" => (c * h * w * layer.Units) + (layer.Bias ? layer.Units : 0),
                    _ => 0,
                };
                count += Slopes(layer);
            }

            return count;
        }
    }

    /// <summary>A PReLU layer's slopes (one per filter, or per unit), stored after its biases.</summary>
    public static int Slopes(ConvLayer layer) => layer.Activation != Activation.PReLU ? 0 : layer.Kind == "Conv" ? layer.Filters : layer.Units;

    public string ToSource(bool isDouble, string suffix)
    {
        var text = new StringBuilder();
        if (isDouble)
        {
            text.AppendLine("[Network(Precision = Precision.Double)]");
        }

        text.AppendLine(Dimensions == 2 ? $"[Input({Channels}, {Height}, {Width})]" : $"[Input({Channels}, {Width})]");
        foreach (ConvLayer layer in Layers)
        {
            text.AppendLine(Attribute(layer));
        }

        text.AppendLine($"[Loss(LossFunction.{Loss})]");
        text.AppendLine($"public partial class {Name}{suffix};");
        return text.ToString();
    }

    private string Attribute(ConvLayer l)
    {
        string alpha = l.Alpha is { } a ? $", Alpha = {a.ToString("R", CultureInfo.InvariantCulture)}" : string.Empty;
        string d = Dimensions == 2 ? "2D" : "1D";
        switch (l.Kind)
        {
            case "Dense":
                return $"[Dense({l.Units}, Activation.{l.Activation}{alpha}{(l.Bias ? string.Empty : ", Bias = false")})]";
            case "Global":
                return "[GlobalAvgPool]";
            case "MaxPool":
            case "AvgPool":
                var pool = new List<string> { l.KernelWidth.ToString(CultureInfo.InvariantCulture) };
                if (l.StrideWidth != l.KernelWidth)
                {
                    pool.Add($"Stride = {l.StrideWidth}");
                }

                if (l.PadWidth != 0)
                {
                    pool.Add($"Padding = {l.PadWidth}");
                }

                if (l.CeilMode)
                {
                    pool.Add("CeilMode = true");
                }

                if (l.Kind == "AvgPool" && !l.CountIncludePad)
                {
                    pool.Add("CountIncludePad = false");
                }

                return $"[{l.Kind}{d}({string.Join(", ", pool)})]";
            default:
                var parts = new List<string>();
                if (Dimensions == 2)
                {
                    parts.Add(l.KernelHeight == l.KernelWidth ? $"{l.Filters}, {l.KernelWidth}" : $"{l.Filters}, {l.KernelHeight}, {l.KernelWidth}");
                }
                else
                {
                    parts.Add($"{l.Filters}, {l.KernelWidth}");
                }

                parts.Add($"Activation.{l.Activation}");
                if (alpha.Length > 0)
                {
                    parts.Add(alpha.Substring(2));
                }

                if (Dimensions == 2)
                {
                    parts.Add($"StrideHeight = {l.StrideHeight}, StrideWidth = {l.StrideWidth}");
                    parts.Add($"DilationHeight = {l.DilationHeight}, DilationWidth = {l.DilationWidth}");
                    parts.Add($"PaddingHeight = {l.PadHeight}, PaddingWidth = {l.PadWidth}");
                }
                else
                {
                    parts.Add($"Stride = {l.StrideWidth}, Dilation = {l.DilationWidth}, Padding = {l.PadWidth}");
                }

                if (l.Mode != "Explicit")
                {
                    parts.Add($"PaddingMode = PaddingMode.{l.Mode}");
                }

                if (l.Groups != 1)
                {
                    parts.Add($"Groups = {l.Groups}");
                }

                if (!l.Bias)
                {
                    parts.Add("Bias = false");
                }

                return $"[Conv{d}({string.Join(", ", parts)})]";
        }
    }

    public override string ToString() => $"{Name}: {(Dimensions == 2 ? $"{Channels}x{Height}x{Width}" : $"{Channels}x{Width}")} -> " +
        string.Join(" -> ", Layers.Zip(Shapes().Skip(1)).Select(z => $"{z.First.Kind}{(z.First.Kind == "Conv" ? $"(k{z.First.KernelHeight}x{z.First.KernelWidth} s{z.First.StrideHeight}x{z.First.StrideWidth} d{z.First.DilationHeight}x{z.First.DilationWidth} p{z.First.PadHeight}x{z.First.PadWidth} {z.First.Mode} g{z.First.Groups} {z.First.Activation})" : string.Empty)}[{z.Second.C}x{z.Second.H}x{z.Second.W}]")) + $", {Loss}";
}

/// <summary>The naive reference: seven loops per convolution, PyTorch's pooling rules, the documented parameter layout
/// (a convolution's weights <c>[o][c][i][j]</c> then its biases; a dense layer's weights input-major then its biases).</summary>
public static class ConvolutionReference
{
    /// <summary>Every layer's pre-activation and output; the smallest distance of any pre-activation to a kink of its
    /// activation, and of any max window's winner to its runner-up (a finite difference must not cross either).</summary>
    public static (List<double[]> A, List<double[]> H, double Margin) Forward(ConvTopology net, ReadOnlySpan<double> p, ReadOnlySpan<double> x)
    {
        List<(int C, int H, int W)> shapes = net.Shapes();
        var a = new List<double[]>();
        var h = new List<double[]> { x.ToArray() };
        double margin = double.PositiveInfinity;
        int offset = 0;
        for (int l = 0; l < net.Layers.Count; l++)
        {
            ConvLayer layer = net.Layers[l];
            (int c, int hh, int ww) = shapes[l];
            (int oc, int oh, int ow) = shapes[l + 1];
            double[] input = h[^1];
            var output = new double[oc * oh * ow];
            (int top, int bottom) = net.Padding(layer, hh, vertical: true);
            (int left, int right) = net.Padding(layer, ww, vertical: false);
            double At(int channel, int row, int column) =>
                row < 0 || row >= hh || column < 0 || column >= ww ? double.NaN : input[(((channel * hh) + row) * ww) + column];
            switch (layer.Kind)
            {
                case "Conv":
                    int perGroup = c / layer.Groups, outPerGroup = oc / layer.Groups;
                    int weights = oc * perGroup * layer.KernelHeight * layer.KernelWidth;
                    for (int o = 0; o < oc; o++)
                    {
                        int g = o / outPerGroup;
                        for (int y = 0; y < oh; y++)
                        {
                            for (int xo = 0; xo < ow; xo++)
                            {
                                double sum = layer.Bias ? p[offset + weights + o] : 0;
                                for (int ci = 0; ci < perGroup; ci++)
                                {
                                    for (int i = 0; i < layer.KernelHeight; i++)
                                    {
                                        for (int j = 0; j < layer.KernelWidth; j++)
                                        {
                                            double v = At((g * perGroup) + ci, (y * layer.StrideHeight) + (i * layer.DilationHeight) - top, (xo * layer.StrideWidth) + (j * layer.DilationWidth) - left);
                                            if (!double.IsNaN(v))
                                            {
                                                sum += p[offset + (((((o * perGroup) + ci) * layer.KernelHeight) + i) * layer.KernelWidth) + j] * v;
                                            }
                                        }
                                    }
                                }

                                output[(((o * oh) + y) * ow) + xo] = sum;
                            }
                        }
                    }

                    offset += weights + (layer.Bias ? oc : 0);
                    break;
                case "MaxPool":
                case "AvgPool":
                case "Global":
                    int kh = layer.Kind == "Global" ? hh : layer.KernelHeight, kw = layer.Kind == "Global" ? ww : layer.KernelWidth;
                    int sh = layer.Kind == "Global" ? 1 : layer.StrideHeight, sw = layer.Kind == "Global" ? 1 : layer.StrideWidth;
                    if (net.Dimensions == 1 && layer.Kind != "Global")
                    {
                        (kh, sh) = (1, 1);
                    }

                    for (int ch = 0; ch < c; ch++)
                    {
                        for (int y = 0; y < oh; y++)
                        {
                            for (int xo = 0; xo < ow; xo++)
                            {
                                int y0 = (y * sh) - top, x0 = (xo * sw) - left;
                                var values = new List<double>();
                                for (int i = 0; i < kh; i++)
                                {
                                    for (int j = 0; j < kw; j++)
                                    {
                                        double v = At(ch, y0 + i, x0 + j);
                                        if (!double.IsNaN(v))
                                        {
                                            values.Add(v);
                                        }
                                    }
                                }

                                double result;
                                if (layer.Kind == "MaxPool")
                                {
                                    result = values.Max();
                                    if (values.Count > 1)
                                    {
                                        // Exact ties come from values computed alike (ReLU zeros, windows all in the padding),
                                        // which move together: only a near tie can flip under a finite difference.
                                        double[] sorted = values.OrderByDescending(v => v).ToArray();
                                        if (sorted[0] != sorted[1])
                                        {
                                            margin = Math.Min(margin, sorted[0] - sorted[1]);
                                        }
                                    }
                                }
                                else
                                {
                                    // PyTorch: the divisor counts the window up to the padded edge with padding, the inputs without.
                                    int y1 = Math.Min(y0 + kh, hh + bottom), x1 = Math.Min(x0 + kw, ww + right);
                                    int divisor = layer.Kind != "Global" && layer.CountIncludePad ? (y1 - y0) * (x1 - x0) : values.Count;
                                    result = values.Sum() / divisor;
                                }

                                output[(((ch * oh) + y) * ow) + xo] = result;
                            }
                        }
                    }

                    break;
                default:
                    int n = input.Length, m = layer.Units;
                    for (int i = 0; i < m; i++)
                    {
                        double sum = layer.Bias ? p[offset + (n * m) + i] : 0;
                        for (int j = 0; j < n; j++)
                        {
                            sum += p[offset + (j * m) + i] * input[j];
                        }

                        output[i] = sum;
                    }

                    offset += (n * m) + (layer.Bias ? m : 0);
                    break;
            }

            a.Add(output);
            if (layer.Activation is Activation.ReLU or Activation.LeakyReLU or Activation.ELU or Activation.PReLU)
            {
                // An exact 0 is a pre-activation no parameter reaches (a window all in the padding, without bias).
                margin = Math.Min(margin, output.Where(v => v != 0).Select(Math.Abs).DefaultIfEmpty(double.PositiveInfinity).Min());
            }

            int slopes = ConvTopology.Slopes(layer);
            if (slopes > 0)
            {
                // PReLU: one slope per channel (its oh x ow positions) or per unit, after the biases.
                int positions = output.Length / slopes;
                var activated = new double[output.Length];
                for (int i = 0; i < output.Length; i++)
                {
                    activated[i] = output[i] > 0 ? output[i] : p[offset + (i / positions)] * output[i];
                }

                offset += slopes;
                h.Add(activated);
                continue;
            }

            h.Add(Activate(layer, output));
        }

        return (a, h, margin);
    }

    public static double[] Activate(ConvLayer layer, double[] a) => layer.Activation switch
    {
        Activation.Sigmoid => a.Select(v => 1 / (1 + Math.Exp(-v))).ToArray(),
        Activation.Tanh => a.Select(Math.Tanh).ToArray(),
        Activation.ReLU => a.Select(v => Math.Max(0, v)).ToArray(),
        Activation.LeakyReLU => a.Select(v => v > 0 ? v : layer.EffectiveAlpha * v).ToArray(),
        Activation.ELU => a.Select(v => v > 0 ? v : layer.EffectiveAlpha * (Math.Exp(v) - 1)).ToArray(),
        Activation.Softmax => Softmax(a),
        _ => a.ToArray(),
    };

    private static double[] Softmax(double[] a)
    {
        double max = a.Max();
        double[] e = a.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    /// <summary>The loss by its definition: 1/2 |y - d|^2, -sum d log y, or -sum [d log y + (1 - d) log(1 - y)].</summary>
    public static double Loss(ConvTopology net, ReadOnlySpan<double> p, ReadOnlySpan<double> x, ReadOnlySpan<double> d)
    {
        double[] y = Forward(net, p, x).H[^1];
        double loss = 0;
        for (int i = 0; i < y.Length; i++)
        {
            loss += net.Loss switch
            {
                LossFunction.CrossEntropy => -d[i] * Math.Log(y[i]),
                LossFunction.BinaryCrossEntropy => -((d[i] * Math.Log(y[i])) + ((1 - d[i]) * Math.Log(1 - y[i]))),
                _ => 0.5 * (y[i] - d[i]) * (y[i] - d[i]),
            };
        }

        return loss;
    }
}
