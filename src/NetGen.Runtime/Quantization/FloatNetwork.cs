using System;
using System.Collections.Generic;
using System.Globalization;
using NetGen.Runtime;

namespace NetGen.Quantization
{
    /// <summary>A network's dense layers, convolutions and pools read from its <see cref="LayerInfo"/> and parameters, run
    /// in double one sample at a time: what calibration watches (each layer's input) and what quantisation reads (dense
    /// weights stored input-major, <c>W[i * Units + m]</c>; a convolution's <c>[C'][C/groups][KH][KW]</c>).</summary>
    internal sealed class FloatNetwork
    {
        private readonly double[] _double;

        private FloatNetwork(List<LayerInfo> layers, float[] parameters, int inputSize)
        {
            (Layers, Parameters, InputSize) = (layers, parameters, inputSize);
            _double = Array.ConvertAll(parameters, v => (double)v);
        }

        public IReadOnlyList<LayerInfo> Layers { get; }

        public float[] Parameters { get; }

        public int InputSize { get; }

        /// <summary>The layers and a copy of the parameters, checked: int8 inference computes dense layers with one
        /// affine map each, maxout layers, convolutions and pools (no layer normalisation yet).</summary>
        /// <exception cref="NotSupportedException">A layer int8 inference does not compute; the message names it.</exception>
        public static FloatNetwork From(IReadOnlyList<LayerInfo> layers, ReadOnlySpan<float> parameters, int inputSize)
        {
            var list = new List<LayerInfo>(layers);
            if (list.Count == 0)
            {
                throw new ArgumentException("the network has no layers", nameof(layers));
            }

            int fanIn = inputSize;
            foreach (LayerInfo layer in list)
            {
                if (layer.FanIn != fanIn || layer.BiasOffset + layer.BiasCount > parameters.Length)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"layer {layer.Number} ({layer}) does not follow from an input of {fanIn} values, or its parameters lie past the {parameters.Length} given"), nameof(layers));
                }

                fanIn = layer.Units;
                string? problem = layer.IsLayerNorm ? "a layer normalisation"
                    : layer.SoftmaxSize > 0 && layer.SoftmaxSize < layer.Units ? "a softmax over groups"
                    : layer.Convolution is not null && layer.Activation == Activation.Softmax ? "a softmax over a convolution's channels and positions" : null;
                if (problem is not null)
                {
                    throw new NotSupportedException(string.Create(CultureInfo.InvariantCulture, $"layer {layer.Number} ({layer}) is {problem}, which int8 inference does not compute yet; it takes dense layers and convolutions with Identity, ReLU, LeakyReLU, PReLU, Sigmoid, Tanh, ELU or (at the output) Softmax, maxout layers and pools"));
                }

