using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace NetGen.Generator.Tests;

/// <summary>[OnnxModel] in the generator: a converted model (the AdditionalFiles item the build marks with NetGenModel
/// metadata) becomes a baked or trainable network; every way it can fail is a located NG diagnostic, never a crash.</summary>
public class OnnxDiagnosticTests
{
    /// <summary>A converted 2-3-1 model, as the build's task writes it.</summary>
    private const string Converted = """
        {"format": "netgen-weights", "version": 1, "input": 2,
         "onnx": {"file": "m.onnx", "producer": "pytorch 1.13.0", "opset": 13, "precision": "float", "inputShape": [2], "outputShape": [1]},
         "layers": [
          {"type": "dense", "in": 2, "out": 3, "activation": "Tanh", "weight": [[1, 2], [3, 4], [5, 6]], "bias": [0.5, 0, -0.5]},
          {"type": "dense", "in": 3, "out": 1, "activation": "Identity", "weight": [[1, 2, 3]], "bias": [0]}
        ]}
        """;

    /// <summary>A converted model whose output is two softmaxes of three values (an ONNX Softmax over the last axis of [2, 3]).</summary>
    private const string RowSoftmax = """
        {"format": "netgen-weights", "version": 1, "input": 2,
         "onnx": {"file": "m.onnx", "producer": "pytorch 1.13.0", "opset": 13, "precision": "float", "inputShape": [2], "outputShape": [2, 3]},
         "layers": [
          {"type": "dense", "in": 2, "out": 6, "activation": "Softmax", "softmaxSize": 3, "weight": [[1, 2], [3, 4], [5, 6], [1, 2], [3, 4], [5, 6]], "bias": [0, 0, 0, 0, 0, 0]}
        ]}
        """;

    /// <summary>A converted model with a layer normalisation of two groups of two values.</summary>
    private const string LayerNorm = """
        {"format": "netgen-weights", "version": 1, "input": 4,
         "onnx": {"file": "m.onnx", "producer": "pytorch 1.13.0", "opset": 17, "precision": "float", "inputShape": [2, 2], "outputShape": [2, 2]},
         "layers": [
          {"type": "layernorm", "in": 4, "out": 4, "activation": "Identity", "epsilon": 1E-05, "normalized": 2, "weight": [1, 2], "bias": [0, 1]}
        ]}
        """;

    /// <summary>A converted 1-D convolutional model: a convolution padded by 0 before and 1 after (as ONNX's pads can be,
    /// and nn.Conv1d cannot), a max pool, a dense layer. For x = [1, 2, 3, 4]: the convolution gives x[i] + 2 x[i + 1] +
    /// 0.5 = [5.5, 8.5, 11.5, 4.5], the pool [8.5, 11.5], the dense layer 8.5 - 11.5 = -3.</summary>
    private const string Convolutional = """
        {"format": "netgen-weights", "version": 1, "input": [1, 4],
         "onnx": {"file": "m.onnx", "producer": "pytorch 1.13.0", "opset": 13, "precision": "float", "inputShape": [1, 4], "outputShape": [1]},
         "layers": [
          {"type": "conv1d", "in": 1, "out": 1, "kernel": [2], "stride": [1], "padding": [0, 1], "dilation": [1], "groups": 1, "activation": "ReLU", "weight": [[[1, 2]]], "bias": [0.5]},
          {"type": "maxpool1d", "kernel": [2], "stride": [2], "padding": [0]},
          {"type": "dense", "in": 2, "out": 1, "activation": "Identity", "weight": [[1, -1]], "bias": [0]}
        ]}
        """;

