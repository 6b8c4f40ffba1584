using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace NetGen.Persistence
{
    /// <summary>JSON export and import for interop with PyTorch and other tools. Layer by layer, each weight matrix in
    /// <c>nn.Linear</c>'s order <c>[out][in]</c>, then the bias:
    /// <code>
    /// { "format": "netgen-weights", "version": 1, "input": 2, "loss": "BinaryCrossEntropy",
    ///   "layers": [ { "type": "dense", "in": 2, "out": 4, "activation": "Tanh",
    ///                 "weight": [[w00, w01], ...], "bias": [b0, ...] }, ... ] }
    /// </code>
    /// A maxout layer (<c>"type": "maxout"</c>, with <c>"pieces"</c>) has <c>out x pieces</c> weight rows in the network's
    /// piece-major order: row <c>p * out + i</c> is piece p of unit i. A convolution (<c>conv2d</c>, <c>conv1d</c>) has
    /// <c>kernel</c>, <c>stride</c>, <c>padding</c> and <c>dilation</c> lists (one entry per spatial axis; padding may be
    /// <c>"same"</c> or <c>"causal"</c>, or, where the two sides of an axis differ, every axis's start then every axis's
    /// end), <c>groups</c>, and <c>weight</c> nested as <c>Conv2d.weight</c>; a pool has its
    /// geometry and no parameters; such a network's <c>"input"</c> is a list, <c>[C, H, W]</c> or <c>[C, L]</c> (see
    /// docs/weights-format.md). Written with <see cref="Utf8JsonWriter"/> and read
    /// with <see cref="JsonDocument"/>: no reflection, so it is trimming- and AOT-safe.</summary>
    public static class WeightsJson
    {
        /// <summary>The JSON text of <paramref name="network"/>'s parameters.</summary>
        public static string Export<T>(INeuralNetwork<T> network) where T : unmanaged, IFloatingPointIeee754<T> => Export(network, null);

        /// <summary>The JSON text of <paramref name="network"/>'s parameters with a <c>"calibration"</c> section: each
        /// layer's input range, <c>[[min, max], ...]</c>, which <c>[Network(Inference = Inference.Int8)]</c> bakes into int8
        /// inference (docs/quantization.md) and <see cref="ReadCalibration"/> reads back.</summary>
        /// <exception cref="ArgumentException">The calibration does not have one range per layer.</exception>
        public static string Export<T>(INeuralNetwork<T> network, Quantization.Calibration? calibration) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            if (calibration is not null && calibration.Ranges.Count != network.Layers.Count)
            {
                throw new ArgumentException($"the calibration has {calibration.Ranges.Count} ranges for a network of {network.Layers.Count} layers; collect it from this network", nameof(calibration));
            }

            using var stream = new MemoryStream();
            using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                ReadOnlySpan<T> p = network.Parameters;
                json.WriteStartObject();
                json.WriteString("format", "netgen-weights");
                json.WriteNumber("version", 1);
                if (network.Layers.Count > 0 && network.Layers[0].Convolution is { } first)
                {
                    // Channels-first planes: [C, H, W], or [C, L] for a 1-D network.
                    json.WriteStartArray("input");
                    json.WriteNumberValue(first.Shape.InChannels);
                    if (first.Dimensions == 2)
                    {
                        json.WriteNumberValue(first.Shape.InHeight);
                    }

                    json.WriteNumberValue(first.Shape.InWidth);
                    json.WriteEndArray();
                }
                else
                {
                    json.WriteNumber("input", network.InputSize);
                }
                json.WriteString("loss", network.Loss.ToString());
                json.WriteStartArray("layers");
                foreach (LayerInfo layer in network.Layers)
                {
                    WriteLayer(json, layer, p);
                }

                json.WriteEndArray();
                if (calibration is not null)
                {
                    WriteCalibration(json, calibration);
                }

                json.WriteEndObject();
            }

            return Encoding.UTF8.GetString(stream.ToArray());
        }

        /// <summary>The <c>"calibration"</c> section: one <c>[min, max]</c> per layer.</summary>
        internal static void WriteCalibration(Utf8JsonWriter json, Quantization.Calibration calibration)
        {
            json.WriteStartArray("calibration");
            foreach (Quantization.ActivationRange range in calibration.Ranges)
            {
                json.WriteStartArray();
                json.WriteNumberValue(range.Min);
                json.WriteNumberValue(range.Max);
                json.WriteEndArray();
            }

            json.WriteEndArray();
        }

        /// <summary>The <c>"calibration"</c> section of weights JSON (see <see cref="Export{T}(INeuralNetwork{T}, Quantization.Calibration?)"/>), or null when
        /// there is none.</summary>
        /// <exception cref="InvalidDataException">The text is not JSON, or the section is not a list of finite [min, max]
        /// pairs with min at most max.</exception>
        public static Quantization.Calibration? ReadCalibration(string json)
        {
            ArgumentNullException.ThrowIfNull(json);
            try
            {
                using JsonDocument document = JsonDocument.Parse(json);
                if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("calibration", out JsonElement section))
                {
                    return null;
                }

                var ranges = new List<Quantization.ActivationRange>();
                foreach (JsonElement pair in section.EnumerateArray())
                {
                    if (pair.GetArrayLength() != 2)
                    {
                        throw new InvalidDataException($"calibration range {ranges.Count + 1} has {pair.GetArrayLength()} numbers, not [min, max]");
                    }

                    ranges.Add(new Quantization.ActivationRange(pair[0].GetSingle(), pair[1].GetSingle()));
                }

                return new Quantization.Calibration(ranges);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
            {
                throw new InvalidDataException("The weights' calibration section is not a list of finite [min, max] pairs: " + e.Message, e);
            }
        }

        /// <summary>Reads JSON written by <see cref="Export{T}(INeuralNetwork{T})"/> (or by the PyTorch snippet in the docs) into
        /// <paramref name="network"/>. Every shape and value is checked first; on any problem it throws
        /// <see cref="InvalidDataException"/> naming the layer, and the parameters stay as they were.</summary>
        public static void Import<T>(INeuralNetwork<T> network, string json) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(json);
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(json);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"The weights are not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
            }

            using (document)
            {
                try
                {
                    Read(network, document.RootElement);
                }
                catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
                {
                    // A value of the wrong JSON kind ("in": "2", "out": 2.5): say so in the contract's exception.
                    throw new InvalidDataException("The weights do not fit the network: a value has the wrong type or range (" + e.Message + ").", e);
                }
            }
        }

        /// <summary>One layer's object: its topology, then <c>weight</c> as <c>[out][in]</c> rows, then <c>bias</c>.</summary>
        private static void WriteLayer<T>(Utf8JsonWriter json, LayerInfo layer, ReadOnlySpan<T> p) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (layer.Convolution is { } convolution)
            {
                WriteSpatialLayer(json, layer, convolution, p);
                return;
            }

            json.WriteStartObject();
            json.WriteString("type", layer.TypeName);
            json.WriteNumber("in", layer.FanIn);
            json.WriteNumber("out", layer.Units);
            if (layer.IsMaxout)
            {
                json.WriteNumber("pieces", layer.Pieces);
            }
            else
            {
                json.WriteString("activation", layer.Activation.ToString());
                WriteAlpha(json, layer, p);

                if (layer.SoftmaxSize > 0 && layer.SoftmaxSize < layer.Units)
                {
                    json.WriteNumber("softmaxSize", layer.SoftmaxSize);
                }

                if (layer.IsLayerNorm)
                {
                    json.WriteNumber("epsilon", layer.Epsilon);
                    json.WriteNumber("normalized", layer.NormalizedLength);
                    WriteVector(json, "weight", p.Slice(layer.WeightOffset, layer.NormalizedLength));
                    WriteVector(json, "bias", p.Slice(layer.BiasOffset, layer.NormalizedLength));
                    json.WriteEndObject();
                    return;
                }
            }

            json.WriteStartArray("weight");
            for (int i = 0; i < layer.AffineOutputs; i++)
            {
                json.WriteStartArray();
                for (int j = 0; j < layer.FanIn; j++)
                {
                    json.WriteNumberValue(double.CreateChecked(p[layer.WeightOffset + (j * layer.AffineOutputs) + i]));
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
            if (layer.HasBias)
            {
                json.WriteStartArray("bias");
                for (int i = 0; i < layer.AffineOutputs; i++)
                {
                    json.WriteNumberValue(double.CreateChecked(p[layer.BiasOffset + i]));
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        /// <summary>A convolution or pool: its geometry as PyTorch's module arguments (one entry per spatial axis), then a
        /// convolution's <c>weight</c> as nested arrays in <c>Conv2d.weight</c>'s order <c>[out][in/groups][kh][kw]</c>
        /// (<c>[out][in/groups][k]</c> for 1-D) and its <c>bias</c>.</summary>
        private static void WriteSpatialLayer<T>(Utf8JsonWriter json, LayerInfo layer, ConvolutionInfo c, ReadOnlySpan<T> p) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Runtime.ConvolutionShape s = c.Shape;
            json.WriteStartObject();
            json.WriteString("type", c.Type);
            if (c.Type == "globalavgpool")
            {
                json.WriteEndObject();
                return;
            }

            if (c.IsConvolution)
            {
                json.WriteNumber("in", s.InChannels);
                json.WriteNumber("out", s.OutChannels);
            }

            WriteAxes(json, "kernel", c, s.KernelHeight, s.KernelWidth);
            WriteAxes(json, "stride", c, s.StrideHeight, s.StrideWidth);
            if (c.Padding is "same" or "causal")
            {
                json.WriteString("padding", c.Padding);
            }
            else if (s.PadTop != s.PadBottom || s.PadLeft != s.PadRight)
            {
                // Different on the two sides of an axis (an imported SAME_LOWER, say): ONNX's pads order, every axis's
                // start, then every axis's end.
                json.WriteStartArray("padding");
                if (c.Dimensions == 2)
                {
                    json.WriteNumberValue(s.PadTop);
                    json.WriteNumberValue(s.PadLeft);
                    json.WriteNumberValue(s.PadBottom);
                }
                else
                {
                    json.WriteNumberValue(s.PadLeft);
                }

                json.WriteNumberValue(s.PadRight);
                json.WriteEndArray();
            }
            else
            {
                WriteAxes(json, "padding", c, s.PadTop, s.PadLeft);
            }

            if (c.IsConvolution)
            {
                WriteAxes(json, "dilation", c, s.DilationHeight, s.DilationWidth);
                json.WriteNumber("groups", s.Groups);
                json.WriteString("activation", layer.Activation.ToString());
                WriteAlpha(json, layer, p);

                int perGroup = s.InChannels / s.Groups;
                json.WriteStartArray("weight");
                for (int o = 0; o < s.OutChannels; o++)
                {
                    json.WriteStartArray();
                    for (int ci = 0; ci < perGroup; ci++)
                    {
                        json.WriteStartArray();
                        for (int i = 0; i < s.KernelHeight; i++)
                        {
                            if (c.Dimensions == 2)
                            {
                                json.WriteStartArray();
                            }

                            for (int j = 0; j < s.KernelWidth; j++)
                            {
                                json.WriteNumberValue(double.CreateChecked(p[layer.WeightOffset + (((((o * perGroup) + ci) * s.KernelHeight) + i) * s.KernelWidth) + j]));
                            }

                            if (c.Dimensions == 2)
                            {
                                json.WriteEndArray();
                            }
                        }

                        json.WriteEndArray();
                    }

                    json.WriteEndArray();
                }

                json.WriteEndArray();
                if (layer.HasBias)
                {
                    WriteVector(json, "bias", p.Slice(layer.BiasOffset, s.OutChannels));
                }
            }
            else
            {
                if (c.CeilMode)
                {
                    json.WriteBoolean("ceil_mode", true);
                }

                if (c.Type.StartsWith("avgpool", StringComparison.Ordinal) && !c.CountIncludePad)
                {
                    json.WriteBoolean("count_include_pad", false);
                }
            }

            json.WriteEndObject();
        }

        /// <summary>A list with one entry per spatial axis: <c>[height, width]</c>, or <c>[length]</c> for 1-D.</summary>
        private static void WriteAxes(Utf8JsonWriter json, string name, ConvolutionInfo c, int height, int width)
        {
            json.WriteStartArray(name);
            if (c.Dimensions == 2)
            {
                json.WriteNumberValue(height);
            }

            json.WriteNumberValue(width);
            json.WriteEndArray();
        }

        /// <summary>A layer's <c>alpha</c>: a PReLU's slopes (<c>nn.PReLU</c>'s weight, one per channel or unit), or the
        /// leaky ReLU slope or ELU alpha when it is not 0.</summary>
        private static void WriteAlpha<T>(Utf8JsonWriter json, LayerInfo layer, ReadOnlySpan<T> p) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (layer.SlopeCount > 0)
            {
                WriteVector(json, "alpha", p.Slice(layer.SlopeOffset, layer.SlopeCount));
            }
            else if (layer.Alpha != 0)
            {
                json.WriteNumber("alpha", layer.Alpha);
            }
        }

        /// <summary>A scalar alpha must be the layer's (the activation's default when absent); a PReLU's slopes are
        /// parameters, read by <see cref="ReadSlopes{T}"/>.</summary>
        private static void CheckAlpha(JsonElement element, LayerInfo layer, string where)
        {
            if (layer.SlopeCount == 0)
            {
                double alpha = element.TryGetProperty("alpha", out JsonElement a) ? a.GetDouble() : DefaultAlpha(layer.Activation);
                Expect(alpha == layer.Alpha, $"{where}: expected alpha {layer.Alpha}, found {alpha}");
            }
        }

        /// <summary>A one-dimensional array, as <c>nn.LayerNorm</c>'s weight and bias.</summary>
        private static void WriteVector<T>(Utf8JsonWriter json, string name, ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
        {
            json.WriteStartArray(name);
            foreach (T value in values)
            {
                json.WriteNumberValue(double.CreateChecked(value));
            }

            json.WriteEndArray();
        }

        /// <summary>Checks the document and every layer against <paramref name="network"/>, then writes all the values
        /// at once, so a problem anywhere leaves the parameters as they were.</summary>
        private static void Read<T>(INeuralNetwork<T> network, JsonElement root) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var values = new T[network.ParameterCount];
            Expect(Property(root, "format", "the document").GetString() == "netgen-weights", "the document's \"format\" is not \"netgen-weights\"");
            if (root.TryGetProperty("version", out JsonElement version))
            {
                Expect(version.GetRawText() == "1", $"the document's \"version\" is {version.GetRawText()}, but this NetGen reads version 1 only");
            }

            JsonElement input = Property(root, "input", "the document");
            if (input.ValueKind == JsonValueKind.Array)
            {
                // Channels-first dimensions: their product is the input size, and a first convolution or pool checks them.
                long size = 1;
                foreach (JsonElement dimension in input.EnumerateArray())
                {
                    size *= dimension.GetInt32();
                }

                string expected = network.Layers.Count > 0 && network.Layers[0].Convolution is { } first
                    ? (first.Dimensions == 2 ? $"[{first.Shape.InChannels},{first.Shape.InHeight},{first.Shape.InWidth}]" : $"[{first.Shape.InChannels},{first.Shape.InWidth}]")
                    : string.Empty;
                string found = "[" + string.Join(",", EnumerateInts(input)) + "]";
                Expect(size == network.InputSize && (expected.Length == 0 || expected == found), $"the input is {found}, but the network takes {(expected.Length > 0 ? expected : network.InputSize.ToString(CultureInfo.InvariantCulture))}");
            }
            else
            {
                Expect(input.GetInt32() == network.InputSize, $"the input size is {input}, but the network takes {network.InputSize}");
            }

            JsonElement layers = Property(root, "layers", "the document");
            Expect(layers.ValueKind == JsonValueKind.Array && layers.GetArrayLength() == network.Layers.Count, $"the document has {(layers.ValueKind == JsonValueKind.Array ? layers.GetArrayLength() : 0)} layers, but the network has {network.Layers.Count}");
            int k = 0;
            foreach (JsonElement element in layers.EnumerateArray())
            {
                LayerInfo layer = network.Layers[k++];
                string where = $"layer {layer.Number} ({layer})";
                if (layer.Convolution is { } convolution)
                {
                    ReadSpatialLayer(element, layer, convolution, where, values);
                    continue;
                }

                CheckTopology(element, layer, where);
                ReadWeight(element, layer, where, values);
                ReadBias(element, layer, where, values);
                ReadSlopes(element, layer, where, values);
            }

            values.CopyTo(network.Parameters);
        }

        /// <summary>The layer's type, sizes, pieces, activation (in any case) and alpha (the activation's default when
        /// absent: 0.01 for LeakyReLU, 1 for ELU, as <c>[Dense]</c> and baking take it) must match the network's.</summary>
        private static void CheckTopology(JsonElement element, LayerInfo layer, string where)
        {
            string type = Property(element, "type", where).GetString() ?? string.Empty;
            Expect(string.Equals(type, layer.TypeName, StringComparison.OrdinalIgnoreCase), $"{where}: the file has a {type} layer");
            int fanIn = Property(element, "in", where).GetInt32(), units = Property(element, "out", where).GetInt32();
            Expect(fanIn == layer.FanIn && units == layer.Units, $"{where}: expected {layer.Units} x {layer.FanIn}, found {units} x {fanIn}");
            if (layer.IsMaxout)
            {
                int pieces = Property(element, "pieces", where).GetInt32();
                Expect(pieces == layer.Pieces, $"{where}: expected {layer.Pieces} pieces, found {pieces}");
                return;
            }

            string activation = Property(element, "activation", where).GetString() ?? string.Empty;
            Expect(string.Equals(activation, layer.Activation.ToString(), StringComparison.OrdinalIgnoreCase), $"{where}: expected activation {layer.Activation}, found {activation}");
            CheckAlpha(element, layer, where);

            int softmax = element.TryGetProperty("softmaxSize", out JsonElement groups) ? groups.GetInt32() : layer.Units;
            int expectedSoftmax = layer.SoftmaxSize > 0 ? layer.SoftmaxSize : layer.Units;
            Expect(softmax == expectedSoftmax, $"{where}: expected a softmax over {expectedSoftmax} values, found {softmax}");
            if (layer.IsLayerNorm)
            {
                double epsilon = Property(element, "epsilon", where).GetDouble();
                Expect(epsilon == layer.Epsilon, $"{where}: expected epsilon {layer.Epsilon.ToString("R", CultureInfo.InvariantCulture)}, found {epsilon.ToString("R", CultureInfo.InvariantCulture)}");
                int normalized = element.TryGetProperty("normalized", out JsonElement size) ? size.GetInt32() : layer.Units;
                Expect(normalized == layer.NormalizedLength, $"{where}: expected groups of {layer.NormalizedLength} values, found {normalized}");
            }
        }

        /// <summary>A convolution or pool: its type and geometry must match the network's (padding as a list, or the
        /// string <c>"same"</c> or <c>"causal"</c>), then a convolution's weight, of exactly its shape, and its bias.</summary>
        private static void ReadSpatialLayer<T>(JsonElement element, LayerInfo layer, ConvolutionInfo c, string where, T[] values) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Runtime.ConvolutionShape s = c.Shape;
            string type = Property(element, "type", where).GetString() ?? string.Empty;
            Expect(string.Equals(type, c.Type, StringComparison.OrdinalIgnoreCase), $"{where}: the file has a {type} layer");
            if (c.Type == "globalavgpool")
            {
                return;
            }

            void Axes(string name, int height, int width, int? fallback = null)
            {
                string expected = c.Dimensions == 2 ? $"[{height},{width}]" : $"[{width}]";
                if (!element.TryGetProperty(name, out JsonElement given) && fallback is { } value)
                {
                    Expect(height == value && width == value, $"{where}: expected \"{name}\" {expected}, found none (which means {value})");
                    return;
                }

                JsonElement axes = Property(element, name, where);
                string found = axes.ValueKind == JsonValueKind.Array ? "[" + string.Join(",", EnumerateInts(axes)) + "]" : axes.ValueKind == JsonValueKind.Number ? $"[{axes.GetInt32()}]" : axes.GetRawText();
                Expect(found == expected || (axes.ValueKind == JsonValueKind.Number && height == width && axes.GetInt32() == width), $"{where}: expected \"{name}\" {expected}, found {found}");
            }

            Axes("kernel", s.KernelHeight, s.KernelWidth);
            Axes("stride", s.StrideHeight, s.StrideWidth);
            if (element.TryGetProperty("padding", out JsonElement padding) && padding.ValueKind == JsonValueKind.String)
            {
                Expect(string.Equals(padding.GetString(), c.Padding, StringComparison.OrdinalIgnoreCase), $"{where}: expected padding {(c.Padding == "explicit" ? (c.Dimensions == 2 ? $"[{s.PadTop},{s.PadLeft}]" : $"[{s.PadLeft}]") : $"\"{c.Padding}\"")}, found \"{padding.GetString()}\"");
            }
            else
            {
                Expect(c.Padding == "explicit", $"{where}: expected padding \"{c.Padding}\"");
                string full = c.Dimensions == 2 ? $"[{s.PadTop},{s.PadLeft},{s.PadBottom},{s.PadRight}]" : $"[{s.PadLeft},{s.PadRight}]";
                if (padding.ValueKind == JsonValueKind.Array && padding.GetArrayLength() == 2 * c.Dimensions)
                {
                    // Every axis's start, then every axis's end (ONNX's pads order).
                    string found = "[" + string.Join(",", EnumerateInts(padding)) + "]";
                    Expect(found == full, $"{where}: expected \"padding\" {full}, found {found}");
                }
                else if (s.PadTop != s.PadBottom || s.PadLeft != s.PadRight)
                {
                    // One entry per axis is the same padding on both sides, which this layer's is not.
                    Expect(false, $"{where}: expected \"padding\" {full}, found {(padding.ValueKind == JsonValueKind.Undefined ? "none" : padding.GetRawText())}");
                }
                else
                {
                    Axes("padding", s.PadTop, s.PadLeft, fallback: 0);
                }
            }

            if (!c.IsConvolution)
            {
                bool ceil = element.TryGetProperty("ceil_mode", out JsonElement ceilMode) && ceilMode.GetBoolean();
                Expect(ceil == c.CeilMode, $"{where}: expected ceil_mode {c.CeilMode.ToString().ToLowerInvariant()}, found {ceil.ToString().ToLowerInvariant()}");
                if (c.Type.StartsWith("avgpool", StringComparison.Ordinal))
                {
                    bool include = !element.TryGetProperty("count_include_pad", out JsonElement counted) || counted.GetBoolean();
                    Expect(include == c.CountIncludePad, $"{where}: expected count_include_pad {c.CountIncludePad.ToString().ToLowerInvariant()}, found {include.ToString().ToLowerInvariant()}");
                }

                return;
            }

            int inChannels = Property(element, "in", where).GetInt32(), outChannels = Property(element, "out", where).GetInt32();
            Expect(inChannels == s.InChannels && outChannels == s.OutChannels, $"{where}: expected {s.InChannels} -> {s.OutChannels} channels, found {inChannels} -> {outChannels}");
            Axes("dilation", s.DilationHeight, s.DilationWidth, fallback: 1);
            int groups = element.TryGetProperty("groups", out JsonElement g) ? g.GetInt32() : 1;
            Expect(groups == s.Groups, $"{where}: expected {s.Groups} groups, found {groups}");
            string activation = Property(element, "activation", where).GetString() ?? string.Empty;
            Expect(string.Equals(activation, layer.Activation.ToString(), StringComparison.OrdinalIgnoreCase), $"{where}: expected activation {layer.Activation}, found {activation}");
            CheckAlpha(element, layer, where);

            // weight: [out][in/groups][kh][kw], or [out][in/groups][k] for 1-D, each level exactly as long as its dimension.
            int perGroup = s.InChannels / s.Groups;
            int[] dimensions = c.Dimensions == 2 ? new[] { s.OutChannels, perGroup, s.KernelHeight, s.KernelWidth } : new[] { s.OutChannels, perGroup, s.KernelWidth };
            string shape = "[" + string.Join(", ", dimensions) + "]";
            JsonElement weight = Property(element, "weight", where);
            int index = 0;
            void Walk(JsonElement node, int level, string at)
            {
                Expect(node.ValueKind == JsonValueKind.Array && node.GetArrayLength() == dimensions[level], $"{where}: expected weight of shape {shape}, found {Shape(node)} at {(level == 0 ? "the top" : "weight" + at)}");
                int n = 0;
                foreach (JsonElement child in node.EnumerateArray())
                {
                    string next = $"{at}[{n++}]";
                    if (level == dimensions.Length - 1)
                    {
                        values[layer.WeightOffset + index++] = Number<T>(child, $"{where}, weight{next}");
                    }
                    else
                    {
                        Walk(child, level + 1, next);
                    }
                }
            }

            Walk(weight, 0, string.Empty);
            ReadBias(element, layer, where, values);
            ReadSlopes(element, layer, where, values);
        }

        /// <summary>A PReLU layer's <c>alpha</c>: its slopes, one per channel (per unit for a dense layer), as nn.PReLU's weight.</summary>
        private static void ReadSlopes<T>(JsonElement element, LayerInfo layer, string where, T[] values) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (layer.SlopeCount == 0)
            {
                return;
            }

            JsonElement slopes = Property(element, "alpha", where);
            Expect(slopes.ValueKind == JsonValueKind.Array && slopes.GetArrayLength() == layer.SlopeCount, $"{where}: expected alpha (the PReLU slopes) of shape [{layer.SlopeCount}], found {Shape(slopes)}");
            int i = 0;
            foreach (JsonElement value in slopes.EnumerateArray())
            {
                values[layer.SlopeOffset + i] = Number<T>(value, $"{where}, alpha[{i}]");
                i++;
            }
        }

        private static IEnumerable<int> EnumerateInts(JsonElement array)
        {
            foreach (JsonElement item in array.EnumerateArray())
            {
                yield return item.GetInt32();
            }
        }

        /// <summary>The alpha an activation has when none is given: the defaults of <c>DenseAttribute.Alpha</c>.</summary>
        private static double DefaultAlpha(Activation activation) => activation switch
        {
            Activation.LeakyReLU => 0.01,
            Activation.ELU => 1.0,
            _ => 0.0,
        };

        /// <summary><c>weight</c>: <c>out</c> rows of <c>in</c> numbers (<c>nn.Linear</c>'s order), stored input-major.</summary>
        private static void ReadWeight<T>(JsonElement element, LayerInfo layer, string where, T[] values) where T : unmanaged, IFloatingPointIeee754<T>
        {
            JsonElement weight = Property(element, "weight", where);
            if (layer.IsLayerNorm)
            {
                // nn.LayerNorm's weight: gamma, one number per unit.
                Expect(weight.ValueKind == JsonValueKind.Array && weight.GetArrayLength() == layer.NormalizedLength, $"{where}: expected weight of shape [{layer.NormalizedLength}], found {Shape(weight)}");
                int u = 0;
                foreach (JsonElement value in weight.EnumerateArray())
                {
                    values[layer.WeightOffset + u] = Number<T>(value, $"{where}, weight[{u}]");
                    u++;
                }

                return;
            }

            Expect(weight.ValueKind == JsonValueKind.Array && weight.GetArrayLength() == layer.AffineOutputs, $"{where}: expected weight of shape [{layer.AffineOutputs}, {layer.FanIn}], found {Shape(weight)}");
            int i = 0;
            foreach (JsonElement row in weight.EnumerateArray())
            {
                Expect(row.ValueKind == JsonValueKind.Array && row.GetArrayLength() == layer.FanIn, $"{where}: expected weight of shape [{layer.AffineOutputs}, {layer.FanIn}], found a row of {Shape(row)}");
                int j = 0;
                foreach (JsonElement value in row.EnumerateArray())
                {
                    values[layer.WeightOffset + (j * layer.AffineOutputs) + i] = Number<T>(value, $"{where}, weight[{i}][{j}]");
                    j++;
                }

                i++;
            }
        }

        /// <summary><c>bias</c>: one number per affine output; absent (or null) for a layer without bias, as PyTorch's
        /// <c>state_dict</c> of <c>nn.Linear(bias=False)</c> has no bias.</summary>
        private static void ReadBias<T>(JsonElement element, LayerInfo layer, string where, T[] values) where T : unmanaged, IFloatingPointIeee754<T>
        {
            bool present = element.TryGetProperty("bias", out JsonElement given) && given.ValueKind != JsonValueKind.Null;
            if (!layer.HasBias)
            {
                Expect(!present, $"{where}: the network's layer has no bias (Bias = false), but the file gives one; expected no \"bias\"");
                return;
            }

            int count = layer.BiasCount;
            Expect(present, $"{where}: the network's layer has a bias, but the file gives none; expected \"bias\" of shape [{count}]");
            JsonElement bias = Property(element, "bias", where);
            Expect(bias.ValueKind == JsonValueKind.Array && bias.GetArrayLength() == count, $"{where}: expected bias of shape [{count}], found {Shape(bias)}");
            int i = 0;
            foreach (JsonElement value in bias.EnumerateArray())
            {
                values[layer.BiasOffset + i] = Number<T>(value, $"{where}, bias[{i}]");
                i++;
            }
        }

        private static JsonElement Property(JsonElement element, string name, string where)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out JsonElement value))
            {
                throw new InvalidDataException($"{where} has no \"{name}\".");
            }

            return value;
        }

        private static T Number<T>(JsonElement value, string where) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number) || !double.IsFinite(number))
            {
                throw new InvalidDataException($"{where} is {value.GetRawText()}, not a finite number.");
            }

            T converted = T.CreateTruncating(number);
            if (!T.IsFinite(converted))
            {
                throw new InvalidDataException($"{where} is {value.GetRawText()}, too large for {typeof(T).Name}.");
            }

            return converted;
        }

        private static string Shape(JsonElement element) => element.ValueKind == JsonValueKind.Array
            ? string.Create(CultureInfo.InvariantCulture, $"[{element.GetArrayLength()}]")
            : element.ValueKind.ToString();

        private static void Expect(bool condition, string problem)
        {
            if (!condition)
            {
                throw new InvalidDataException("The weights do not fit the network: " + problem + ".");
            }
        }
    }
}
