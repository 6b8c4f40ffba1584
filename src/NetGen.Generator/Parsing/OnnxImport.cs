using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;

namespace NetGen.Generator.Parsing
{
    /// <summary>[OnnxModel] networks: finds the converted model among the AdditionalFiles (the items whose
    /// <c>NetGenModel</c> metadata names a model), builds the network from its layers, and reads its weights with
    /// <see cref="WeightsBaker"/>. The converted model is NetGen's weights JSON, written by the build's
    /// <c>NetGenConvertModels</c> target (or <c>"format": "netgen-import-error"</c> with the reason the model cannot be
    /// compiled). Plain data in and out.</summary>
    internal static class OnnxImport
    {
        /// <summary>The metadata the build puts on a converted model's AdditionalFiles item: the model's full path.</summary>
        public const string ModelMetadata = "build_metadata.AdditionalFiles.NetGenModel";

        /// <summary>The model path a converted file records ("onnx.model", or "model" in an error file), else the item's
        /// metadata: an editorconfig value stops at a '#' or ';', so a project under "C# Projects" needs the former.</summary>
        public static ModelFile ReadModelFile(string metadataPath, string convertedPath, string? text)
        {
            string modelPath = metadataPath;
            if (text is not null)
            {
                try
                {
                    if (JsonReader.Parse(text) is JsonObject document
                        && ((document["onnx"] as JsonObject)?["model"] ?? document["model"]) is JsonString { Value: { Length: > 0 } recorded })
                    {
                        modelPath = recorded;
                    }
                }
                catch (JsonSyntaxException)
                {
                    // Build reports the file as malformed.
                }
            }

            return new ModelFile(modelPath, convertedPath, text);
        }

        /// <summary>The converted model that <paramref name="request"/> names.</summary>
        public static OnnxInput Match(OnnxRequest request, ImmutableArray<ModelFile> files)
        {
            if (string.IsNullOrWhiteSpace(request.Path))
            {
                return new OnnxInput(request, null, "the path is empty");
            }

            if (files.IsDefaultOrEmpty)
            {
                return new OnnxInput(request, null, "the project has no NetGenModel items; add <NetGenModel Include=\"" + request.Path + "\" /> to an ItemGroup");
            }

            (ModelFile? file, string? problem) = PathMatcher.Find(request.Path, request.SourceDirectory, files, f => f.ModelPath, "NetGenModel");
            if (file is null)
            {
                string items = string.Join(", ", files.Select(f => "'" + f.ModelPath + "'").Distinct().OrderBy(p => p, StringComparer.Ordinal));
                return new OnnxInput(request, null, $"{problem}; the NetGenModel items are {items}");
            }

            return file.Text is null
                ? new OnnxInput(request, null, $"its converted form '{file.ConvertedPath}' could not be read")
                : new OnnxInput(request, file, null);
        }

