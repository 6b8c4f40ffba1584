using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Diagnostics
{
    /// <summary>Every diagnostic NetGen reports. IDs are never reused; each is recorded in AnalyzerReleases.*.md and has a
    /// page at docs/diagnostics/NG####.md, which its help link points to.</summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "NetGen";
        private const string HelpBase = "https://github.com/netgen-dotnet/netgen/blob/main/docs/diagnostics/";

        public static readonly DiagnosticDescriptor NotPartial = Error(
            "NG0001",
            "Network type must be partial",
            "'{0}' must be declared partial so NetGen can add the generated network to it, but it is not",
            "Add the partial modifier to the type and to every type that contains it.");

        public static readonly DiagnosticDescriptor MissingInput = Error(
            "NG0002",
            "Network has no [Input]",
            "'{0}' declares layers or a loss but no [Input]; expected exactly one [Input(size)] before the layers",
            "Add [Input(size)] with the length of the input vector.");

        public static readonly DiagnosticDescriptor DuplicateInput = Error(
            "NG0003",
            "Network has more than one [Input]",
            "'{0}' has {1} [Input] attributes; expected exactly one",
            "Keep one [Input(size)] and remove the others.");

        public static readonly DiagnosticDescriptor NoLayers = Error(
            "NG0004",
            "Network has no layer",
            "'{0}' declares no [Dense] or [Maxout] layer; expected at least one",
            "Add at least one layer after [Input], for example [Dense(1)] for linear regression.");

        public static readonly DiagnosticDescriptor InvalidSize = Error(
            "NG0005",
            "Size must be at least 1",
            "{0} must be at least 1, but it is {1}",
            "Give every [Input] size and every layer's unit count a positive value.");

        public static readonly DiagnosticDescriptor InvalidPieces = Error(
            "NG0006",
            "Maxout needs at least 2 pieces",
            "[Maxout] needs at least 2 pieces per unit, but it has {0}",
            "Use 2 or more pieces; with one piece, a maxout layer is a dense layer with identity activation.");

        public static readonly DiagnosticDescriptor SoftmaxNotLast = Error(
            "NG0007",
            "Softmax is allowed on the last layer only",
            "Layer {0} uses Softmax, but it is not the last layer ({1} layers); expected Softmax only on the output layer",
            "Use another activation on hidden layers; softmax normalises the output into a distribution.");

        public static readonly DiagnosticDescriptor MissingLoss = Error(
            "NG0008",
            "Network has no [Loss]",
            "'{0}' has no [Loss]; expected exactly one [Loss(LossFunction)]",
            "Add [Loss(LossFunction.MeanSquaredError)] for regression, CrossEntropy with a Softmax output, or BinaryCrossEntropy with a Sigmoid output.");

        public static readonly DiagnosticDescriptor DuplicateLoss = Error(
            "NG0009",
            "Network has more than one [Loss]",
            "'{0}' has {1} [Loss] attributes; expected exactly one",
            "Keep one [Loss] and remove the others.");

        public static readonly DiagnosticDescriptor CrossEntropyNeedsSoftmax = Error(
            "NG0010",
            "CrossEntropy needs a Softmax output",
            "LossFunction.CrossEntropy needs a Softmax output layer, but the output layer is {0}",
            "Make the last layer [Dense(n, Activation.Softmax)], or pick a loss that fits the output.");

        public static readonly DiagnosticDescriptor BinaryCrossEntropyNeedsSigmoid = Error(
            "NG0011",
            "BinaryCrossEntropy needs a Sigmoid output",
            "LossFunction.BinaryCrossEntropy needs a Sigmoid output layer, but the output layer is {0}",
            "Make the last layer [Dense(n, Activation.Sigmoid)], or pick a loss that fits the output.");

        public static readonly DiagnosticDescriptor SoftmaxWithMeanSquaredError = Warning(
            "NG0012",
            "Softmax output with MeanSquaredError",
            "The output layer uses Softmax with LossFunction.MeanSquaredError; this trains, but CrossEntropy is expected with Softmax",
            "Use LossFunction.CrossEntropy with a Softmax output: its gradient y - d does not vanish when the softmax saturates.");

        public static readonly DiagnosticDescriptor SpreadOverPartials = Error(
            "NG0013",
            "Network attributes spread over several partial declarations",
            "'{0}' has NetGen attributes on more than one partial declaration; expected them all on one declaration, where their order is the layer order",
            "Move every [Input], [Dense], [Maxout], [Loss] and [Network] attribute onto one declaration of the type.");

        public static readonly DiagnosticDescriptor UnsupportedType = Error(
            "NG0014",
            "Unsupported network type",
            "'{0}' is {1}; NetGen generates networks for non-generic, non-static classes and structs only",
            "Declare the network as a plain partial class or struct, outside generic types.");

        public static readonly DiagnosticDescriptor AlphaOutOfRange = Error(
            "NG0015",
            "Alpha out of range",
            "Alpha of {0} must be {1}, but it is {2}",
            "Leaky ReLU takes a slope in [0, 1); ELU takes an alpha in (0, 100]; PReLU takes any finite starting slope (finite in float for a float network).");

        public static readonly DiagnosticDescriptor AlphaUnused = Warning(
            "NG0016",
            "Alpha has no effect",
            "Alpha is set on a layer with activation {0}, which has no alpha; expected it only with LeakyReLU, ELU or PReLU",
            "Remove Alpha, or change the activation to LeakyReLU, ELU or PReLU.");

        public static readonly DiagnosticDescriptor UnrolledTooLarge = Error(
            "NG0017",
            "Network too large for unrolled scalar kernels",
            "Layer {0} has {1} weights; unrolled scalar kernels allow at most {2} per layer before the JIT stops optimising them",
            "Remove Kernels = KernelStyle.UnrolledScalar: the default vectorised kernels have no size limit.");

        public static readonly DiagnosticDescriptor UnknownEnumValue = Error(
            "NG0018",
            "Unknown enum value",
            "{0} has the value {1}, which is not a member of {2}",
            "Use one of the named members of the enum.");

        public static readonly DiagnosticDescriptor TooManyParameters = Error(
            "NG0019",
            "Network too large",
            "'{0}' would have {1} parameters; at most {2} are supported",
            "Reduce the layer sizes: parameters are kept in one array, which .NET limits in length.");

        public static readonly DiagnosticDescriptor MemberNameClash = Error(
            "NG0020",
            "A member name clashes with the generated network",
            "'{0}' declares '{1}', a name the generated network uses; expected no member (and no type name) '{1}' in a network type",
            "Rename the member, or move it to another type: NetGen generates InputSize, OutputSize, ParameterCount, DefaultSeed, Layers, Loss, Parameters, Gradients, Forward, Backward, SgdStep, ComputeLoss, ZeroGradients, InitializeParameters, Classify, ForwardBatch, BackwardBatch, ClassifyBatch and private helpers (docs/diagnostics/NG0020.md lists them all).");

        public static readonly DiagnosticDescriptor WeightsFileNotFound = Error(
            "NG0021",
            "Weights file not found",
            "'{0}' bakes the weights file '{1}', but {2}",
            "Add the file to the project as <AdditionalFiles Include=\"path/to/weights.json\" />; the path in [Weights] is relative to the source file that declares the network.");

        public static readonly DiagnosticDescriptor WeightsFileMalformed = Error(
            "NG0022",
            "Weights file is malformed",
            "'{0}' is not a valid NetGen weights file: {1} (line {2}, column {3})",
            "Write the file with WeightsJson.Export, or with the PyTorch snippet in docs/weights-format.md.");

        public static readonly DiagnosticDescriptor WeightsShapeMismatch = Error(
            "NG0023",
            "Weights file does not match the network",
            "'{0}' does not fit '{1}': {2}, expected {3}, found {4}",
            "Export the weights from a network with exactly the declared topology, or change the declaration to match the file.");

        public static readonly DiagnosticDescriptor WeightsNotFinite = Error(
            "NG0024",
            "Weights file holds a non-finite value",
            "'{0}' holds {1} at {2}, which is not a finite {3}",
            "Retrain or repair the model: a NaN or infinite parameter makes every output NaN or infinite.");

        public static readonly DiagnosticDescriptor OnnxModelNotFound = Error(
            "NG0025",
            "ONNX model not found",
            "'{0}' compiles the ONNX model '{1}', but {2}",
            "Add the model to the project as <NetGenModel Include=\"path/to/model.onnx\" />; the path in [OnnxModel] is relative to the source file that declares the network, or ends the path of exactly one NetGenModel item.");

        public static readonly DiagnosticDescriptor OnnxModelUnsupported = Error(
            "NG0026",
            "ONNX model cannot be compiled",
            "'{0}' cannot compile '{1}': {2}",
            "docs/onnx.md lists the ops, opsets and shapes NetGen compiles; `dotnet netgen import model.onnx` shows what NetGen makes of a graph.");

        public static readonly DiagnosticDescriptor OnnxModelWithLayers = Error(
            "NG0027",
            "[OnnxModel] network declares layers",
            "'{0}' takes its layers from an ONNX model, so it cannot also have [{1}]",
            "Remove the attribute: the model's graph gives the input size, the layers and the weights. [Loss] and [Network] apply.");

        public static readonly DiagnosticDescriptor OnnxModelNarrowed = Warning(
            "NG0028",
            "ONNX model narrowed to float",
            "'{0}' compiles '{1}', a double-precision model, in float: its weights and arithmetic are rounded to float",
            "Add [Network(Precision = Precision.Double)] to compute in double as the model does, or suppress NG0028 where float is intended.");

        public static readonly DiagnosticDescriptor EpsilonOutOfRange = Error(
            "NG0029",
            "LayerNorm epsilon out of range",
            "The epsilon of layer {0}'s [LayerNorm] must be positive and at most 1, but it is {1}",
            "Epsilon keeps the division by the standard deviation finite for a constant input: PyTorch's default is 1e-5, which [LayerNorm] takes when none is set.");

        public static readonly DiagnosticDescriptor NormalizedSizeDoesNotDivide = Error(
            "NG0030",
            "LayerNorm size does not divide its input",
            "The NormalizedSize of layer {0}'s [LayerNorm] must be a positive divisor of its input size, {1}, but it is {2}",
            "NormalizedSize is how many consecutive values are normalised together (nn.LayerNorm(d) over a [t, d] sample has NormalizedSize = d); leave it out to normalise the whole input.");

        public static readonly DiagnosticDescriptor ConvolutionParameterOutOfRange = Error(
            "NG0031",
            "Convolution or pool setting out of range",
            "The {0} of layer {1}'s [{2}] must be {3}, but it is {4}",
            "Kernels, strides, dilations and filters are at least 1, padding at least 0 (and at most half the window for a pool, as PyTorch requires), and groups divide both the input channels and the filters.");

        public static readonly DiagnosticDescriptor ConvolutionLeavesNothing = Error(
            "NG0032",
            "Convolution or pool leaves no output",
            "Layer {0}'s [{1}] on its input of {2} gives an output of {3}: its window spans {4}",
            "The window, stretched by its dilation, must fit inside the input plus its padding at least once. Use a smaller kernel, stride or dilation, pad the input, or remove a pooling layer before this one.");

        public static readonly DiagnosticDescriptor ConvolutionNeedsSpatialInput = Error(
            "NG0033",
            "Convolution or pool needs a channels-first input",
            "Layer {0}'s [{1}] needs an input of {2}, but its input is {3}",
            "A 2-D layer reads C x H x W values ([Input(c, h, w)] or a 2-D layer before it), a 1-D layer C x L ([Input(c, length)] or a 1-D layer before it). A [Dense] or [Maxout] layer flattens its input, so convolutions and pools come before the dense layers.");

        public static readonly DiagnosticDescriptor SoftmaxOnConvolution = Error(
            "NG0034",
            "Softmax on a convolution",
            "Layer {0}'s [{1}] cannot use Softmax: its output of {2} does not say which axis the softmax runs over",
            "Classify with a [Dense(classes, Activation.Softmax)] after the convolutions (after a [GlobalAvgPool] for a fully convolutional net).");

        public static readonly DiagnosticDescriptor Int8Unsupported = Error(
            "NG0035",
            "Int8 inference not possible for this network",
            "'{0}' cannot be compiled with Inference.Int8: {1}",
            "Inference.Int8 quantises a float network baked with [Weights], or a static [OnnxModel] class with Calibration = \"file.json\", whose layers are dense layers, convolutions (Identity, ReLU, LeakyReLU, PReLU, Sigmoid, Tanh, ELU, Softmax at the output), maxout layers and pools. A trainable network quantises at run time: QuantizedNetwork.From(net, calibration).");

        public static readonly DiagnosticDescriptor CalibrationMissing = Error(
            "NG0036",
            "No usable calibration for Inference.Int8",
            "'{0}' needs the input range of each of its {1} layers for Inference.Int8, and '{2}' {3}",
            "Write the section from a calibration set with File.WriteAllText(path, WeightsJson.Export(net, Calibration.Collect(net, samples))), or for an ONNX model File.WriteAllText(path, Calibration.Collect(net, samples).ToJson()): \"calibration\": [[min, max], ...], one pair per layer, the range of that layer's input.");

        public static readonly DiagnosticDescriptor CalibrationUnused = Warning(
            "NG0037",
            "Calibration has no effect without Inference.Int8",
            "'{0}' names the calibration '{1}', which only int8 inference reads; '{0}' compiles in float",
            "Add [Network(Inference = Inference.Int8)] to a static [OnnxModel] class to compile it in int8 with those ranges, or remove Calibration.");

        public static readonly DiagnosticDescriptor InternalError = Error(
            "NG0099",
            "NetGen failed unexpectedly",
            "NetGen could not process '{0}': {1}",
            "This is a bug in NetGen; please report it with the declaration that triggers it.");

        /// <summary>Every descriptor, in ID order.</summary>
        public static IReadOnlyList<DiagnosticDescriptor> All { get; } = typeof(DiagnosticDescriptors)
            .GetFields()
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .OrderBy(d => d.Id, System.StringComparer.Ordinal)
            .ToArray();

        public static DiagnosticDescriptor ById(string id) => All.First(d => d.Id == id);

        private static DiagnosticDescriptor Error(string id, string title, string message, string description) =>
            Create(id, title, message, description, DiagnosticSeverity.Error);

        private static DiagnosticDescriptor Warning(string id, string title, string message, string description) =>
            Create(id, title, message, description, DiagnosticSeverity.Warning);

        private static DiagnosticDescriptor Create(string id, string title, string message, string description, DiagnosticSeverity severity) =>
            new(id, title, message, Category, severity, isEnabledByDefault: true, description, HelpBase + id + ".md");
    }
}
