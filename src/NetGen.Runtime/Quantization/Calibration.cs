using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NetGen.Quantization
{
    /// <summary>The range of one layer's input over a calibration set: the real values its 7-bit quantisation must
    /// cover.</summary>
    /// <param name="Min">The smallest value seen (or its low percentile).</param>
    /// <param name="Max">The largest value seen (or its high percentile).</param>
    public readonly record struct ActivationRange(float Min, float Max);

    /// <summary>The input range of every layer of a network, measured on a calibration set: what int8 inference needs
    /// beyond the weights. Collect it with <see cref="Collect"/> from samples like those the network will see (a few
    /// hundred from the training set are typical).</summary>
    public sealed class Calibration
    {
        private readonly ActivationRange[] _ranges;

        /// <summary>A calibration from known ranges, one per layer (as a weights file stores them).</summary>
        /// <exception cref="ArgumentException">A range is not finite or has its minimum above its maximum.</exception>
        public Calibration(IEnumerable<ActivationRange> ranges)
        {
            _ranges = (ranges ?? throw new ArgumentNullException(nameof(ranges))).ToArray();
            for (int k = 0; k < _ranges.Length; k++)
            {
                ActivationRange r = _ranges[k];
                if (!float.IsFinite(r.Min) || !float.IsFinite(r.Max) || r.Min > r.Max)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the calibration range of layer {k + 1}'s input, [{r.Min:R}, {r.Max:R}], is not a finite interval"), nameof(ranges));
                }
            }
        }

        /// <summary>Each layer's input range, layer 1 (the network's input) first.</summary>
        public IReadOnlyList<ActivationRange> Ranges => _ranges;

        /// <summary>The ranges as JSON, <c>{"calibration": [[min, max], ...]}</c>: the section a weights file carries
        /// (<see cref="Persistence.WeightsJson.Export{T}(INeuralNetwork{T}, Calibration?)"/>), on its own, for a network
        /// whose weights come from elsewhere: <c>[OnnxModel("model.onnx", Calibration = "file.json")]</c> with
        /// <c>[Network(Inference = Inference.Int8)]</c> bakes an ONNX model in int8 with these ranges.
        /// <see cref="Persistence.WeightsJson.ReadCalibration"/> reads it back.</summary>
        public string ToJson()
        {
            using var stream = new System.IO.MemoryStream();
            using (var json = new System.Text.Json.Utf8JsonWriter(stream, new System.Text.Json.JsonWriterOptions { Indented = true }))
            {
                json.WriteStartObject();
                Persistence.WeightsJson.WriteCalibration(json, this);
                json.WriteEndObject();
            }

            return System.Text.Encoding.UTF8.GetString(stream.ToArray());
        }

        /// <summary>Runs <paramref name="net"/> in float on every sample of <paramref name="inputs"/> (row-major, a whole
        /// number of samples) and records each layer's input range: the minimum and maximum, or, with
        /// <paramref name="percentile"/> (for example 99.99), the values below which that percentage of each layer's
        /// inputs lie at the top and above which it lies at the bottom, which ignores rare outliers.</summary>
        /// <exception cref="ArgumentException">The set is empty, is not a whole number of samples, holds a NaN or an
        /// infinity, or makes a layer's values overflow; the percentile is outside (50, 100].</exception>
        /// <exception cref="NotSupportedException">The network has a layer int8 inference does not compute yet.</exception>
        public static Calibration Collect(INeuralNetwork<float> net, ReadOnlySpan<float> inputs, double? percentile = null)
        {
            if (net is null)
            {
                throw new ArgumentNullException(nameof(net));
            }

            if (percentile is double p && !(p > 50 && p <= 100))
            {
                throw new ArgumentOutOfRangeException(nameof(percentile), p, "the calibration percentile must be above 50 and at most 100");
            }

            FloatNetwork reference = FloatNetwork.From(net.Layers, net.Parameters, net.InputSize);
            int n = net.InputSize;
            if (inputs.Length == 0)
            {
                throw new ArgumentException("the calibration set is empty; give it samples like those the network will see (a few hundred from the training set)", nameof(inputs));
            }

            if (inputs.Length % n != 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the calibration set holds {inputs.Length} values, not a whole number of samples of {n}"), nameof(inputs));
            }

            int samples = inputs.Length / n;
            for (int i = 0; i < inputs.Length; i++)
            {
                if (!float.IsFinite(inputs[i]))
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"calibration sample {i / n}, input {i % n} is {inputs[i]:R}; every value must be finite"), nameof(inputs));
                }
            }

            int layers = reference.Layers.Count;
            var values = percentile is null ? null : Enumerable.Range(0, layers).Select(k => new List<float>(samples * reference.Layers[k].FanIn)).ToArray();
            var min = Enumerable.Repeat(float.PositiveInfinity, layers).ToArray();
            var max = Enumerable.Repeat(float.NegativeInfinity, layers).ToArray();
            for (int s = 0; s < samples; s++)
            {
                reference.Run(inputs.Slice(s * n, n), (layer, h) =>
                {
                    foreach (float v in h)
                    {
                        if (!float.IsFinite(v))
                        {
                            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"calibration sample {s} gives layer {layer + 1} an input of {v:R}; the network overflows on it"), nameof(inputs));
                        }

                        min[layer] = Math.Min(min[layer], v);
                        max[layer] = Math.Max(max[layer], v);
                        values?[layer].Add(v);
                    }
                });
            }

            if (values is not null)
            {
                double q = percentile!.Value / 100;
                for (int k = 0; k < layers; k++)
                {
                    float[] sorted = values[k].ToArray();
                    Array.Sort(sorted);
                    min[k] = sorted[(int)Math.Floor((1 - q) * (sorted.Length - 1))];
                    max[k] = sorted[(int)Math.Ceiling(q * (sorted.Length - 1))];
                }
            }

            return new Calibration(min.Zip(max, (a, b) => new ActivationRange(a, b)));
        }
    }
}
