using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace NetGen.Onnx
{
    /// <summary>Writes an imported network as NetGen's weights JSON (format "netgen-weights", version 1), the format
    /// <c>WeightsJson.Import</c> and <c>[Weights]</c> read, plus an "onnx" section with the source and the shapes. Each
    /// number is the shortest text that reads back to the same float (or double), so a baked import is bit for bit the
    /// model's.</summary>
    public static class WeightsJsonWriter
    {
        /// <summary>The JSON text.</summary>
        /// <param name="network">The imported network.</param>
        /// <param name="sourceName">The model's file name, for messages and documentation.</param>
        /// <param name="modelPath">The model's full path, when the build converts it: the generator matches [OnnxModel] by
        /// it (the item's metadata carries it too, but an editorconfig value loses everything after a '#' or ';').</param>
        public static string Write(ImportedNetwork network, string sourceName, string? modelPath = null)
        {
            if (network is null)
            {
                throw new ArgumentNullException(nameof(network));
            }

            var json = new StringBuilder();
            json.Append("{\n");
            json.Append("  \"format\": \"netgen-weights\",\n");
            json.Append("  \"version\": 1,\n");
            if (network.Layers.Count > 0 && network.Layers[0].Geometry is { } first)
            {
                // Channels-first planes, as the first convolution or pool reads them ([C, H, W], or [C, L] for 1-D).
                json.Append("  \"input\": ").Append(List(first.InputShape)).Append(",\n");
            }
            else
            {
                json.Append("  \"input\": ").Append(Integer(network.InputSize)).Append(",\n");
            }

            json.Append("  \"onnx\": {\n");
            json.Append("    \"file\": ").Append(Quote(sourceName)).Append(",\n");
            if (modelPath is not null)
            {
                json.Append("    \"model\": ").Append(Quote(modelPath)).Append(",\n");
            }

            json.Append("    \"producer\": ").Append(Quote(network.Producer)).Append(",\n");
            json.Append("    \"opset\": ").Append(Integer(network.Opset)).Append(",\n");
            json.Append("    \"precision\": ").Append(Quote(network.IsDouble ? "double" : "float")).Append(",\n");
            json.Append("    \"inputShape\": [").Append(string.Join(", ", Array.ConvertAll(ToArray(network.InputShape), Integer))).Append("],\n");
            bool logSoftmax = network.Layers.Count > 0 && network.Layers[network.Layers.Count - 1].Activation == "LogSoftmax";
            json.Append("    \"outputShape\": [").Append(string.Join(", ", Array.ConvertAll(ToArray(network.OutputShape), Integer))).Append(logSoftmax ? "],\n" : "]\n");
            if (logSoftmax)
            {
                // The last layer is affine, and the generated inference passes take the log-softmax of its output.
                json.Append("    \"output\": \"LogSoftmax\"\n");
            }

            json.Append("  },\n");
            json.Append("  \"layers\": [\n");
            for (int l = 0; l < network.Layers.Count; l++)
            {
                ImportedLayer layer = network.Layers[l];
                if (layer.Geometry is { } geometry)
                {
                    WriteSpatial(json, layer, geometry, network.IsDouble);
                    json.Append(l + 1 < network.Layers.Count ? "\n    },\n" : "\n    }\n");
                    continue;
                }

                json.Append("    {\n");
                json.Append("      \"type\": ").Append(Quote(layer.TypeName)).Append(",\n");
                json.Append("      \"source\": ").Append(Quote(layer.Source)).Append(",\n");
                json.Append("      \"in\": ").Append(Integer(layer.FanIn)).Append(",\n");
                json.Append("      \"out\": ").Append(Integer(layer.Units)).Append(",\n");
                json.Append("      \"activation\": ").Append(Quote(layer.Activation == "LogSoftmax" ? "Identity" : layer.Activation)).Append(",\n");
                if (layer.Alpha is double alpha)
                {
                    json.Append("      \"alpha\": ").Append(Number(alpha, network.IsDouble)).Append(",\n");
                }

                if (layer.SoftmaxSize > 0)
                {
                    json.Append("      \"softmaxSize\": ").Append(Integer(layer.SoftmaxSize)).Append(",\n");
                }

                if (layer.IsLayerNorm)
                {
                    // nn.LayerNorm's state_dict: weight (gamma) and bias (beta), one per normalised value.
                    json.Append("      \"epsilon\": ").Append(Number(layer.Epsilon, network.IsDouble)).Append(",\n");
                    json.Append("      \"normalized\": ").Append(Integer(layer.NormalizedSize)).Append(",\n");
                    json.Append("      \"weight\": [").Append(string.Join(", ", Array.ConvertAll(layer.Weight, v => Number(v, network.IsDouble)))).Append("],\n");
                    json.Append("      \"bias\": [").Append(string.Join(", ", Array.ConvertAll(layer.Bias!, v => Number(v, network.IsDouble)))).Append(']');
                    json.Append(l + 1 < network.Layers.Count ? "\n    },\n" : "\n    }\n");
                    continue;
                }

                json.Append("      \"weight\": [\n");
                for (int m = 0; m < layer.Units; m++)
                {
                    json.Append("        [");
                    for (int k = 0; k < layer.FanIn; k++)
                    {
                        json.Append(k == 0 ? string.Empty : ", ").Append(Number(layer.Weight[(m * layer.FanIn) + k], network.IsDouble));
                    }

                    json.Append(m + 1 < layer.Units ? "],\n" : "]\n");
                }

                json.Append("      ]");
                if (layer.Bias is { } bias)
                {
                    json.Append(",\n      \"bias\": [");
                    for (int m = 0; m < bias.Length; m++)
                    {
                        json.Append(m == 0 ? string.Empty : ", ").Append(Number(bias[m], network.IsDouble));
                    }

                    json.Append(']');
                }
                else
                {
                    // NetGen's dense layers have a bias; a graph without one gets zeros, which change nothing.
                    json.Append(",\n      \"bias\": [").Append(string.Join(", ", System.Linq.Enumerable.Repeat("0", layer.Units))).Append(']');
                }

                json.Append(l + 1 < network.Layers.Count ? "\n    },\n" : "\n    }\n");
            }

            json.Append("  ]\n}\n");
            return json.ToString();
        }

        /// <summary>A convolution or pool as the weights format describes it (docs/weights-format.md): the type, lists of one
        /// entry per spatial axis, the padding as such a list when both sides of each axis are alike, "same" for
        /// SAME_UPPER, or else every axis's start then every axis's end (ONNX's pads order); a convolution's weight nested
        /// as nn.Conv2d's, <c>[out][in/groups][kh][kw]</c>, one output channel per line. Leaves the object open after its
        /// last field.</summary>
        private static void WriteSpatial(StringBuilder json, ImportedLayer layer, ImportedGeometry g, bool isDouble)
        {
            bool two = g.Dimensions == 2;
            string Axes(int height, int width) => two ? List(new[] { height, width }) : List(new[] { width });
            json.Append("    {\n");
            json.Append("      \"type\": ").Append(Quote(layer.TypeName)).Append(",\n");
            json.Append("      \"source\": ").Append(Quote(layer.Source));
            if (g.Global)
            {
                return;
            }

            if (layer.Kind == ImportedLayerKind.Convolution)
            {
                json.Append(",\n      \"in\": ").Append(Integer(g.InChannels));
                json.Append(",\n      \"out\": ").Append(Integer(g.OutChannels));
            }

            json.Append(",\n      \"kernel\": ").Append(Axes(g.KernelHeight, g.KernelWidth));
            json.Append(",\n      \"stride\": ").Append(Axes(g.StrideHeight, g.StrideWidth));
            json.Append(",\n      \"padding\": ").Append(
                g.Padding == "same" ? Quote("same")
                : !g.IsAsymmetric ? Axes(g.PadTop, g.PadLeft)
                : two ? List(new[] { g.PadTop, g.PadLeft, g.PadBottom, g.PadRight }) : List(new[] { g.PadLeft, g.PadRight }));
            if (layer.Kind != ImportedLayerKind.Convolution)
            {
                if (g.CeilMode)
                {
                    json.Append(",\n      \"ceil_mode\": true");
                }

                if (layer.Kind == ImportedLayerKind.AvgPool)
                {
                    // Always written: ONNX's default (0) is not the format's (PyTorch's, true).
                    json.Append(",\n      \"count_include_pad\": ").Append(g.CountIncludePad ? "true" : "false");
                }

                return;
            }

            json.Append(",\n      \"dilation\": ").Append(Axes(g.DilationHeight, g.DilationWidth));
            json.Append(",\n      \"groups\": ").Append(Integer(g.Groups));
            json.Append(",\n      \"activation\": ").Append(Quote(layer.Activation));
            if (layer.Alpha is double alpha)
            {
                json.Append(",\n      \"alpha\": ").Append(Number(alpha, isDouble));
            }

            int perGroup = g.InChannels / g.Groups, taps = g.KernelHeight * g.KernelWidth;
            json.Append(",\n      \"weight\": [\n");
            for (int o = 0; o < g.OutChannels; o++)
            {
                json.Append("        [");
                for (int c = 0; c < perGroup; c++)
                {
                    json.Append(c == 0 ? "[" : ", [");
                    for (int i = 0; i < g.KernelHeight; i++)
                    {
                        if (two)
                        {
                            json.Append(i == 0 ? "[" : ", [");
                        }

                        for (int j = 0; j < g.KernelWidth; j++)
                        {
                            double w = layer.Weight[(((o * perGroup) + c) * taps) + (i * g.KernelWidth) + j];
                            json.Append(j == 0 ? string.Empty : ", ").Append(Number(w, isDouble));
                        }

                        if (two)
                        {
                            json.Append(']');
                        }
                    }

                    json.Append(']');
                }

                json.Append(o + 1 < g.OutChannels ? "],\n" : "]\n");
            }

            // A convolution without a bias in the graph gets zeros, as a dense layer does.
            json.Append("      ],\n      \"bias\": [");
            for (int o = 0; o < g.OutChannels; o++)
            {
                json.Append(o == 0 ? string.Empty : ", ").Append(layer.Bias is { } bias ? Number(bias[o], isDouble) : "0");
            }

            json.Append(']');
        }

        private static string List(int[] values) => "[" + string.Join(", ", Array.ConvertAll(values, Integer)) + "]";

        /// <summary>Writes the JSON to a file, through a temporary file so that a reader never sees half of it.</summary>
        public static void WriteFile(ImportedNetwork network, string sourceName, string path, string? modelPath = null)
        {
            string temporary = path + ".tmp";
            File.WriteAllText(temporary, Write(network, sourceName, modelPath), new UTF8Encoding(false));
            if (File.Exists(path))
            {
                File.Delete(path);
            }

            File.Move(temporary, path);
        }

        private static int[] ToArray(System.Collections.Generic.IReadOnlyList<int> values)
        {
            var array = new int[values.Count];
            for (int i = 0; i < array.Length; i++)
            {
                array[i] = values[i];
            }

            return array;
        }

        private static string Integer(int value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>The shortest round-trip text of the value as a float (or a double); non-finite values are refused by
        /// the importer's caller, since JSON has no literal for them.</summary>
        internal static string Number(double value, bool isDouble)
        {
            if (double.IsNaN(value) || double.IsInfinity(value))
            {
                throw new OnnxImportException($"a weight is {value}; NetGen's weights JSON holds finite numbers only");
            }

            if (isDouble)
            {
                string r = value.ToString("R", CultureInfo.InvariantCulture);
                return double.Parse(r, CultureInfo.InvariantCulture) == value ? r : value.ToString("G17", CultureInfo.InvariantCulture);
            }

            float f = (float)value;
            if (float.IsInfinity(f))
            {
                throw new OnnxImportException($"a weight ({value}) overflows float");
            }

            string text = f.ToString("R", CultureInfo.InvariantCulture);
            return float.Parse(text, CultureInfo.InvariantCulture) == f ? text : f.ToString("G9", CultureInfo.InvariantCulture);
        }

        /// <summary>A JSON string literal.</summary>
        public static string Quote(string text)
        {
            var quoted = new StringBuilder("\"");
            foreach (char c in text)
            {
                switch (c)
                {
                    case '"':
                        quoted.Append("\\\"");
                        break;
                    case '\\':
                        quoted.Append("\\\\");
                        break;
                    case '\n':
                        quoted.Append("\\n");
                        break;
                    case '\r':
                        quoted.Append("\\r");
                        break;
                    case '\t':
                        quoted.Append("\\t");
                        break;
                    default:
                        if (c < ' ')
                        {
                            quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            quoted.Append(c);
                        }

                        break;
                }
            }

            return quoted.Append('"').ToString();
        }
    }
}
