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

        /// <summary>For int8: the calibration file the request names, among the AdditionalFiles, found as a weights file
        /// is (<see cref="WeightsBaker.Match"/>).</summary>
        public static OnnxInput MatchCalibration(OnnxInput input, ImmutableArray<WeightsFile> files)
        {
            if (input.Request.CalibrationPath is not { } path)
            {
                return input;
            }

            (WeightsFile? file, string? problem) = WeightsBaker.Find(path, input.Request.SourceDirectory, files);
            return input with { Calibration = file, CalibrationProblem = problem };
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
                // A pool has no parameters; every other layer has a bias (zeros where the graph adds none).
                bool pool = entry.Kind is LayerKind.MaxPool or LayerKind.AvgPool;
                var layer = new LayerSpec(i + 1, entry.Kind, entry.In, entry.Out, 1, entry.Activation, entry.Alpha, (int)Math.Min(offset, int.MaxValue), HasBias: !pool, entry.Epsilon, entry.NormalizedSize, entry.SoftmaxSize, entry.Conv);
                specs.Add(layer);
                offset += layer.ParameterCount;
            }

            if (offset > NetworkParser.MaxParameters)
            {
                return Failed(request, DiagnosticDescriptors.OnnxModelUnsupported, fileName, $"it has {offset} parameters; at most {NetworkParser.MaxParameters} are supported");
            }

            ActivationKind output = specs[specs.Count - 1].Activation;
            bool logSoftmax = layers[layers.Count - 1].LogSoftmax;
            if (specs[specs.Count - 1].IsSpatial && (!request.IsStatic || request.HasLoss)
                && (logSoftmax || (output == ActivationKind.Identity && (request.Loss == LossKind.CrossEntropy || (request.Loss == LossKind.BinaryCrossEntropy && specs[specs.Count - 1].IsPool)))))
            {
                // The loss would put its softmax (or sigmoid) on the output layer, and a convolution takes no softmax, a pool
                // no activation at all.
                return Failed(request, DiagnosticDescriptors.OnnxModelUnsupported, fileName, $"its output layer is a {specs[specs.Count - 1].SpatialName}, and [Loss(LossFunction.{(request.Loss == LossKind.BinaryCrossEntropy ? "BinaryCrossEntropy" : "CrossEntropy")})] on its output needs a {(request.Loss == LossKind.BinaryCrossEntropy ? "sigmoid" : "softmax")} there; end the model in a dense layer (nn.Linear), or train it with [Loss(LossFunction.MeanSquaredError)]");
            }

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
            if (request.IsStatic && request.Int8)
            {
                return Int8(input, imported with { Int8 = true }, fileName, weights.Network.Values, reported);
            }

            return request.IsStatic
                ? new OnnxResult(request.Type.FullName, null, new BakedNetworkSpec(imported, fileName, weights.Network.Values), reported)
                : new OnnxResult(request.Type.FullName, imported, null, reported);
        }

        /// <summary>[Network(Inference = Inference.Int8)] on a static [OnnxModel] class: the calibration file's ranges,
        /// one per layer of the imported network (NG0036 otherwise), and layers int8 computes (NG0035 otherwise), give a
        /// baked network that the int8 emitter quantises as it does a [Weights] one.</summary>
        private static OnnxResult Int8(OnnxInput input, NetworkSpec network, string fileName, EquatableArray<string> values, EquatableArray<DiagnosticInfo> reported)
        {
            OnnxRequest request = input.Request;
            int layers = network.Layers.Count;
            string calibrationName = FileName(request.CalibrationPath ?? string.Empty);
            OnnxResult Error(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, params string[] arguments) =>
                new(request.Type.FullName, null, null, new EquatableArray<DiagnosticInfo>(reported.Concat(new[] { new DiagnosticInfo(descriptor.Id, null, new EquatableArray<string>(arguments)) }).ToArray()));

            if (input.Calibration?.Text is not { } text)
            {
                return Error(DiagnosticDescriptors.CalibrationMissing, request.Type.Name, Int(layers), calibrationName, "cannot be read: " + (input.CalibrationProblem ?? "it was not found"));
            }

            JsonValue root;
            try
            {
                root = JsonReader.Parse(text);
            }
            catch (JsonSyntaxException e)
            {
                return Error(DiagnosticDescriptors.CalibrationMissing, request.Type.Name, Int(layers), calibrationName, "is not valid JSON (" + e.Message + ")");
            }

            string? problem = "is not a JSON object";
            string[]? calibration = root is JsonObject document ? WeightsBaker.Calibration(document, layers, out problem, out _) : null;
            if (calibration is null)
            {
                return Error(DiagnosticDescriptors.CalibrationMissing, request.Type.Name, Int(layers), calibrationName, problem!);
            }

            foreach (LayerSpec layer in network.Layers)
            {
                if (Emitting.Int8Emitter.Unsupported(layer) is { } what)
                {
                    return Error(DiagnosticDescriptors.Int8Unsupported, request.Type.Name, $"layer {Int(layer.Number)} of '{fileName}' is {what}, which int8 inference does not compute yet ({Emitting.Int8Emitter.Supported})");
                }
            }

            var baked = new BakedNetworkSpec(network, fileName, values, new EquatableArray<string>(calibration));
            NetGen.Quantization.QuantizedLayerPlan?[]? plans = Emitting.Int8Emitter.Plans(baked, out string? reason);
            if (plans is null)
            {
                return Error(DiagnosticDescriptors.Int8Unsupported, request.Type.Name, reason ?? "its quantisation failed");
            }

            long stack = Emitting.Int8Emitter.StackBytes(network, plans);
            return stack > Emitting.Int8Emitter.MaxStackBytes
                ? Error(DiagnosticDescriptors.Int8Unsupported, request.Type.Name, $"its int8 forward pass needs {Int((int)(stack / 1024))} KB of stack for its widest layer, more than the {Int(Emitting.Int8Emitter.MaxStackBytes / 1024)} KB NetGen takes; quantise it at run time with QuantizedNetwork.From(net, calibration)")
                : new OnnxResult(request.Type.FullName, null, baked, reported);
        }

        private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

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

            // "input" is the input size, or, for a model that starts with a convolution or pool, its planes.
            Planes? planes = null;
            if (document["input"] is JsonArray && TryShape(document["input"], out int[] dimensions) && dimensions.Length is 2 or 3)
            {
                planes = new Planes(dimensions[0], dimensions.Length == 3 ? dimensions[1] : 1, dimensions[dimensions.Length - 1], dimensions.Length - 1);
                inputSize = planes.Size <= NetworkParser.MaxParameters ? (int)planes.Size : 0;
            }
            else
            {
                TryInt(document["input"], out inputSize);
            }

            if (inputSize < 1 || !TryShape(onnx["inputShape"], out inputShape) || !TryShape(onnx["outputShape"], out outputShape))
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

            int previous = inputSize;
            foreach (JsonValue item in array.Items)
            {
                // A model that ends in nn.LogSoftmax: its last layer is Identity, and the "onnx" section's "output" says the
                // inference passes take the log-softmax of it (see ImportSpec.LogSoftmax).
                bool logSoftmax = logSoftmaxOutput && ReferenceEquals(item, array.Items[array.Items.Count - 1]);
                if (item is JsonObject { } spatial && spatial["type"] is JsonString { Value: var type } && SpatialKind(type) is { } spatialKind)
                {
                    // A convolution or pool reads the planes before it: the input's, a convolution's or pool's output
                    // (through layer normalisations).
                    if (planes is null || logSoftmax || !TryReadSpatial(spatial, type, spatialKind, planes, out LayerEntry? entry, out problem))
                    {
                        problem ??= planes is null
                            ? $"a {type} layer of its converted form has no planes before it (the input's, or a convolution's or pool's)"
                            : "its converted form ends in LogSoftmax on a convolution";
                        return false;
                    }

                    layers.Add(entry!);
                    planes = new Planes(entry!.Conv!.OutChannels, entry.Conv.OutHeight, entry.Conv.OutWidth, entry.Conv.Dimensions);
                    previous = entry.Out;
                    continue;
                }

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

                if (fanIn != previous)
                {
                    problem = $"a layer of its converted form takes {fanIn} values where the layer before it gives {previous}";
                    return false;
                }

                layers.Add(new LayerEntry(kind, fanIn, units, activation, alpha, epsilon, kind == LayerKind.LayerNorm ? normalized : 0, softmaxSize == units ? 0 : softmaxSize, logSoftmax));
                planes = kind == LayerKind.LayerNorm ? planes : null; // a dense layer's output is a vector
                previous = units;
            }

            return true;
        }

        /// <summary>The layer kind of a convolution's or pool's "type", or null for the other types.</summary>
        private static LayerKind? SpatialKind(string type) => type switch
        {
            "conv2d" or "conv1d" => LayerKind.Convolution,
            "maxpool2d" or "maxpool1d" => LayerKind.MaxPool,
            "avgpool2d" or "avgpool1d" or "globalavgpool" => LayerKind.AvgPool,
            _ => null,
        };

        /// <summary>A convolution or pool of the converted form over <paramref name="input"/>, its geometry resolved with
        /// the parser's own arithmetic (<see cref="ConvolutionGeometry"/>) and checked as the parser checks a declaration,
        /// so that a hand-edited file is a diagnostic, never a crash: the fields docs/weights-format.md describes, padding
        /// per axis, "same" (SAME_UPPER), "causal", or every axis's start then every axis's end.</summary>
        private static bool TryReadSpatial(JsonObject layer, string type, LayerKind kind, Planes input, out LayerEntry? entry, out string? problem)
        {
            entry = null;
            problem = null;
            bool global = type == "globalavgpool";
            int dimensions = global ? input.Dimensions : type.EndsWith("2d", StringComparison.Ordinal) ? 2 : 1;
            if (dimensions != input.Dimensions)
            {
                problem = $"a {type} layer of its converted form reads {(input.Dimensions == 2 ? "2-D" : "1-D")} planes";
                return false;
            }

            if (global)
            {
                var whole = new ConvSpec(dimensions, input.Channels, input.Height, input.Width, input.Channels, 1, 1, input.Height, input.Width, 1, 1, 0, 0, 0, 0, 1, 1, 1, Global: true, CountIncludePad: false);
                entry = new LayerEntry(kind, whole.InputSize, whole.OutputSize, ActivationKind.Identity, 0, 0, 0, 0, false, whole);
                return true;
            }

            bool conv = kind == LayerKind.Convolution;
            string bad = $"a {type} layer of its converted form has a bad or missing ";
            if (!TryAxes(layer["kernel"], dimensions, 1, out int kh, out int kw) || !TryAxes(layer["stride"], dimensions, 1, out int sh, out int sw))
            {
                problem = bad + "kernel or stride";
                return false;
            }

            int dh = 1, dw = 1, groups = 1, outChannels = input.Channels;
            var activation = ActivationKind.Identity;
            double alpha = 0;
            if (conv)
            {
                // Dilation 1 and one group when absent, as the format says.
                bool dilation = layer["dilation"] is null || TryAxes(layer["dilation"], dimensions, 1, out dh, out dw);
                bool grouped = layer["groups"] is null || TryInt(layer["groups"], out groups);
                if (!dilation || !grouped || !TryInt(layer["in"], out int inChannels) || inChannels != input.Channels || !TryInt(layer["out"], out outChannels)
                    || inChannels % groups != 0 || outChannels % groups != 0
                    || layer["activation"] is not JsonString { Value: var name } || !Enum.TryParse(name, ignoreCase: false, out activation) || activation == ActivationKind.Softmax)
                {
                    problem = bad + $"dilation, channels ({input.Channels} in), groups or activation (a convolution takes no softmax)";
                    return false;
                }

                alpha = activation switch
                {
                    ActivationKind.LeakyReLU => 0.01,
                    ActivationKind.ELU => 1.0,
                    _ => 0,
                };
                if (layer["alpha"] is JsonNumber a && double.TryParse(a.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double given))
                {
                    alpha = given;
                }
            }

            // Padding: per axis, alike on both sides; "same" (the odd zero at the end); "causal" (1-D, all before); or
            // every axis's start then every axis's end.
            int pt = 0, pl = 0, pb = 0, pr = 0;
            string padding = "explicit";
            if (layer["padding"] is JsonString { Value: var mode })
            {
                padding = mode.ToLowerInvariant();
                if (padding == "same")
                {
                    (pt, pb) = ConvolutionGeometry.Same(input.Height, kh, sh, dh);
                    (pl, pr) = ConvolutionGeometry.Same(input.Width, kw, sw, dw);
                }
                else if (padding == "causal" && conv && dimensions == 1)
                {
                    (pl, pr) = ((int)Math.Min((long)dw * (kw - 1), int.MaxValue), 0);
                }
                else
                {
                    problem = bad + "padding";
                    return false;
                }
            }
            else if (layer["padding"] is JsonArray { Items.Count: var count } pads && count == 2 * dimensions && TryShape(pads, out int[] sides, minimum: 0))
            {
                (pt, pl, pb, pr) = dimensions == 2 ? (sides[0], sides[1], sides[2], sides[3]) : (0, sides[0], 0, sides[1]);
            }
            else if (layer["padding"] is not null && !TryAxes(layer["padding"], dimensions, 0, out pt, out pl))
            {
                problem = bad + "padding";
                return false;
            }
            else
            {
                (pb, pr) = (pt, pl);
            }

            bool ceil = !conv && layer["ceil_mode"] is JsonLiteral { Text: "true" };
            bool countIncludePad = kind == LayerKind.AvgPool && layer["count_include_pad"] is not JsonLiteral { Text: "false" };
            int outHeight = ConvolutionGeometry.OutputSize(input.Height, kh, sh, dh, pt, pb, ceil);
            int outWidth = ConvolutionGeometry.OutputSize(input.Width, kw, sw, dw, pl, pr, ceil);
            long weights = (long)outChannels * (input.Channels / groups) * kh * kw;
            long units = (long)outChannels * outHeight * outWidth;
            if (outHeight < 1 || outWidth < 1 || weights > NetworkParser.MaxParameters || units > NetworkParser.MaxParameters)
            {
                problem = $"a {type} layer of its converted form gives no output, or more values or weights than {NetworkParser.MaxParameters}";
                return false;
            }

            if (!conv && !(ConvolutionGeometry.EveryWindowTouchesInput(input.Height, kh, sh, pt, outHeight) && ConvolutionGeometry.EveryWindowTouchesInput(input.Width, kw, sw, pl, outWidth)))
            {
                problem = $"a {type} layer of its converted form has a window of padding only";
                return false;
            }

            var geometry = new ConvSpec(
                dimensions, input.Channels, input.Height, input.Width, outChannels, outHeight, outWidth, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, groups,
                CountIncludePad: countIncludePad,
                CeilMode: ceil,
                Padding: padding);
            entry = new LayerEntry(kind, geometry.InputSize, geometry.OutputSize, activation, alpha, 0, 0, 0, false, geometry);
            return true;
        }

        /// <summary>A list of one entry per spatial axis (a bare number for equal axes too), each at least
        /// <paramref name="minimum"/>: (height, width), height 1 (and, for padding, 0) for 1-D.</summary>
        private static bool TryAxes(JsonValue? value, int dimensions, int minimum, out int height, out int width)
        {
            height = minimum == 0 ? 0 : 1;
            width = height;
            if (value is null)
            {
                return false;
            }

            if (value is JsonNumber && TryInt(value, out int both, minimum))
            {
                (height, width) = dimensions == 2 ? (both, both) : (height, both);
                return true;
            }

            if (!TryShape(value, out int[] axes, minimum) || axes.Length != dimensions)
            {
                return false;
            }

            (height, width) = dimensions == 2 ? (axes[0], axes[1]) : (height, axes[0]);
            return true;
        }

        /// <summary>Channels-first planes between layers: C x H x W, or C x 1 x L for 1-D.</summary>
        private sealed record Planes(int Channels, int Height, int Width, int Dimensions)
        {
            public long Size => (long)Channels * Height * Width;
        }

        /// <summary>One layer of the converted form, as its JSON describes it.</summary>
        private sealed record LayerEntry(LayerKind Kind, int In, int Out, ActivationKind Activation, double Alpha, double Epsilon, int NormalizedSize, int SoftmaxSize, bool LogSoftmax, ConvSpec? Conv = null);

        private static bool TryInt(JsonValue? value, out int result, int minimum = 1)
        {
            result = 0;
            return value is JsonNumber n && int.TryParse(n.Text, NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= minimum;
        }

        private static bool TryShape(JsonValue? value, out int[] shape, int minimum = 1)
        {
            shape = Array.Empty<int>();
            if (value is not JsonArray array)
            {
                return false;
            }

            var dims = new int[array.Items.Count];
            for (int i = 0; i < dims.Length; i++)
            {
                if (!TryInt(array.Items[i], out dims[i], minimum))
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