                if (layer.Activation == Activation.Softmax && layer.Number != list.Count)
                {
                    throw new NotSupportedException($"layer {layer.Number} applies Softmax before the output layer");
                }
            }

            return new FloatNetwork(list, parameters.ToArray(), inputSize);
        }

        /// <summary>Layer <paramref name="k"/>'s weights output-major, <c>W[r * fanIn + i]</c> for each affine output r (a
        /// maxout layer's piece-major; the network stores a dense layer's input-major, a convolution's as rows of taps per
        /// output channel already).</summary>
        public float[] OutputMajorWeights(int k)
        {
            LayerInfo layer = Layers[k];
            if (layer.IsConvolution)
            {
                return Parameters.AsSpan(layer.WeightOffset, layer.WeightCount).ToArray();
            }

            int rows = layer.AffineOutputs;
            var w = new float[rows * layer.FanIn];
            for (int m = 0; m < rows; m++)
            {
                for (int i = 0; i < layer.FanIn; i++)
                {
                    w[(m * layer.FanIn) + i] = Parameters[layer.WeightOffset + (i * rows) + m];
                }
            }

            return w;
        }

        /// <summary>Runs one sample, calling <paramref name="watch"/> with each layer's index and input.</summary>
        public void Run(ReadOnlySpan<float> x, Action<int, float[]> watch)
        {
            float[] h = x.ToArray();
            for (int k = 0; k < Layers.Count; k++)
            {
                watch(k, h);
                LayerInfo layer = Layers[k];
                var a = new float[layer.Units];
                if (layer.Convolution is { } c)
                {
                    var input = Array.ConvertAll(h, v => (double)v);
                    var output = new double[layer.Units];
                    if (c.IsConvolution)
                    {
                        Convolve(layer, c.Shape, input, output);
                    }
                    else if (c.Type.StartsWith("max", StringComparison.Ordinal))
                    {
                        Convolution.MaxPool<double>(input, c.Shape, output);
                    }
                    else
                    {
                        Convolution.AvgPool<double>(input, c.Shape, c.CountIncludePad, output);
                    }

                    for (int m = 0; m < a.Length; m++)
                    {
                        a[m] = (float)output[m];
                    }

                    h = c.IsConvolution ? Activate(layer, a, Parameters) : a;
                    continue;
                }

                int rows = layer.AffineOutputs; // a maxout layer's pieces x units, piece-major
                var z = new float[rows];
                for (int m = 0; m < rows; m++)
                {
                    double sum = layer.HasBias ? Parameters[layer.BiasOffset + m] : 0;
                    for (int i = 0; i < layer.FanIn; i++)
                    {
                        sum += (double)Parameters[layer.WeightOffset + (i * rows) + m] * h[i]; // input-major: W[i * rows + m]
                    }

                    z[m] = (float)sum;
                }

                if (layer.IsMaxout)
                {
                    for (int m = 0; m < layer.Units; m++)
                    {
                        a[m] = z[m];
                        for (int p = 1; p < layer.Pieces; p++)
                        {
                            a[m] = Math.Max(a[m], z[(p * layer.Units) + m]);
                        }
                    }

                    h = a;
                    continue;
                }

                h = Activate(layer, z, Parameters);
            }
        }

        /// <summary>The convolution in plain double loops, each sum in one fixed order with no fused multiply-add, so that
        /// calibration records the same ranges on every machine (the vectorised kernels may fuse).</summary>
        private void Convolve(LayerInfo layer, in ConvolutionShape s, double[] x, double[] a)
        {
            int perGroup = s.OutChannels / s.Groups, channels = s.InChannels / s.Groups;
            for (int o = 0; o < s.OutChannels; o++)
            {
                int g = o / perGroup;
                for (int y = 0; y < s.OutHeight; y++)
                {
                    for (int ox = 0; ox < s.OutWidth; ox++)
                    {
                        double sum = layer.HasBias ? _double[layer.BiasOffset + o] : 0;
                        for (int c = 0; c < channels; c++)
                        {
                            for (int i = 0; i < s.KernelHeight; i++)
                            {
                                int iy = (y * s.StrideHeight) + (i * s.DilationHeight) - s.PadTop;
                                for (int j = 0; j < s.KernelWidth; j++)
                                {
                                    int ix = (ox * s.StrideWidth) + (j * s.DilationWidth) - s.PadLeft;
                                    if ((uint)iy < (uint)s.InHeight && (uint)ix < (uint)s.InWidth)
                                    {
                                        double w = _double[layer.WeightOffset + (((((o * channels) + c) * s.KernelHeight) + i) * s.KernelWidth) + j];
                                        sum += w * x[(((((g * channels) + c) * s.InHeight) + iy) * s.InWidth) + ix];
                                    }
                                }
                            }
                        }

                        a[(((o * s.OutHeight) + y) * s.OutWidth) + ox] = sum;
                    }
                }
            }
        }

        /// <summary>g(a) in double precision for a hidden layer (the output layer's function is the quantised network's).</summary>
        private static float[] Activate(LayerInfo layer, float[] a, float[] parameters)
        {
            var h = new float[a.Length];
            int positions = layer.SlopeCount == 0 ? 1 : a.Length / layer.SlopeCount; // PReLU: a slope per channel, or per unit
            for (int m = 0; m < a.Length; m++)
            {
                double v = a[m];
                h[m] = (float)(layer.Activation switch
                {
                    Activation.PReLU => v > 0 ? v : parameters[layer.SlopeOffset + (m / positions)] * v,
                    Activation.ReLU => Math.Max(v, 0),
                    Activation.LeakyReLU => v > 0 ? v : layer.Alpha * v,
                    Activation.ELU => v > 0 ? v : layer.Alpha * (Math.Exp(v) - 1),
                    Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
                    Activation.Tanh => Math.Tanh(v),
                    _ => v,
                });
            }

            return h;
        }
    }
}
