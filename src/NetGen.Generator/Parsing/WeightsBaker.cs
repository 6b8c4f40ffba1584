using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;
using static NetGen.Generator.Invariant;

namespace NetGen.Generator.Parsing
{
    /// <summary>Finds a baked network's weights file among the AdditionalFiles, checks it against the declared
    /// topology and turns it into literals. Plain data in and out, like <see cref="NetworkParser"/>.</summary>
    internal static class WeightsBaker
    {
        /// <summary>Weights files are JSON; other AdditionalFiles items are not read.</summary>
        public const string Extension = ".json";

        /// <summary>Past this many problems in one file, stop: the first ones say what is wrong.</summary>
        private const int MaxDiagnostics = 10;

        /// <summary>The smallest magnitude that rounds to infinity in float: float.MaxValue plus half an ulp.</summary>
        private const double FloatOverflow = 3.4028235677973366E+38;

        public static bool IsCandidate(string path) => path.EndsWith(Extension, StringComparison.OrdinalIgnoreCase);

        /// <summary>A document's "calibration" section as literals (min then max per layer), or null with what is wrong
        /// with it and where (null for a missing section): one finite [min, max] pair per layer, min at most max.</summary>
        internal static string[]? Calibration(JsonObject document, int layers, out string? problem, out JsonValue? at)
        {
            problem = null;
            at = null;
            if (document["calibration"] is not { } section)
            {
                problem = "has no \"calibration\" section";
                return null;
            }

            if (section is not JsonArray pairs || pairs.Items.Count != layers)
            {
                (problem, at) = (section is JsonArray other ? $"gives {Int(other.Items.Count)} {(other.Items.Count == 1 ? "range" : "ranges")}" : $"has {section.Kind} for \"calibration\", not an array of [min, max] pairs", section);
                return null;
            }

            var values = new string[2 * layers];
            for (int k = 0; k < layers; k++)
            {
                if (pairs.Items[k] is not JsonArray { Items.Count: 2 } pair || pair.Items[0] is not JsonNumber min || pair.Items[1] is not JsonNumber max
                    || !Baker.TryParse(min, out double low) || !Baker.TryParse(max, out double high) || double.IsNaN(low) || double.IsNaN(high)
                    || Math.Abs(low) >= FloatOverflow || Math.Abs(high) >= FloatOverflow || low > high)
                {
                    (problem, at) = ($"gives layer {Int(k + 1)} the range {Baker.Describe(pairs.Items[k])}, not a finite [min, max] with min at most max", pairs.Items[k]);
                    return null;
                }

                values[2 * k] = min.Text;
                values[(2 * k) + 1] = max.Text;
            }

            return values;
        }

        /// <summary>The file that <paramref name="request"/> names: the AdditionalFiles item at the path relative to the
        /// declaring source file, else the only item whose path ends with the path as written.</summary>
        public static BakeInput Match(BakeRequest request, ImmutableArray<WeightsFile> files)
        {
            (WeightsFile? file, string? problem) = Find(request.Path, request.SourceDirectory, files);
            return new BakeInput(request, file, problem);
        }

        /// <summary>The JSON AdditionalFiles item <paramref name="path"/> names (relative to
        /// <paramref name="sourceDirectory"/>, or ending one item's path), with its text, or why there is none.</summary>
        public static (WeightsFile? File, string? Problem) Find(string path, string sourceDirectory, ImmutableArray<WeightsFile> files)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                return (null, "the path is empty");
            }

            if (!IsCandidate(path))
            {
                return (null, $"the file must be JSON and its name must end in '{Extension}'");
            }

            (WeightsFile? exact, string? problem) = PathMatcher.Find(path, sourceDirectory, files, f => f.Path, "AdditionalFiles");
            if (exact is null)
            {
                return (null, problem);
            }