    /// <summary>A converted model with a convolution, its padding in ONNX's pads order, and pools compiles baked and
    /// trainable, computes what the graph does, and a trainable instance exports its asymmetric padding in the same form
    /// and reads it back.</summary>
    [Fact]
    public void AConvolutionalModel_CompilesBakedAndTrainable_AndComputesTheGraph()
    {
        GeneratorHarness.Result result = Run(
            "[OnnxModel(\"m.onnx\")] public static partial class M; [OnnxModel(\"m.onnx\")] [Loss(LossFunction.MeanSquaredError)] public partial class T;",
            ("/project/m.onnx", Convolutional));
        Assert.Empty(result.NetGenDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        using var stream = new System.IO.MemoryStream();
        Assert.True(result.Output.Emit(stream).Success);
        System.Reflection.Assembly assembly = new System.Runtime.Loader.AssemblyLoadContext(null).LoadFromStream(new System.IO.MemoryStream(stream.ToArray()));

        float[] x = { 1, 2, 3, 4 };
        var y = new float[1];
        var forward = (ForwardPass)Delegate.CreateDelegate(typeof(ForwardPass), assembly.GetType("M")!.GetMethod("Forward")!);
        forward(x, y);
        Assert.Equal(-3f, y[0]);

        var trainable = (INeuralNetwork<float>)Activator.CreateInstance(assembly.GetType("T")!)!;
        trainable.Forward(x, y);
        Assert.Equal(-3f, y[0]);
        string json = NetGen.Persistence.WeightsJson.Export(trainable);
        using (var document = System.Text.Json.JsonDocument.Parse(json))
        {
            Assert.Equal("[0,1]", document.RootElement.GetProperty("layers")[0].GetProperty("padding").GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal).Replace("\r", string.Empty, StringComparison.Ordinal));
        }

        var copy = (INeuralNetwork<float>)Activator.CreateInstance(assembly.GetType("T")!)!;
        copy.InitializeParameters(1);
        NetGen.Persistence.WeightsJson.Import(copy, json);
        Assert.Equal(trainable.Parameters.ToArray(), copy.Parameters.ToArray());
    }

    /// <summary>A converted convolutional model with its numbers changed at random (kernels, strides, padding, channels,
    /// sizes: 0, negative, huge, or off by a little) never makes the generator throw: NG0026 (or NG0022 to NG0024 from the
    /// baker), or a network that compiles. 300 seeded trials, one to three numbers each.</summary>
    [Fact]
    public void DamagedConvolutionalModels_GetADiagnostic_NeverACrash()
    {
        var random = new Random(20261203);
        string[] values = { "0", "-1", "1", "2", "3", "5", "7", "2147483647", "99999999999" };
        var numbers = System.Text.RegularExpressions.Regex.Matches(Convolutional, "(?<=[\\[ ])-?[0-9]+(?=[],])").Cast<System.Text.RegularExpressions.Match>().ToArray();
        var outcomes = new HashSet<string>();
        for (int trial = 0; trial < 300; trial++)
        {
            var text = new System.Text.StringBuilder(Convolutional);
            foreach (System.Text.RegularExpressions.Match number in numbers.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).OrderByDescending(m => m.Index))
            {
                text.Remove(number.Index, number.Length).Insert(number.Index, values[random.Next(values.Length)]);
            }

            GeneratorHarness.Result result = Run("[OnnxModel(\"m.onnx\")] [Loss(LossFunction.MeanSquaredError)] public partial class T;", ("/project/m.onnx", text.ToString()));
            Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id is "NG0099" or "CS8785");
            if (result.NetGenDiagnostics.Length == 0)
            {
                Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
                outcomes.Add("compiles");
                continue;
            }