        /// <summary>The network the converted model describes, checked against the declaration, with its weights.</summary>
        public static OnnxResult Build(OnnxInput input, CancellationToken cancellationToken)
        {
            OnnxRequest request = input.Request;
            string fileName = FileName(request.Path);
            if (input.File?.Text is not { } text)
            {
                return Failed(request, DiagnosticDescriptors.OnnxModelNotFound, request.Path, input.Problem ?? "it was not found");
            }

            JsonObject document;
            try
            {
                if (JsonReader.Parse(text) is not JsonObject root)
                {
                    return Failed(request, DiagnosticDescriptors.OnnxModelUnsupported, fileName, "its converted form is not a JSON object (rebuild to convert it again)");
                }

                document = root;
            }
            catch (JsonSyntaxException e)
            {
                return Failed(request, DiagnosticDescriptors.OnnxModelUnsupported, fileName, "its converted form is not valid JSON (" + e.Message + "); rebuild to convert it again");
            }

            if (document["format"] is JsonString { Value: "netgen-import-error" })
            {
                string message = document["message"] is JsonString m ? m.Value : "the converter gave no reason";
                return Failed(request, DiagnosticDescriptors.OnnxModelUnsupported, fileName, message);
            }

            if (!TryReadTopology(document, out int inputSize, out List<LayerEntry> layers, out int[] inputShape, out int[] outputShape, out string? problem))
            {
                return Failed(request, DiagnosticDescriptors.OnnxModelUnsupported, fileName, problem! + " (rebuild to convert it again)");
            }

            var specs = new List<LayerSpec>();
            long offset = 0;
            for (int i = 0; i < layers.Count; i++)
            {
                LayerEntry entry = layers[i];
                var layer = new LayerSpec(i + 1, entry.Kind, entry.In, entry.Out, 1, entry.Activation, entry.Alpha, (int)Math.Min(offset, int.MaxValue), HasBias: true, entry.Epsilon, entry.NormalizedSize, entry.SoftmaxSize);
                specs.Add(layer);
                offset += layer.ParameterCount;
            }

            if (offset > NetworkParser.MaxParameters)
            {
                return Failed(request, DiagnosticDescriptors.OnnxModelUnsupported, fileName, $"it has {offset} parameters; at most {NetworkParser.MaxParameters} are supported");
            }

            ActivationKind output = specs[specs.Count - 1].Activation;
            bool logSoftmax = layers[layers.Count - 1].LogSoftmax;
            if (logSoftmax && (!request.IsStatic || request.HasLoss) && request.Loss != LossKind.CrossEntropy)
            {
                return Failed(request, DiagnosticDescriptors.OnnxModelUnsupported, fileName, "it ends in LogSoftmax, whose log-probabilities train with [Loss(LossFunction.CrossEntropy)] (PyTorch's nn.NLLLoss on them is cross-entropy)");
            }

            if (!request.IsStatic && request.Loss == LossKind.CrossEntropy && specs[specs.Count - 1].SoftmaxGroups > 1)
            {
                return Failed(request, DiagnosticDescriptors.OnnxModelUnsupported, fileName, $"its output is {specs[specs.Count - 1].SoftmaxGroups} softmaxes of {specs[specs.Count - 1].SoftmaxWidth} values, and [Loss(LossFunction.CrossEntropy)] takes one distribution; compile it static (inference only), or train it with [Loss(LossFunction.MeanSquaredError)]");
            }

            // A graph that ends in logits trains with its softmax or sigmoid inside the loss, as nn.CrossEntropyLoss and
            // nn.BCEWithLogitsLoss do. A static class with a [Loss] says so too, so that its Classify reads logits.
            bool logits = (!request.IsStatic || request.HasLoss) && output == ActivationKind.Identity
                && ((request.Loss == LossKind.CrossEntropy && specs[specs.Count - 1].Units > 1) || request.Loss == LossKind.BinaryCrossEntropy);
            if (logSoftmax)
            {
                // Log-probabilities are logits (a log-softmax of them is themselves): they classify and evaluate as such,
                // and a trainable import trains its softmax inside the cross-entropy. A static class of several
                // distributions takes no classification rule from them.
                logits = specs[specs.Count - 1].SoftmaxGroups == 1 && (!request.IsStatic || outputShape.Length <= 1);
            }
            else if (logits && request.IsStatic && request.Loss == LossKind.CrossEntropy && outputShape.Length > 1)
            {
                // Inference only: the loss says nothing a static class needs here; classify as the graph's output reads.
                logits = false;
            }
            else if (logits && request.Loss == LossKind.CrossEntropy && outputShape.Length > 1)
            {
                // nn.CrossEntropyLoss on [N, C, d...] takes dimension 1 as the classes: not one softmax over the sample.
                return Failed(request, DiagnosticDescriptors.OnnxModelUnsupported, fileName, $"its output has shape [{string.Join(", ", outputShape)}], and [Loss(LossFunction.CrossEntropy)] on logits takes one distribution over a vector of classes; flatten the output in the model, or train it with [Loss(LossFunction.MeanSquaredError)]");
            }

            if (!logits && !request.IsStatic && LossProblem(request.Loss, output) is { } lossProblem)
            {
                return Failed(request, DiagnosticDescriptors.OnnxModelUnsupported, fileName, lossProblem);
            }

            var network = new NetworkSpec(request.Type, request.IsDouble, false, inputSize, new EquatableArray<LayerSpec>(specs), request.Loss);
            BakeResult weights = WeightsBaker.Bake(new BakeInput(new BakeRequest(network, input.File.ConvertedPath, request.SourceDirectory), new WeightsFile(input.File.ConvertedPath, text), null), cancellationToken);
            if (weights.Network is null)
            {
                // The converted file is the build's, under obj/: report what is wrong with its weights (a value too large for
                // float, say) at the [OnnxModel] attribute, not inside it.
                return new OnnxResult(request.Type.FullName, null, null, new EquatableArray<DiagnosticInfo>(weights.Diagnostics.Select(d => d with { Location = null }).ToArray()));
            }

            if (logits && (!request.IsStatic || request.HasLoss))
            {
                // PyTorch's classifiers end in logits and train with nn.CrossEntropyLoss (or nn.BCEWithLogitsLoss): the
                // softmax (or sigmoid) is inside the loss. The network trains with that output layer, and Forward returns
                // a_L, what the graph returns.
                specs[specs.Count - 1] = specs[specs.Count - 1] with { Activation = request.Loss == LossKind.CrossEntropy ? ActivationKind.Softmax : ActivationKind.Sigmoid };
                network = network with { Layers = new EquatableArray<LayerSpec>(specs) };
            }

            var import = new ImportSpec(fileName, new EquatableArray<int>(inputShape), new EquatableArray<int>(outputShape), weights.Network.Values, logits, logSoftmax);
            NetworkSpec imported = network with { Import = import };
            var diagnostics = new List<DiagnosticInfo>(weights.Diagnostics);
            if (!request.IsDouble && (document["onnx"] as JsonObject)?["precision"] is JsonString { Value: "double" })
            {
                diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.OnnxModelNarrowed.Id, null, new EquatableArray<string>(new[] { request.Type.Name, fileName })));
            }

