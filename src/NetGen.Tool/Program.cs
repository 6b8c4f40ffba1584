using System;
using System.IO;
using System.Linq;
using NetGen.Onnx;

namespace NetGen.Tool
{
    /// <summary>The <c>netgen</c> command.</summary>
    public static class Program
    {
        private const string Usage = """
            Usage: dotnet netgen import <model.onnx> [-o <weights.json>]

              Converts an ONNX model (opsets 11 to 17, as torch.onnx.export writes them) into NetGen's weights JSON,
              for [Weights("...")] or WeightsJson.Import, and prints the layers NetGen made of the graph.
              Without -o, the JSON goes beside the model with the extension .json.
            """;

        /// <summary>Runs the command; returns 0 on success, 1 when the model cannot be imported, 2 on a usage error.</summary>
        public static int Main(string[] args)
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                Console.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }

            if (args[0] != "import")
            {
                Console.Error.WriteLine($"netgen: unknown command '{args[0]}'.");
                Console.Error.WriteLine(Usage);
                return 2;
            }

            string? model = null, output = null;
            for (int i = 1; i < args.Length; i++)
            {
                if (args[i] is "-o" or "--output")
                {
                    if (++i >= args.Length)
                    {
                        Console.Error.WriteLine("netgen: -o needs a path.");
                        return 2;
                    }

                    output = args[i];
                }
                else if (model is null)
                {
                    model = args[i];
                }
                else
                {
                    Console.Error.WriteLine($"netgen: unexpected argument '{args[i]}'.");
                    return 2;
                }
            }

            if (model is null)
            {
                Console.Error.WriteLine("netgen: which model? " + Usage);
                return 2;
            }

            output ??= Path.ChangeExtension(model, ".json");
            try
            {
                ImportedNetwork network = OnnxImporter.Import(OnnxModel.Load(model));
                WeightsJsonWriter.WriteFile(network, Path.GetFileName(model), output);
                Console.WriteLine($"{model}: {network.Producer}, opset {network.Opset}, {(network.IsDouble ? "double" : "float")}");
                Console.WriteLine($"  input  [{string.Join(", ", network.InputShape)}] (a span of {network.InputSize} values)");
                for (int l = 0; l < network.Layers.Count; l++)
                {
                    ImportedLayer layer = network.Layers[l];
                    string alpha = layer.Alpha is double a ? FormattableString.Invariant($", alpha {a:R}") : string.Empty;
                    string softmax = layer.SoftmaxSize > 0 ? FormattableString.Invariant($" per {layer.SoftmaxSize}") : string.Empty;
                    // A pool has no activation (an activation after it is a layer of its own).
                    string activation = layer.Kind is ImportedLayerKind.MaxPool or ImportedLayerKind.AvgPool ? string.Empty : $", {layer.Activation}{softmax}{alpha}";
                    Console.WriteLine(FormattableString.Invariant($"  layer {l + 1}: {layer.Describe()}{activation}   from {layer.Source}"));
                }

                Console.WriteLine($"  output [{string.Join(", ", network.OutputShape)}]");
                Console.WriteLine($"wrote {output}");
                return 0;
            }
            catch (Exception e) when (e is OnnxFormatException or OnnxImportException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"netgen: {model}: {e.Message}");
                return 1;
            }
        }
    }
}
