namespace NetGen.Generator.Model
{
    /// <summary>A source location as plain data, so parse results stay equatable without holding a syntax tree.</summary>
    internal sealed record LocationInfo(
        string FilePath,
        int Start,
        int Length,
        int StartLine,
        int StartCharacter,
        int EndLine,
        int EndCharacter);

    /// <summary>A diagnostic to report: the descriptor's ID, where, and the message arguments.</summary>
    internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments);

    /// <summary>What parsing one network type yields: the model when code can be generated, and the diagnostics. A type
    /// with <c>[Weights]</c> yields a <see cref="BakeRequest"/> instead of a trainable <see cref="NetworkSpec"/>, and
    /// the <c>[Weights]</c> attribute's location beside it (not inside it, so that moving the declaration does not
    /// bake the file again).</summary>
    internal sealed record ParseResult(
        NetworkSpec? Network,
        EquatableArray<DiagnosticInfo> Diagnostics,
        BakeRequest? Bake = null,
        LocationInfo? WeightsAttribute = null,
        OnnxRequest? Onnx = null);

    /// <summary>A network whose parameters come from a weights file at compile time: the key of the bake steps. It
    /// holds no location, so an edit that only moves the declaration leaves baking cached.</summary>
    /// <param name="Path">The path as written in <c>[Weights]</c>.</param>
    /// <param name="SourceDirectory">The directory of the source file that declares the network.</param>
    internal sealed record BakeRequest(NetworkSpec Network, string Path, string SourceDirectory);

    /// <summary>Where a baked network's <c>[Weights]</c> attribute is, by the network's full name: the diagnostics
    /// output puts a bake diagnostic about the file as a whole (NG0021, NG0099) there.</summary>
    internal sealed record WeightsAttributeSite(string Type, LocationInfo? Location);

    /// <summary>An AdditionalFiles item that may be a weights file: its path and text (null when it cannot be read).</summary>
    internal sealed record WeightsFile(string Path, string? Text);

    /// <summary>A bake request with the file it names, or why none was found.</summary>
    internal sealed record BakeInput(BakeRequest Request, WeightsFile? File, string? Problem);

    /// <summary>A network with baked parameters: the literals in the trainable network's layout (input-major weights,
    /// then biases, layer by layer), exactly as the file writes them.</summary>
    /// <param name="Calibration">For <c>Inference.Int8</c>: each layer's input range, min then max, as the file writes them.</param>
    internal sealed record BakedNetworkSpec(NetworkSpec Network, string FileName, EquatableArray<string> Values, EquatableArray<string> Calibration = default);

    /// <summary>What baking yields for the network named <paramref name="Type"/> (its full name): the network when the
    /// file fits it, and the diagnostics. A diagnostic without a location is about the file as a whole and belongs at
    /// the network's <c>[Weights]</c> attribute (see <see cref="WeightsAttributeSite"/>); the others point into the file.</summary>
    internal sealed record BakeResult(string Type, BakedNetworkSpec? Network, EquatableArray<DiagnosticInfo> Diagnostics);

    /// <summary>A network compiled from an ONNX model: everything the declaration says (type, precision, loss, whether it
    /// is static, the path as written, and for int8 the calibration file's path); the layers come from the converted model.
    /// The key of the import steps.</summary>
    internal sealed record OnnxRequest(TypeSpec Type, bool IsStatic, bool IsDouble, LossKind Loss, bool HasLoss, string Path, string SourceDirectory, bool Int8 = false, string? CalibrationPath = null);

    /// <summary>A converted model: the AdditionalFiles item the build wrote for one <c>NetGenModel</c> item (its
    /// <c>NetGenModel</c> metadata is the model's path) and its text.</summary>
    internal sealed record ModelFile(string ModelPath, string ConvertedPath, string? Text);

    /// <summary>A request with its converted model, or why none was found; for int8, its calibration file, or why none was
    /// found.</summary>
    internal sealed record OnnxInput(OnnxRequest Request, ModelFile? File, string? Problem, WeightsFile? Calibration = null, string? CalibrationProblem = null);

    /// <summary>What an import adds to a network: the model's file name and shapes (without the batch dimension), its
    /// parameters as literals in the network's layout, and whether the graph ends in logits that the network trains with
    /// its loss's softmax or sigmoid inside the loss (<paramref name="Logits"/>: the output layer is Softmax or Sigmoid
    /// for training, while <c>Forward</c> returns a_L, what the graph returns), and whether the graph ends in LogSoftmax
    /// (<paramref name="LogSoftmax"/>: the inference passes return log-softmax(a_L), per group of the output layer's
    /// SoftmaxSize, in place of a_L).</summary>
    internal sealed record ImportSpec(string FileName, EquatableArray<int> InputShape, EquatableArray<int> OutputShape, EquatableArray<string> Values, bool Logits = false, bool LogSoftmax = false);

    /// <summary>What importing yields for the network named <paramref name="Type"/>: a trainable network, or a baked one, or
    /// neither, and the diagnostics (located at the [OnnxModel] attribute).</summary>
    internal sealed record OnnxResult(string Type, NetworkSpec? Network, BakedNetworkSpec? Baked, EquatableArray<DiagnosticInfo> Diagnostics);
}