            Assert.All(result.NetGenDiagnostics, d => Assert.Contains(d.Id, new[] { "NG0022", "NG0023", "NG0024", "NG0026" }));
            outcomes.UnionWith(result.NetGenDiagnostics.Select(d => d.Id));
        }

        Assert.Contains("compiles", outcomes);
        Assert.Contains("NG0026", outcomes);
    }

    private delegate void ForwardPass(ReadOnlySpan<float> input, Span<float> output);

    /// <summary><see cref="RowSoftmax"/> as a graph that ends in LogSoftmax over each row.</summary>
    private static readonly string RowLogSoftmax = RowSoftmax
        .Replace("\"activation\": \"Softmax\"", "\"activation\": \"Identity\"", StringComparison.Ordinal)
        .Replace("\"outputShape\": [2, 3]}", "\"outputShape\": [2, 3], \"output\": \"LogSoftmax\"}", StringComparison.Ordinal);

    [Fact]
    public void GroupedSoftmaxAndLayerNorm_CompileAsBakedNetworks()
    {
        foreach (string model in new[] { RowSoftmax, LayerNorm, RowLogSoftmax })
        {
            GeneratorHarness.Result result = Run("[OnnxModel(\"m.onnx\")] public static partial class M;", ("/project/m.onnx", model));
            Assert.Empty(result.NetGenDiagnostics);
            Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        }
    }

    private static GeneratorHarness.Result Run(string source, params (string ModelPath, string Text)[] models) => Run(source, models, Array.Empty<AdditionalText>());

    /// <summary>With other AdditionalFiles beside the converted models (a calibration file, say).</summary>
    private static GeneratorHarness.Result Run(string source, (string ModelPath, string Text)[] models, AdditionalText[] others)
    {
        var texts = models.Select((m, i) => (AdditionalText)new GeneratorHarness.InMemoryText($"/project/obj/netgen/{i}.json", m.Text)).ToArray();
        var options = new Options(texts.Select((t, i) => (t, models[i].ModelPath)).ToDictionary(p => p.t, p => p.ModelPath));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            texts.Concat(others),
            GeneratorHarness.ParseOptions,
            options,
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        return GeneratorHarness.Run(GeneratorHarness.Compilation("using NetGen;\n" + source), driver);
    }

    [Fact]
    public void AStaticClass_IsBakedFromTheModel_WithItsShapes()
    {
        GeneratorHarness.Result result = Run("[OnnxModel(\"m.onnx\")] public static partial class M;", ("/project/m.onnx", Converted));
        Assert.Empty(result.NetGenDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string code = result.GeneratedSource("M.g.cs");
        Assert.Contains("public static void Forward(", code, StringComparison.Ordinal);
        Assert.Contains("public static global::System.ReadOnlySpan<int> InputShape => new int[] { 2 };", code, StringComparison.Ordinal);
        Assert.Contains("baked in from 'm.onnx'", code, StringComparison.Ordinal);
    }

    [Fact]
    public void AClassWithALoss_IsTrainable_AndStartsFromTheModel()
    {
        GeneratorHarness.Result result = Run("[OnnxModel(\"m.onnx\")] [Loss(LossFunction.MeanSquaredError)] public partial class M;", ("/project/m.onnx", Converted));
        Assert.Empty(result.NetGenDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string code = result.GeneratedSource("M.g.cs");
        Assert.Contains("public float SgdStep(", code, StringComparison.Ordinal);
        Assert.Contains("ImportedParameters.CopyTo(parameters.Span);", code, StringComparison.Ordinal);
    }

    /// <summary>A graph that ends in logits, trained with cross-entropy: the output layer is a softmax for training, and
    /// Forward and ForwardBatch return a_L, the logits.</summary>
    [Fact]
    public void Logits_WithCrossEntropy_TrainThroughASoftmax_AndForwardReturnsTheLogits()
    {
        string twoOutputs = Converted.Replace("\"outputShape\": [1]", "\"outputShape\": [2]", StringComparison.Ordinal)
            .Replace("{\"type\": \"dense\", \"in\": 3, \"out\": 1, \"activation\": \"Identity\", \"weight\": [[1, 2, 3]], \"bias\": [0]}", "{\"type\": \"dense\", \"in\": 3, \"out\": 2, \"activation\": \"Identity\", \"weight\": [[1, 2, 3], [3, 2, 1]], \"bias\": [0, 1]}", StringComparison.Ordinal);
        GeneratorHarness.Result result = Run("[OnnxModel(\"m.onnx\")] [Loss(LossFunction.CrossEntropy)] public partial class M;", ("/project/m.onnx", twoOutputs));
        Assert.Empty(result.NetGenDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string code = result.GeneratedSource("M.g.cs");
        Assert.Contains("a2.CopyTo(output);", code, StringComparison.Ordinal);
        Assert.Contains("CrossEntropyFromLogits", code, StringComparison.Ordinal);
        Assert.Contains("a2.CopyTo(outputs.Slice(", result.GeneratedSource("M.Batch.g.cs"), StringComparison.Ordinal);
        Assert.Contains("// The output is the logits a2: the softmax belongs to the loss.", code, StringComparison.Ordinal);
        string forward = code.Substring(code.IndexOf("public void Forward(", StringComparison.Ordinal));
        forward = forward.Substring(0, forward.IndexOf("CopyTo(output);", StringComparison.Ordinal));
        Assert.DoesNotContain("Softmax", forward, StringComparison.Ordinal); // Forward leaves the loss's softmax out
        Assert.Contains("Activations.Softmax<float>", code, StringComparison.Ordinal); // the training passes keep it
    }

    /// <summary>An editorconfig value stops at '#': the model path the converted file records is the one matched.</summary>
    [Fact]
    public void TheModelPathInTheConvertedFile_WinsOverTruncatedMetadata()
    {
        string converted = Converted.Replace("\"file\": \"m.onnx\",", "\"file\": \"m.onnx\", \"model\": \"/home/u/C# Projects/app/m.onnx\",", StringComparison.Ordinal);
        GeneratorHarness.Result result = Run("[OnnxModel(\"app/m.onnx\")] public static partial class M;", ("/home/u/C", converted));
        Assert.Empty(result.NetGenDiagnostics);
        Assert.Contains("public static void Forward(", result.GeneratedSource("M.g.cs"), StringComparison.Ordinal);
    }

    /// <summary>NG0028 sits on the [OnnxModel] attribute in the source, so #pragma warning disable silences it.</summary>
    [Fact]
    public void NG0028_UnderPragmaWarningDisable_IsSuppressed()
    {
        string model = Converted.Replace("\"precision\": \"float\"", "\"precision\": \"double\"", StringComparison.Ordinal);
        GeneratorHarness.Result result = Run("#pragma warning disable NG0028\n[OnnxModel(\"m.onnx\")] public static partial class M;", ("/project/m.onnx", model));
        Diagnostic diagnostic = Assert.Single(result.NetGenDiagnostics);
        Assert.Equal("NG0028", diagnostic.Id);
        Assert.True(diagnostic.IsSuppressed);
    }

    /// <summary>A calibration named on a float network is reported where it is named (it would be ignored), the network
    /// still compiles in float, and #pragma warning disable silences the warning.</summary>
    [Theory]
    [InlineData("")]
    [InlineData("#pragma warning disable NG0037\n")]
    public void NG0037_ACalibrationWithoutInt8_IsAWarningAtTheAttribute(string pragma)
    {
        string declaration = "[OnnxModel(\"m.onnx\", Calibration = \"c.json\")] public static partial class M;";
        GeneratorHarness.Result result = Run(pragma + declaration, new[] { ("/project/m.onnx", Converted) }, new AdditionalText[] { new GeneratorHarness.InMemoryText("/project/c.json", """{"calibration": [[-1, 1], [0, 2]]}""") });

        Diagnostic diagnostic = Assert.Single(result.NetGenDiagnostics);
        Assert.Equal("NG0037", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.DefaultSeverity); // the harness makes warnings errors
        Assert.Equal(pragma.Length > 0, diagnostic.IsSuppressed);
        Assert.Equal("'M' names the calibration 'c.json', which only int8 inference reads; 'M' compiles in float", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        int start = "using NetGen;\n".Length + pragma.Length + 1;
        Assert.Equal(new TextSpan(start, "OnnxModel(\"m.onnx\", Calibration = \"c.json\")".Length), diagnostic.Location.SourceSpan);
        Assert.NotEmpty(result.Run.Results.Single().GeneratedSources);
        Assert.DoesNotContain(result.CompilationDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    public static IEnumerable<object[]> Cases() => new (string Id, string Source, string? Model, string? Text, string Message)[]
    {
        ("NG0025", "[{|OnnxModel(\"missing.onnx\")|}] public static partial class M;", "/project/m.onnx", Converted, "no NetGenModel item has that path (expected 'missing.onnx'); the NetGenModel items are '/project/m.onnx'"),
        ("NG0025", "[{|OnnxModel(\"m.onnx\")|}] public static partial class M;", null, null, "the project has no NetGenModel items; add <NetGenModel Include=\"m.onnx\" />"),
        ("NG0025", "[{|OnnxModel(\"\")|}] public static partial class M;", "/project/m.onnx", Converted, "the path is empty"),
        ("NG0026", "[{|OnnxModel(\"m.onnx\")|}] public static partial class M;", "/project/m.onnx",
            """{"format": "netgen-import-error", "message": "node 3 ('/2/Sin', Sin): NetGen has no mapping for Sin"}""", "cannot compile 'm.onnx': node 3 ('/2/Sin', Sin): NetGen has no mapping for Sin"),
        ("NG0026", "[{|OnnxModel(\"m.onnx\")|}] [Loss(LossFunction.CrossEntropy)] public partial class M;", "/project/m.onnx", Converted, "needs the graph to end in logits (two or more) or in Softmax, and it ends in Identity"),
        ("NG0026", "[{|OnnxModel(\"m.onnx\")|}] public static partial class M;", "/project/m.onnx", "{ not json", "its converted form is not valid JSON"),
        ("NG0024", "[{|OnnxModel(\"m.onnx\")|}] public static partial class M;", "/project/m.onnx", Converted.Replace("[[1, 2, 3]]", "[[1, 2, 1e39]]", StringComparison.Ordinal), "which is not a finite float"),
        ("NG0028", "[{|OnnxModel(\"m.onnx\")|}] public static partial class M;", "/project/m.onnx", Converted.Replace("\"precision\": \"float\"", "\"precision\": \"double\"", StringComparison.Ordinal), "a double-precision model, in float"),
        ("NG0026", "[{|OnnxModel(\"m.onnx\")|}] [Loss(LossFunction.CrossEntropy)] public partial class M;", "/project/m.onnx", RowSoftmax,
            "its output is 2 softmaxes of 3 values, and [Loss(LossFunction.CrossEntropy)] takes one distribution"),
        ("NG0026", "[{|OnnxModel(\"m.onnx\")|}] [Loss(LossFunction.CrossEntropy)] public partial class M;", "/project/m.onnx",
            RowSoftmax.Replace("\"activation\": \"Softmax\", \"softmaxSize\": 3", "\"activation\": \"Identity\"", StringComparison.Ordinal),
            "its output has shape [2, 3], and [Loss(LossFunction.CrossEntropy)] on logits takes one distribution over a vector of classes"),
        ("NG0026", "[{|OnnxModel(\"m.onnx\")|}] public static partial class M;", "/project/m.onnx", RowSoftmax.Replace("\"softmaxSize\": 3", "\"softmaxSize\": 4", StringComparison.Ordinal),
            "a softmax size that does not divide its outputs"),
        ("NG0026", "[{|OnnxModel(\"m.onnx\")|}] public static partial class M;", "/project/m.onnx", LayerNorm.Replace("\"epsilon\": 1E-05, ", string.Empty, StringComparison.Ordinal),
            "a layer normalisation of its converted form lacks its epsilon"),
        ("NG0026", "[{|OnnxModel(\"m.onnx\")|}] public static partial class M;", "/project/m.onnx", LayerNorm.Replace("\"normalized\": 2", "\"normalized\": 3", StringComparison.Ordinal),
            "a normalized size that does not divide its input"),
        ("NG0026", "[{|OnnxModel(\"m.onnx\")|}] [Loss(LossFunction.MeanSquaredError)] public partial class M;", "/project/m.onnx", RowLogSoftmax,
            "it ends in LogSoftmax, whose log-probabilities train with [Loss(LossFunction.CrossEntropy)]"),
        ("NG0026", "[{|OnnxModel(\"m.onnx\")|}] [Loss(LossFunction.CrossEntropy)] public partial class M;", "/project/m.onnx",
            Convolutional.Replace(",\n  {\"type\": \"dense\", \"in\": 2, \"out\": 1, \"activation\": \"Identity\", \"weight\": [[1, -1]], \"bias\": [0]}", string.Empty, StringComparison.Ordinal),
            "its output layer is a MaxPool1D, and [Loss(LossFunction.CrossEntropy)] on its output needs a softmax there"),
        ("NG0026", "[{|OnnxModel(\"m.onnx\")|}] public static partial class M;", "/project/m.onnx", Convolutional.Replace("\"groups\": 1", "\"groups\": 2", StringComparison.Ordinal),
            "a conv1d layer of its converted form has a bad or missing dilation, channels (1 in), groups or activation"),
        ("NG0026", "[{|OnnxModel(\"m.onnx\")|}] public static partial class M;", "/project/m.onnx", Convolutional.Replace("\"input\": [1, 4]", "\"input\": 4", StringComparison.Ordinal),
            "a conv1d layer of its converted form has no planes before it"),
        ("NG0026", "[{|OnnxModel(\"m.onnx\")|}] public static partial class M;", "/project/m.onnx", Convolutional.Replace("\"kernel\": [2], \"stride\": [2]", "\"kernel\": [2], \"stride\": [2], \"ceil_mode\": true", StringComparison.Ordinal).Replace("\"padding\": [0]}", "\"padding\": [3]}", StringComparison.Ordinal),
            "a maxpool1d layer of its converted form has a window of padding only"),
        ("NG0026", "[{|OnnxModel(\"m.onnx\")|}] public static partial class M;", "/project/m.onnx", Convolutional.Replace("\"in\": 2, \"out\": 1", "\"in\": 3, \"out\": 1", StringComparison.Ordinal),
            "a layer of its converted form takes 3 values where the layer before it gives 2"),
        ("NG0027", "[OnnxModel(\"m.onnx\")] [{|Input(2)|}] public static partial class M;", "/project/m.onnx", Converted, "'M' takes its layers from an ONNX model, so it cannot also have [Input]"),
        ("NG0008", "[{|OnnxModel(\"m.onnx\")|}] public partial class M;", "/project/m.onnx", Converted, "'M'"),
        ("NG0037", "[{|OnnxModel(\"m.onnx\", Calibration = \"c.json\")|}] public static partial class M;", "/project/m.onnx", Converted,
            "'M' names the calibration 'c.json', which only int8 inference reads; 'M' compiles in float"),
    }.Select(c => new object[] { c.Id, c.Source, c.Model ?? string.Empty, c.Text ?? string.Empty, c.Message });

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnnxDiagnostic_HasItsId_Location_AndMessage(string id, string markedSource, string model, string text, string message)
    {
        int start = markedSource.IndexOf("{|", StringComparison.Ordinal);
        string source = markedSource.Replace("{|", string.Empty, StringComparison.Ordinal).Replace("|}", string.Empty, StringComparison.Ordinal);
        int end = markedSource.IndexOf("|}", StringComparison.Ordinal) - 2;
        GeneratorHarness.Result result = model.Length == 0 ? Run(source) : Run(source, (model, text));

        Diagnostic diagnostic = Assert.Single(result.NetGenDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Contains(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(new TextSpan("using NetGen;\n".Length + start, end - start), diagnostic.Location.SourceSpan);
        if (id is "NG0028" or "NG0037")
        {
            // A warning (the harness makes warnings errors): the network is still generated, in float, and compiles.
            Assert.Equal(DiagnosticSeverity.Warning, diagnostic.DefaultSeverity);
            Assert.NotEmpty(result.Run.Results.Single().GeneratedSources);
            Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
            return;
        }

        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Empty(result.Run.Results.Single().GeneratedSources);
    }

    /// <summary>Issue 16: a static [OnnxModel] class with [Network(Inference = Inference.Int8)] and a calibration file
    /// compiles to int8 inference that gives the bits QuantizedNetwork gives for the trainable form of the same model
    /// with the same ranges, and stays within rounding of the float form.</summary>
    [Fact]
    public void AnOnnxModelWithACalibrationFile_CompilesToInt8_AsQuantizedNetworkComputes()
    {
        GeneratorHarness.Result result = Run(
            "[OnnxModel(\"m.onnx\")] public static partial class F; [Network(Inference = Inference.Int8)] [OnnxModel(\"m.onnx\", Calibration = \"c.json\")] public static partial class Q; "
            + "[OnnxModel(\"m.onnx\")] [Loss(LossFunction.MeanSquaredError)] public partial class T;",
            new[] { ("/project/m.onnx", Converted) },
            new AdditionalText[] { new GeneratorHarness.InMemoryText("/project/c.json", """{"calibration": [[-1, 1], [-1, 1]]}""") });
        Assert.Empty(result.NetGenDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains("computes in int8", result.GeneratedSource("Q.g.cs"), StringComparison.Ordinal);
        using var stream = new System.IO.MemoryStream();
        Assert.True(result.Output.Emit(stream).Success);
        System.Reflection.Assembly assembly = new System.Runtime.Loader.AssemblyLoadContext(null).LoadFromStream(new System.IO.MemoryStream(stream.ToArray()));
        var exact = (ForwardPass)Delegate.CreateDelegate(typeof(ForwardPass), assembly.GetType("F")!.GetMethod("Forward")!);
        var int8 = (ForwardPass)Delegate.CreateDelegate(typeof(ForwardPass), assembly.GetType("Q")!.GetMethod("Forward")!);
        var trainable = (INeuralNetwork<float>)Activator.CreateInstance(assembly.GetType("T")!)!;
        var runtime = NetGen.Quantization.QuantizedNetwork.From(trainable, new NetGen.Quantization.Calibration(new[] { new NetGen.Quantization.ActivationRange(-1, 1), new NetGen.Quantization.ActivationRange(-1, 1) }));
        foreach (float[] x in new[] { new[] { 0.5f, -0.25f }, new[] { -1f, 1f }, new[] { 0.1f, 0.2f } })
        {
            var y = new float[1];
            var z = new float[1];
            var r = new float[1];
            exact(x, y);
            int8(x, z);
            runtime.Forward(x, r);
            Assert.Equal(BitConverter.SingleToInt32Bits(r[0]), BitConverter.SingleToInt32Bits(z[0]));
            // 7-bit inputs are within 1/127 of x, which rows of weights summing to 11 turn into 0.09 in a hidden sum; the
            // hidden values are within 1/127 too, and the output row sums to 6: at most about 0.6 in all.
            Assert.True(Math.Abs(y[0] - z[0]) < 0.6, $"float {y[0]}, int8 {z[0]}");
        }
    }

    public static IEnumerable<object[]> Int8Cases() => new (string Id, string Source, string? Model, string? Calibration, string Message)[]
    {
        ("NG0035", "[Network(Inference = Inference.Int8)] [{|OnnxModel(\"m.onnx\")|}] public static partial class M;", Converted, null,
            "an ONNX model carries no calibration; name a file of its layers' input ranges with [OnnxModel(\"model.onnx\", Calibration = \"calibration.json\")]"),
        ("NG0035", "[{|Network(Inference = Inference.Int8)|}] [OnnxModel(\"m.onnx\", Calibration = \"c.json\")] [Loss(LossFunction.MeanSquaredError)] public partial class M;", Converted, "{}",
            "int8 inference is compiled for a static class (inference only)"),
        ("NG0036", "[Network(Inference = Inference.Int8)] [{|OnnxModel(\"m.onnx\", Calibration = \"other.json\")|}] public static partial class M;", Converted, "{}",
            "'M' needs the input range of each of its 2 layers for Inference.Int8, and 'other.json' cannot be read: no AdditionalFiles item has that path"),
        ("NG0036", "[Network(Inference = Inference.Int8)] [{|OnnxModel(\"m.onnx\", Calibration = \"c.json\")|}] public static partial class M;", Converted, """{"calibration": [[-1, 1]]}""",
            "'c.json' gives 1 range"),
        ("NG0036", "[Network(Inference = Inference.Int8)] [{|OnnxModel(\"m.onnx\", Calibration = \"c.json\")|}] public static partial class M;", Converted, """{"calibration": [[-1, 1], [2, 1]]}""",
            "gives layer 2 the range an array, not a finite [min, max] with min at most max"),
        ("NG0036", "[Network(Inference = Inference.Int8)] [{|OnnxModel(\"m.onnx\", Calibration = \"c.json\")|}] public static partial class M;", Converted, "{ not json",
            "'c.json' is not valid JSON"),
        ("NG0035", "[Network(Inference = Inference.Int8)] [{|OnnxModel(\"m.onnx\", Calibration = \"c.json\")|}] public static partial class M;", LayerNorm, """{"calibration": [[-1, 1]]}""",
            "layer 1 of 'm.onnx' is a layer normalisation, which int8 inference does not compute yet"),
    }.Select(c => new object[] { c.Id, c.Source, c.Model!, c.Calibration ?? string.Empty, c.Message });

    [Theory]
    [MemberData(nameof(Int8Cases))]
    public void OnnxInt8Diagnostic_HasItsId_Location_AndMessage(string id, string markedSource, string model, string calibration, string message)
    {
        int start = markedSource.IndexOf("{|", StringComparison.Ordinal);
        string source = markedSource.Replace("{|", string.Empty, StringComparison.Ordinal).Replace("|}", string.Empty, StringComparison.Ordinal);
        int end = markedSource.IndexOf("|}", StringComparison.Ordinal) - 2;
        AdditionalText[] others = calibration.Length == 0 ? Array.Empty<AdditionalText>() : new AdditionalText[] { new GeneratorHarness.InMemoryText("/project/c.json", calibration) };
        GeneratorHarness.Result result = Run(source, new[] { ("/project/m.onnx", model) }, others);

        Diagnostic diagnostic = Assert.Single(result.NetGenDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Contains(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(new TextSpan("using NetGen;\n".Length + start, end - start), diagnostic.Location.SourceSpan);
        Assert.Empty(result.Run.Results.Single().GeneratedSources);
    }

    /// <summary>Analyzer options as the build gives them: each converted model's item carries its model's path.</summary>
    private sealed class Options(Dictionary<AdditionalText, string> models) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions => Empty.Instance;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Empty.Instance;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            models.TryGetValue(textFile, out string? model) ? new Single("build_metadata.AdditionalFiles.NetGenModel", model) : Empty.Instance;

        private sealed class Empty : AnalyzerConfigOptions
        {
            public static readonly Empty Instance = new();

            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value)
            {
                value = null;
                return false;
            }
        }

        private sealed class Single(string key, string value) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string name, [NotNullWhen(true)] out string? result)
            {
                result = name == key ? value : null;
                return result is not null;
            }
        }
    }
}