            var reported = new EquatableArray<DiagnosticInfo>(diagnostics.ToArray());
            return request.IsStatic
                ? new OnnxResult(request.Type.FullName, null, new BakedNetworkSpec(imported, fileName, weights.Network.Values), reported)
                : new OnnxResult(request.Type.FullName, imported, null, reported);
        }

        /// <summary>Why the loss cannot train this output, or null. Logits are handled by the caller.</summary>
        private static string? LossProblem(LossKind loss, ActivationKind output) => (loss, output) switch
        {
            (LossKind.CrossEntropy, not ActivationKind.Softmax) => $"[Loss(LossFunction.CrossEntropy)] needs the graph to end in logits (two or more) or in Softmax, and it ends in {output}",
            (LossKind.BinaryCrossEntropy, not ActivationKind.Sigmoid) => $"[Loss(LossFunction.BinaryCrossEntropy)] needs the graph to end in logits or in Sigmoid, and it ends in {output}",
            _ => null,
        };

        private static bool TryReadTopology(JsonObject document, out int inputSize, out List<LayerEntry> layers, out int[] inputShape, out int[] outputShape, out string? problem)
        {
            layers = new List<LayerEntry>();
            inputShape = outputShape = Array.Empty<int>();
            inputSize = 0;
            problem = null;
            if (document["format"] is not JsonString { Value: "netgen-weights" } || document["onnx"] is not JsonObject onnx)
            {
                problem = "its converted form is not a converted ONNX model";
                return false;
            }

            if (!TryInt(document["input"], out inputSize) || !TryShape(onnx["inputShape"], out inputShape) || !TryShape(onnx["outputShape"], out outputShape))
            {
                problem = "its converted form lacks the input size or the shapes";
                return false;
            }

            if (document["layers"] is not JsonArray array || array.Items.Count == 0)
            {
                problem = "its converted form has no layers";
                return false;
            }

            bool logSoftmaxOutput = onnx["output"] is JsonString { Value: "LogSoftmax" };

            foreach (JsonValue item in array.Items)
            {
                // A model that ends in nn.LogSoftmax: its last layer is Identity, and the "onnx" section's "output" says the
                // inference passes take the log-softmax of it (see ImportSpec.LogSoftmax).
                bool logSoftmax = logSoftmaxOutput && ReferenceEquals(item, array.Items[array.Items.Count - 1]);
                if (item is not JsonObject layer || !TryInt(layer["in"], out int fanIn) || !TryInt(layer["out"], out int units)
                    || layer["activation"] is not JsonString { Value: var name } || !Enum.TryParse(name, ignoreCase: false, out ActivationKind activation)
                    || (logSoftmax && activation != ActivationKind.Identity))
                {
                    problem = "a layer of its converted form lacks its sizes or activation";
                    return false;
                }

                double alpha = activation switch
                {
                    ActivationKind.LeakyReLU => 0.01,
                    ActivationKind.ELU => 1.0,
                    _ => 0,
                };
                if (layer["alpha"] is JsonNumber a && double.TryParse(a.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double given))
                {
                    alpha = given;
                }

                LayerKind kind = layer["type"] is JsonString { Value: "layernorm" } ? LayerKind.LayerNorm : LayerKind.Dense;
                double epsilon = 0;
                if (kind == LayerKind.LayerNorm
                    && (fanIn != units || layer["epsilon"] is not JsonNumber e || !double.TryParse(e.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out epsilon) || !(epsilon > 0 && epsilon <= 1)))
                {
                    problem = "a layer normalisation of its converted form lacks its epsilon or changes the size";
                    return false;
                }

                int normalized = units;
                if (kind == LayerKind.LayerNorm && layer["normalized"] is { } size && (!TryInt(size, out normalized) || units % normalized != 0))
                {
                    problem = "a layer normalisation of its converted form has a normalized size that does not divide its input";
                    return false;
                }

                int softmaxSize = 0;
                if (layer["softmaxSize"] is { } groups && (!(activation == ActivationKind.Softmax || logSoftmax) || !TryInt(groups, out softmaxSize) || units % softmaxSize != 0))
                {
                    problem = "a layer of its converted form has a softmax size that does not divide its outputs";
                    return false;
                }

                layers.Add(new LayerEntry(kind, fanIn, units, activation, alpha, epsilon, kind == LayerKind.LayerNorm ? normalized : 0, softmaxSize == units ? 0 : softmaxSize, logSoftmax));
            }

            return true;
        }

        /// <summary>One layer of the converted form, as its JSON describes it.</summary>
        private sealed record LayerEntry(LayerKind Kind, int In, int Out, ActivationKind Activation, double Alpha, double Epsilon, int NormalizedSize, int SoftmaxSize, bool LogSoftmax);

        private static bool TryInt(JsonValue? value, out int result)
        {
            result = 0;
            return value is JsonNumber n && int.TryParse(n.Text, NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= 1;
        }

        private static bool TryShape(JsonValue? value, out int[] shape)
        {
            shape = Array.Empty<int>();
            if (value is not JsonArray array)
            {
                return false;
            }

            var dims = new int[array.Items.Count];
            for (int i = 0; i < dims.Length; i++)
            {
                if (!TryInt(array.Items[i], out dims[i]))
                {
                    return false;
                }
            }

            shape = dims;
            return true;
        }

        private static string FileName(string path)
        {
            string unified = path.Replace('\\', '/');
            return unified.Substring(unified.LastIndexOf('/') + 1);
        }

        private static OnnxResult Failed(OnnxRequest request, Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, string subject, string reason) =>
            new(request.Type.FullName, null, null, new EquatableArray<DiagnosticInfo>(new[]
            {
                new DiagnosticInfo(descriptor.Id, null, new EquatableArray<string>(new[] { request.Type.Name, subject, reason })),
            }));
    }
}