            return exact.Text is null ? (null, $"the AdditionalFiles item '{exact.Path}' could not be read") : (exact, null);
        }

        /// <summary>Checks the file against the network and returns the literals, or the diagnostics that say why not.</summary>
        public static BakeResult Bake(BakeInput input, CancellationToken cancellationToken)
        {
            BakeRequest request = input.Request;
            if (input.File?.Text is not { } text)
            {
                // No location: the request does not carry one (it is the cache key); it is reported at the attribute.
                var missing = new DiagnosticInfo(
                    DiagnosticDescriptors.WeightsFileNotFound.Id,
                    null,
                    new EquatableArray<string>(new[] { request.Network.Type.Name, request.Path, input.Problem ?? "it was not found" }));
                return new BakeResult(request.Network.Type.FullName, null, new EquatableArray<DiagnosticInfo>(new[] { missing }));
            }

            return new Baker(request.Network, input.File.Path, text, cancellationToken).Run();
        }

        /// <summary>Separators unified, <c>.</c> and <c>dir/..</c> removed, so paths written either way compare equal.</summary>
        internal static string Normalize(string path) => PathMatcher.Normalize(path);

        /// <summary>One check of one file against one network.</summary>
        private sealed class Baker
        {
            private readonly NetworkSpec _network;
            private readonly string _path;
            private readonly string _fileName;
            private readonly string _text;
            private readonly CancellationToken _cancellationToken;
            private readonly List<DiagnosticInfo> _diagnostics = new();
            private int[]? _lineStarts;

            public Baker(NetworkSpec network, string path, string text, CancellationToken cancellationToken)
            {
                _network = network;
                _path = path;
                _fileName = System.IO.Path.GetFileName(path.Replace('\\', '/'));
                _text = text;
                _cancellationToken = cancellationToken;
            }

            private bool Full => _diagnostics.Count >= MaxDiagnostics;

            public BakeResult Run()
            {
                JsonValue root;
                try
                {
                    root = JsonReader.Parse(_text);
                }
                catch (JsonSyntaxException e)
                {
                    Malformed(e.Offset, Math.Min(1, _text.Length - e.Offset), e.Message);
                    return Result(null);
                }

                string[]? values = ReadDocument(root);
                string[]? calibration = values is not null && _network.Int8 && root is JsonObject document ? ReadCalibration(document) : null;
                if (values is null || _diagnostics.Count > 0)
                {
                    return Result(null);
                }

                var baked = new BakedNetworkSpec(_network, _fileName, new EquatableArray<string>(values), new EquatableArray<string>(calibration ?? Array.Empty<string>()));
                if (_network.Int8)
                {
                    // A bias that int32 cannot hold at the layer's scales, say, or buffers too large for the stack: reported
                    // at the [Weights] attribute.
                    NetGen.Quantization.QuantizedLayerPlan?[]? plans = Emitting.Int8Emitter.Plans(baked, out string? problem);
                    string? reason = plans is null
                        ? problem ?? "its quantisation failed"
                        : Emitting.Int8Emitter.StackBytes(_network, plans) > Emitting.Int8Emitter.MaxStackBytes
                        ? $"its int8 forward pass needs {Count((int)(Emitting.Int8Emitter.StackBytes(_network, plans) / 1024))} KB of stack for its widest layer, more than the {Count(Emitting.Int8Emitter.MaxStackBytes / 1024)} KB NetGen takes; quantise it at run time with QuantizedNetwork.From(net, calibration)"
                        : null;
                    if (reason is not null)
                    {
                        _diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.Int8Unsupported.Id, null, new EquatableArray<string>(new[] { _network.Type.Name, reason })));
                        return Result(null);
                    }
                }

                return Result(baked);
            }

            private BakeResult Result(BakedNetworkSpec? network) => new(_network.Type.FullName, network, new EquatableArray<DiagnosticInfo>(_diagnostics));

            private string[]? ReadDocument(JsonValue root)
            {
                if (root is not JsonObject document)
                {
                    Malformed(root, $"the document is {root.Kind}, expected an object");
                    return null;
                }

                if (document["format"] is not JsonString { Value: "netgen-weights" })
                {
                    Malformed(document["format"] ?? document, "expected \"format\": \"netgen-weights\" at the top level");
                    return null;
                }

                if (document["version"] is { } version && !(version is JsonNumber { Text: "1" }))
                {
                    Malformed(version, "this NetGen reads weights format version 1 only");
                    return null;
                }

                if (document["input"] is JsonArray dimensions && _network.Layers.FirstOrDefault()?.Conv is { } first)
                {
                    // Channels-first dimensions, as the first convolution or pool reads them.
                    string expected = first.Dimensions == 2 ? $"[{Count(first.InChannels)}, {Count(first.InHeight)}, {Count(first.InWidth)}]" : $"[{Count(first.InChannels)}, {Count(first.InWidth)}]";
                    string found = "[" + string.Join(", ", dimensions.Items.Select(Describe)) + "]";
                    if (found != expected)
                    {
                        Mismatch(dimensions, "the input shape", expected, found);
                    }
                }
                else if (document["input"] is JsonArray list)
                {
                    // A list before a first layer that is not a convolution or pool: its product must be the input size.
                    long product = 1;
                    foreach (JsonValue item in list.Items)
                    {
                        product *= item is JsonNumber n && long.TryParse(n.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long d) && d > 0 && d <= int.MaxValue ? d : 0;
                        product = Math.Min(product, long.MaxValue / int.MaxValue);
                    }

                    if (product != _network.InputSize)
                    {
                        Mismatch(list, "the input size", Count(_network.InputSize), "[" + string.Join(", ", list.Items.Select(Describe)) + "]");
                    }
                }
                else if (document["input"] is { } input)
                {
                    CheckInteger(input, "the input size", _network.InputSize);
                }

                if (document["layers"] is not JsonArray layers)
                {
                    Malformed(document["layers"] ?? document, "expected \"layers\": an array with one object per layer");
                    return null;
                }

                if (layers.Items.Count != _network.Layers.Count)
                {
                    Mismatch(layers, "the number of layers", Count(_network.Layers.Count), Count(layers.Items.Count));
                    return null;
                }

                string[] values = new string[_network.ParameterCount];
                for (int i = 0; i < layers.Items.Count && !Full; i++)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    ReadLayer(layers.Items[i], _network.Layers[i], values);
                }

                return values;
            }

            /// <summary>For Inference.Int8, the "calibration" section: one [min, max] pair per layer, finite, min at most
            /// max. Anything else is NG0036 (at the [Weights] attribute when the section is absent, else in the file).</summary>
            private string[]? ReadCalibration(JsonObject document)
            {
                int layers = _network.Layers.Count;
                string[]? values = Calibration(document, layers, out string? problem, out JsonValue? at);
                if (values is null)
                {
                    if (at is null)
                    {
                        _diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.CalibrationMissing.Id, null, new EquatableArray<string>(new[] { _network.Type.Name, Count(layers), _fileName, problem! })));
                    }
                    else
                    {
                        Report(DiagnosticDescriptors.CalibrationMissing, at, _network.Type.Name, Count(layers), _fileName, problem!);
                    }
                }

                return values;
            }

            /// <summary>One layer of the file: its topology fields, its weights and its biases, each checked.</summary>
            private void ReadLayer(JsonValue value, LayerSpec layer, string[] values)
            {
                string name = "layer " + Count(layer.Number);
                if (value is not JsonObject element)
                {
                    Malformed(value, $"{name} is {value.Kind}, expected an object");
                    return;
                }

                if (layer.Conv is { } conv)
                {
                    CheckSpatial(element, layer, conv, name);
                    if (layer.Kind == LayerKind.Convolution)
                    {
                        ReadConvolutionWeights(element, layer, conv, name, values);
                        ReadBiases(element, layer, name, values);
                        ReadSlopes(element, layer, name, values);
                    }

                    return;
                }

                CheckTopology(element, layer, name);
                ReadWeights(element, layer, name, values);
                ReadBiases(element, layer, name, values);
                ReadSlopes(element, layer, name, values);
            }

            /// <summary>A PReLU layer's "alpha": its slopes, one per channel (per unit), as nn.PReLU's weight.</summary>
            private void ReadSlopes(JsonObject element, LayerSpec layer, string name, string[] values)
            {
                if (layer.SlopeCount > 0)
                {
                    ReadVector(element, "alpha", layer.SlopeOffset, layer.SlopeCount, name + " (PReLU slopes)", values);
                }
            }

            /// <summary>A convolution's or pool's type and geometry (each field optional, as for dense layers) against the
            /// declaration: lists with one entry per spatial axis, padding also "same" or "causal".</summary>
            private void CheckSpatial(JsonObject element, LayerSpec layer, ConvSpec c, string name)
            {
                string type = layer.SpatialName.ToLowerInvariant();
                if (element["type"] is { } given)
                {
                    CheckString(given, name + "'s type", type);
                }

                if (c.Global)
                {
                    return;
                }

                string Axes(int height, int width) => c.Dimensions == 2 ? $"[{Count(height)}, {Count(width)}]" : $"[{Count(width)}]";
                void CheckAxes(string key, string what, int height, int width)
                {
                    if (element[key] is not { } value)
                    {
                        return;
                    }

                    string found = value is JsonArray list ? "[" + string.Join(", ", list.Items.Select(Describe)) + "]" : Describe(value);
                    bool scalar = value is JsonNumber n && height == width && n.Text == Count(width);
                    if (found != Axes(height, width) && !scalar)
                    {
                        Mismatch(value, $"{name}'s {what}", Axes(height, width), found);
                    }
                }

                CheckAxes("kernel", "kernel", c.KernelHeight, c.KernelWidth);
                CheckAxes("stride", "stride", c.StrideHeight, c.StrideWidth);

                // Padding that differs between the two sides of an axis (an imported SAME_LOWER, say) is written in ONNX's
                // pads order, every axis's start, then every axis's end; one entry per axis means both sides alike.
                bool asymmetric = c.PadTop != c.PadBottom || c.PadLeft != c.PadRight;
                string full = c.Dimensions == 2
                    ? $"[{Count(c.PadTop)}, {Count(c.PadLeft)}, {Count(c.PadBottom)}, {Count(c.PadRight)}]"
                    : $"[{Count(c.PadLeft)}, {Count(c.PadRight)}]";
                if (element["padding"] is JsonString mode)
                {
                    if (!string.Equals(mode.Value, c.Padding, StringComparison.OrdinalIgnoreCase))
                    {
                        Mismatch(mode, name + "'s padding", c.Padding != "explicit" ? c.Padding : asymmetric ? full : Axes(c.PadTop, c.PadLeft), mode.Value);
                    }
                }
                else if (c.Padding != "explicit" && element["padding"] is { } explicitPadding)
                {
                    Mismatch(explicitPadding, name + "'s padding", c.Padding, Describe(explicitPadding));
                }
                else if (element["padding"] is JsonArray pads && pads.Items.Count == 2 * c.Dimensions)
                {
                    string written = "[" + string.Join(", ", pads.Items.Select(Describe)) + "]";
                    if (written != full)
                    {
                        Mismatch(pads, name + "'s padding", full, written);
                    }
                }
                else if (asymmetric)
                {
                    if (element["padding"] is { } symmetric)
                    {
                        Mismatch(symmetric, name + "'s padding", full, Describe(symmetric));
                    }
                }
                else
                {
                    CheckAxes("padding", "padding", c.PadTop, c.PadLeft);
                }

                if (layer.Kind != LayerKind.Convolution)
                {
                    // As WeightsJson.Import: ceil mode (default false) and, for an average, whether padding counts (default true).
                    bool ceil = element["ceil_mode"] is JsonLiteral { Text: "true" };
                    if (element["ceil_mode"] is { } ceilMode && !(ceilMode is JsonLiteral { Text: "true" or "false" }))
                    {
                        Mismatch(ceilMode, name + "'s ceil_mode", c.CeilMode ? "true" : "false", Describe(ceilMode));
                    }
                    else if (ceil != c.CeilMode)
                    {
                        Mismatch(element["ceil_mode"] ?? element, name + "'s ceil_mode", c.CeilMode ? "true" : "false", ceil ? "true" : "false (absent)");
                    }

                    if (layer.Kind == LayerKind.AvgPool)
                    {
                        bool include = element["count_include_pad"] is not JsonLiteral { Text: "false" };
                        if (include != c.CountIncludePad)
                        {
                            Mismatch(element["count_include_pad"] ?? element, name + "'s count_include_pad", c.CountIncludePad ? "true" : "false", include ? "true (absent)" : "false");
                        }
                    }

                    return;
                }

                CheckAxes("dilation", "dilation", c.DilationHeight, c.DilationWidth);
                if (element["in"] is { } inChannels)
                {
                    CheckInteger(inChannels, name + "'s input channels", c.InChannels);
                }

                if (element["out"] is { } outChannels)
                {
                    CheckInteger(outChannels, name + "'s output channels", c.OutChannels);
                }

                if (element["groups"] is { } groups)
                {
                    CheckInteger(groups, name + "'s groups", c.Groups);
                }

                if (element["activation"] is { } activation)
                {
                    CheckString(activation, name + "'s activation", layer.Activation.ToString());
                }

                if (layer.SlopeCount == 0 && element["alpha"] is { } alpha && !(alpha is JsonNumber a && TryParse(a, out double found) && found == layer.Alpha))
                {
                    Mismatch(alpha, name + "'s alpha", Real(layer.Alpha), Describe(alpha));
                }
            }

            /// <summary>A convolution's "weight", nested as PyTorch's <c>Conv2d.weight</c>: [out][in/groups][kh][kw] (or
            /// [out][in/groups][k]), flattened in that order, which is the network's own layout.</summary>
            private void ReadConvolutionWeights(JsonObject element, LayerSpec layer, ConvSpec c, string name, string[] values)
            {
                int[] dimensions = c.Dimensions == 2
                    ? new[] { c.OutChannels, c.InChannels / c.Groups, c.KernelHeight, c.KernelWidth }
                    : new[] { c.OutChannels, c.InChannels / c.Groups, c.KernelWidth };
                string shape = "[" + string.Join(", ", dimensions.Select(Count)) + "]";
                if (element["weight"] is not JsonArray weight)
                {
                    string taps = c.Dimensions == 2 ? "kh, kw" : "k";
                    Malformed(element["weight"] ?? element, $"{name} needs \"weight\": nested arrays of shape {shape} ([out, in/groups, {taps}], as nn.Conv{Count(c.Dimensions)}d)");
                    return;
                }

                int index = layer.Offset;
                void Walk(JsonArray node, int level, string at)
                {
                    if (node.Items.Count != dimensions[level])
                    {
                        Mismatch(node, $"{name}'s weight{at} length", Count(dimensions[level]), Count(node.Items.Count));
                        return;
                    }

                    for (int i = 0; i < node.Items.Count && !Full; i++)
                    {
                        string next = $"{at}[{Count(i)}]";
                        if (level == dimensions.Length - 1)
                        {
                            values[index++] = Literal(node.Items[i], $"{name} weight{next}");
                        }
                        else if (node.Items[i] is JsonArray child)
                        {
                            Walk(child, level + 1, next);
                        }
                        else
                        {
                            Malformed(node.Items[i], $"{name} weight{next} is {node.Items[i].Kind}, expected an array (the weight's shape is {shape})");
                            return;
                        }
                    }
                }

                Walk(weight, 0, string.Empty);
            }

            /// <summary>The optional topology fields (type, in, out, pieces, activation, alpha) against the declaration.</summary>
            private void CheckTopology(JsonObject element, LayerSpec layer, string name)
            {
                bool maxout = layer.Kind == LayerKind.Maxout;
                if (element["type"] is { } type)
                {
                    CheckString(type, name + "'s type", TypeName(layer.Kind));
                }

                if (layer.Kind == LayerKind.LayerNorm)
                {
                    // A layer normalisation's epsilon is part of what it computes: the file must give the declared one.
                    if (element["epsilon"] is not JsonNumber e || !TryParse(e, out double epsilon) || epsilon != layer.Epsilon)
                    {
                        Mismatch(element["epsilon"] ?? element, name + "'s epsilon", Real(layer.Epsilon), element["epsilon"] is { } given ? Describe(given) : "none");
                    }

                    if (element["normalized"] is { } normalized)
                    {
                        CheckInteger(normalized, name + "'s normalized size", layer.NormalizedSize);
                    }
                    else if (layer.Groups > 1)
                    {
                        Mismatch(element, name + "'s normalized size", Count(layer.NormalizedSize), $"none (the whole input, {Count(layer.Units)})");
                    }
                }

                if (element["in"] is { } fanIn)
                {
                    CheckInteger(fanIn, name + "'s input size", layer.FanIn);
                }

                if (element["out"] is { } units)
                {
                    CheckInteger(units, name + "'s unit count", layer.Units);
                }

                if (element["pieces"] is { } pieces)
                {
                    CheckInteger(pieces, name + "'s pieces", layer.Pieces);
                }

                if (!maxout && element["activation"] is { } activation)
                {
                    CheckString(activation, name + "'s activation", layer.Activation.ToString());
                }

                if (element["softmaxSize"] is { } softmaxSize)
                {
                    CheckInteger(softmaxSize, name + "'s softmax size", layer.SoftmaxWidth);
                }
                else if (layer.SoftmaxGroups > 1)
                {
                    Mismatch(element, name + "'s softmax size", Count(layer.SoftmaxWidth), $"none (one softmax over {Count(layer.Units)})");
                }

                if (layer.SlopeCount > 0)
                {
                    // A PReLU's "alpha" is its slopes, read as parameters (ReadSlopes).
                }
                else if (element["alpha"] is { } alpha && !(alpha is JsonNumber a && TryParse(a, out double found) && found == layer.Alpha))
                {
                    Mismatch(alpha, name + "'s alpha", Real(layer.Alpha), Describe(alpha));
                }
                else if (element["alpha"] is null && !maxout && DefaultAlpha(layer.Activation) is { } standard && standard != layer.Alpha)
                {
                    // No alpha in the file means the activation's default, as WeightsJson.Import reads it.
                    Mismatch(element, name + "'s alpha", Real(layer.Alpha), $"none (the {layer.Activation} default, {Real(standard)})");
                }
            }

            /// <summary>The alpha a file that gives none means: the activation's default, or null where alpha is unused.</summary>
            private static double? DefaultAlpha(ActivationKind activation) => activation switch
            {
                ActivationKind.LeakyReLU => 0.01,
                ActivationKind.ELU => 1.0,
                _ => null,
            };

            /// <summary>The "type" of a layer of this kind in the weights JSON.</summary>
            internal static string TypeName(LayerKind kind) => kind switch
            {
                LayerKind.Maxout => "maxout",
                LayerKind.LayerNorm => "layernorm",
                _ => "dense",
            };

            /// <summary>Layer k's "weight": [out, in] rows, as nn.Linear stores them, into the input-major parameter block;
            /// for a layer normalisation, gamma, one number per unit, as nn.LayerNorm stores it.</summary>
            private void ReadWeights(JsonObject element, LayerSpec layer, string name, string[] values)
            {
                if (layer.Kind == LayerKind.LayerNorm)
                {
                    ReadVector(element, "weight", layer.Offset, layer.NormalizedSize, name, values);
                    return;
                }

                string weightShape = $"[{Count(layer.AffineOutputs)}, {Count(layer.FanIn)}]";
                if (element["weight"] is not JsonArray weight)
                {
                    Malformed(element["weight"] ?? element, $"{name} needs \"weight\": an array of {Count(layer.AffineOutputs)} rows of {Count(layer.FanIn)} numbers ([out, in], as nn.Linear)");
                }
                else if (weight.Items.Count != layer.AffineOutputs)
                {
                    Mismatch(weight, name + "'s weight shape [out, in]", weightShape, $"[{Count(weight.Items.Count)}, {(weight.Items.FirstOrDefault() is JsonArray first ? Count(first.Items.Count) : "?")}]");
                }
                else
                {
                    for (int row = 0; row < layer.AffineOutputs && !Full; row++)
                    {
                        if (weight.Items[row] is not JsonArray numbers || numbers.Items.Count != layer.FanIn)
                        {
                            Mismatch(weight.Items[row], $"{name}'s weight row {Count(row)}", $"{Count(layer.FanIn)} numbers", weight.Items[row] is JsonArray r ? $"{Count(r.Items.Count)}" : Describe(weight.Items[row]));
                            continue;
                        }

                        for (int column = 0; column < layer.FanIn && !Full; column++)
                        {
                            int index = layer.Offset + (column * layer.AffineOutputs) + row; // input-major, as the network stores it
                            values[index] = Literal(numbers.Items[column], $"{name} weight[{Count(row)}][{Count(column)}]");
                        }
                    }
                }
            }

            /// <summary>A one-dimensional array of <paramref name="count"/> numbers, such as a layer normalisation's gamma.</summary>
            private void ReadVector(JsonObject element, string key, int offset, int count, string name, string[] values)
            {
                if (element[key] is not JsonArray vector)
                {
                    Malformed(element[key] ?? element, $"{name} needs \"{key}\": an array of {Count(count)} numbers");
                }
                else if (vector.Items.Count != count)
                {
                    Mismatch(vector, $"{name}'s {key} length", Count(count), Count(vector.Items.Count));
                }
                else
                {
                    for (int i = 0; i < count && !Full; i++)
                    {
                        values[offset + i] = Literal(vector.Items[i], $"{name} {key}[{Count(i)}]");
                    }
                }
            }

            /// <summary>Layer k's "bias": one number per affine output.</summary>
            private void ReadBiases(JsonObject element, LayerSpec layer, string name, string[] values)
            {
                int count = layer.BiasCount;
                if (!layer.HasBias)
                {
                    // Bias = false: the file must give none (PyTorch's state_dict of nn.Linear(bias=False) has none).
                    if (element["bias"] is JsonArray given)
                    {
                        Mismatch(given, name + "'s bias", "none (the layer is declared with Bias = false)", $"an array of {Count(given.Items.Count)}");
                    }

                    return;
                }

                if (element["bias"] is not JsonArray bias)
                {
                    Malformed(element["bias"] ?? element, $"{name} needs \"bias\": an array of {Count(count)} numbers");
                }
                else if (bias.Items.Count != count)
                {
                    Mismatch(bias, name + "'s bias length", Count(count), Count(bias.Items.Count));
                }
                else
                {
                    for (int i = 0; i < count && !Full; i++)
                    {
                        values[layer.BiasOffset + i] = Literal(bias.Items[i], $"{name} bias[{Count(i)}]");
                    }
                }
            }

            /// <summary>The number's text as a C# literal of the network's type. The compiler rounds the decimal text
            /// straight to float or double, so a value exported from a float network comes back bit for bit.</summary>
            private string Literal(JsonValue value, string where)
            {
                if (value is not JsonNumber number)
                {
                    Malformed(value, $"{where} is {value.Kind}, expected a number");
                    return "0";
                }

                bool finite = TryParse(number, out double parsed) && !double.IsInfinity(parsed) && !double.IsNaN(parsed)
                    && (_network.IsDouble || Math.Abs(parsed) < FloatOverflow);
                if (!finite)
                {
                    Report(DiagnosticDescriptors.WeightsNotFinite, number, _fileName, number.Text, where, _network.Scalar);
                    return "0";
                }

                return number.Text + (_network.IsDouble ? "d" : "f");
            }

            internal static bool TryParse(JsonNumber number, out double value) =>
                double.TryParse(number.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

            private void CheckInteger(JsonValue value, string what, int expected)
            {
                if (!(value is JsonNumber number && number.Text == Count(expected)))
                {
                    Mismatch(value, what, Count(expected), Describe(value));
                }
            }

            private void CheckString(JsonValue value, string what, string expected)
            {
                if (!(value is JsonString s && string.Equals(s.Value, expected, StringComparison.OrdinalIgnoreCase)))
                {
                    Mismatch(value, what, expected, Describe(value));
                }
            }

            internal static string Describe(JsonValue value) => value switch
            {
                JsonNumber n => n.Text,
                JsonString s => s.Value,
                JsonLiteral l => l.Text,
                _ => value.Kind,
            };

            private void Mismatch(JsonValue at, string what, string expected, string found) =>
                Report(DiagnosticDescriptors.WeightsShapeMismatch, at, _fileName, _network.Type.Name, what, expected, found);

            private void Malformed(JsonValue at, string problem) => Malformed(at.Start, FirstLineLength(at), problem);

            private void Malformed(int offset, int length, string problem)
            {
                LocationInfo location = Location(offset, length);
                Add(DiagnosticDescriptors.WeightsFileMalformed.Id, location, _fileName, problem, Count(location.StartLine + 1), Count(location.StartCharacter + 1));
            }

            private void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, JsonValue at, params string[] arguments) =>
                Add(descriptor.Id, Location(at.Start, FirstLineLength(at)), arguments);

            private void Add(string id, LocationInfo location, params string[] arguments)
            {
                if (!Full)
                {
                    _diagnostics.Add(new DiagnosticInfo(id, location, new EquatableArray<string>(arguments)));
                }
            }

            /// <summary>A scalar's whole text, or the first line of an array or object: enough to point at it.</summary>
            private int FirstLineLength(JsonValue value)
            {
                int end = Math.Max(value.Start, Math.Min(value.End, _text.Length));
                int newline = _text.IndexOf('\n', value.Start);
                return (newline >= 0 && newline < end ? newline : end) - value.Start;
            }

            private LocationInfo Location(int offset, int length)
            {
                offset = Math.Max(0, Math.Min(offset, _text.Length));
                length = Math.Max(0, Math.Min(length, _text.Length - offset));
                (int startLine, int startCharacter) = Position(offset);
                (int endLine, int endCharacter) = Position(offset + length);
                return new LocationInfo(_path, offset, length, startLine, startCharacter, endLine, endCharacter);
            }

            private (int Line, int Character) Position(int offset)
            {
                _lineStarts ??= LineStarts(_text);
                int line = Array.BinarySearch(_lineStarts, offset);
                if (line < 0)
                {
                    line = ~line - 1;
                }

                return (line, offset - _lineStarts[line]);
            }

            private static int[] LineStarts(string text)
            {
                var starts = new List<int> { 0 };
                for (int i = 0; i < text.Length; i++)
                {
                    if (text[i] == '\n')
                    {
                        starts.Add(i + 1);
                    }
                }

                return starts.ToArray();
            }

            private static string Count(int value) => Int(value);
        }
    }
}
