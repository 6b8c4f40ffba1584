using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace NetGen.Generator.Tests;

/// <summary>Every [Weights] diagnostic with its location: in the C# source for a file that cannot be found, in the JSON
/// file (line and column) for everything wrong inside it. <c>{|...|}</c> marks the expected span.</summary>
public class WeightsDiagnosticTests
{
    private const string Declaration = "[Input(2)] [Dense(3, Activation.Tanh)] [Dense(1, Activation.Sigmoid)] [Weights(\"w.json\")] public partial class Net;";

    private const string Good = """
        {"format": "netgen-weights", "version": 1, "input": 2, "layers": [
          {"type": "dense", "in": 2, "out": 3, "activation": "Tanh", "weight": [[1, 2], [3, 4], [5, 6]], "bias": [0.5, 0, -0.5]},
          {"type": "dense", "in": 3, "out": 1, "activation": "Sigmoid", "weight": [[1, 2, 3]], "bias": [0]}
        ]}
        """;

    private const string ConvDeclaration = "[Input(1, 3, 3)] [Conv2D(1, 2, Padding = 1)] [Weights(\"w.json\")] public partial class Net;";

    /// <summary>A 2 x 2 convolution padded by 1 on every side, its padding in ONNX's pads order (starts, then ends).</summary>
    private const string ConvGood = """
        {"format": "netgen-weights", "version": 1, "input": [1, 3, 3], "layers": [
          {"type": "conv2d", "in": 1, "out": 1, "kernel": [2, 2], "stride": [1, 1], "padding": [1, 1, 1, 1], "dilation": [1, 1], "groups": 1,
           "activation": "Identity", "weight": [[[[1, 2], [3, 4]]]], "bias": [0.5]}
        ]}
        """;

    private const string PoolDeclaration = "[Input(1, 4, 4)] [AvgPool2D(3, Stride = 1, Padding = 1)] [Weights(\"w.json\")] public static partial class Net;";

    /// <summary>A 3 x 3 average pool padded by 1, with both of PyTorch's flags written out.</summary>
    private const string PoolGood = """
        {"format": "netgen-weights", "version": 1, "input": [1, 4, 4], "layers": [
          {"type": "avgpool2d", "kernel": [3, 3], "stride": [1, 1], "padding": [1, 1], "ceil_mode": false, "count_include_pad": true}
        ]}
        """;

    public static IEnumerable<object[]> Cases() => new (string Id, string Source, string Json, string Message)[]
    {
        // The file cannot be found: at the attribute.
        ("NG0021", Declaration.Replace("[Weights(\"w.json\")]", "[{|Weights(\"missing.json\")|}]", StringComparison.Ordinal), Good, "no AdditionalFiles item has that path"),
        ("NG0021", Declaration.Replace("[Weights(\"w.json\")]", "[{|Weights(\"w.txt\")|}]", StringComparison.Ordinal), Good, "must end in '.json'"),
        ("NG0021", Declaration.Replace("[Weights(\"w.json\")]", "[{|Weights(\"\")|}]", StringComparison.Ordinal), Good, "the path is empty"),
        ("NG0021", Declaration.Replace("[Weights(\"w.json\")]", "[{|Weights(\"w.json\")|}]", StringComparison.Ordinal), "AMBIGUOUS", "2 AdditionalFiles items end with that path"),

        // Not JSON, or not a weights file: in the file.
        ("NG0022", Declaration, Good.Replace("\"bias\": [0]", "\"bias\": [0 {|0|}]", StringComparison.Ordinal), "expected ',' or ']' after an array element"),
        ("NG0022", Declaration, Good.Replace("[[1, 2, 3]]", "[[1, 2, 3]{|;|}]", StringComparison.Ordinal), "expected ',' or ']'"),
        ("NG0022", Declaration, Good.Replace("\"netgen-weights\"", "{|\"keras\"|}", StringComparison.Ordinal), "expected \"format\": \"netgen-weights\""),
        ("NG0022", Declaration, Good.Replace("[[1, 2], [3, 4]", "[[1, {|\"2\"|}], [3, 4]", StringComparison.Ordinal), "layer 1 weight[0][1] is a string, expected a number"),
        ("NG0022", Declaration, Good.Replace("{\"type\": \"dense\", \"in\": 3, \"out\": 1, \"activation\": \"Sigmoid\", \"weight\": [[1, 2, 3]], \"bias\": [0]}", "{|{\"type\": \"dense\", \"in\": 3, \"out\": 1, \"activation\": \"Sigmoid\", \"weight\": [[1, 2, 3]]}|}", StringComparison.Ordinal), "layer 2 needs \"bias\""),
        ("NG0022", Declaration, Good.Replace("\"version\": 1", "\"version\": {|2|}", StringComparison.Ordinal), "version 1 only"),

        // The file does not fit the declared topology: in the file, naming the layer, the expected and the found shape.
        ("NG0023", Declaration, Good.Replace("[[1, 2], [3, 4], [5, 6]]", "[[1, 2], {|[3, 4, 7]|}, [5, 6]]", StringComparison.Ordinal), "layer 1's weight row 1, expected 2 numbers, found 3"),
        ("NG0023", Declaration, Good.Replace("[[1, 2], [3, 4], [5, 6]]", "{|[[1, 2], [3, 4]]|}", StringComparison.Ordinal), "layer 1's weight shape [out, in], expected [3, 2], found [2, 2]"),
        ("NG0023", Declaration, Good.Replace("\"bias\": [0.5, 0, -0.5]", "\"bias\": {|[0.5, 0]|}", StringComparison.Ordinal), "layer 1's bias length, expected 3, found 2"),
        ("NG0023", Declaration, Good.Replace("\"Tanh\"", "{|\"ReLU\"|}", StringComparison.Ordinal), "layer 1's activation, expected Tanh, found ReLU"),
        ("NG0023", Declaration, Good.Replace("\"input\": 2", "\"input\": {|3|}", StringComparison.Ordinal), "the input size, expected 2, found 3"),
        ("NG0023", Declaration.Replace("Activation.Tanh)]", "Activation.LeakyReLU, Alpha = 0.2)]", StringComparison.Ordinal), Good.Replace("\"Tanh\"", "\"leakyrelu\"", StringComparison.Ordinal).Replace("{\"type\": \"dense\", \"in\": 2", "{|{\"type\": \"dense\", \"in\": 2", StringComparison.Ordinal).Replace("\"bias\": [0.5, 0, -0.5]}", "\"bias\": [0.5, 0, -0.5]}|}", StringComparison.Ordinal), "layer 1's alpha, expected 0.2, found none (the LeakyReLU default, 0.01)"),
        ("NG0023", Declaration.Replace("[Dense(3, Activation.Tanh)]", "[Dense(3, Activation.Tanh, Bias = false)]", StringComparison.Ordinal), Good.Replace("\"bias\": [0.5, 0, -0.5]", "\"bias\": {|[0.5, 0, -0.5]|}", StringComparison.Ordinal), "layer 1's bias, expected none (the layer is declared with Bias = false), found an array of 3"),
        ("NG0023", Declaration, Good.Replace("\"in\": 3, \"out\": 1", "\"in\": 3, \"out\": {|2|}", StringComparison.Ordinal), "layer 2's unit count, expected 1, found 2"),
        ("NG0023", Declaration, "{\"format\": \"netgen-weights\", \"layers\": {|[{\"weight\": [[1, 2], [3, 4], [5, 6]], \"bias\": [0, 0, 0]}]|}}", "the number of layers, expected 2, found 1"),
        ("NG0023", ConvDeclaration, ConvGood.Replace("[1, 1, 1, 1]", "{|[1, 1, 1, 0]|}", StringComparison.Ordinal), "layer 1's padding, expected [1, 1, 1, 1], found [1, 1, 1, 0]"),
        ("NG0023", ConvDeclaration, ConvGood.Replace("[1, 1, 1, 1]", "{|[1, 0]|}", StringComparison.Ordinal), "layer 1's padding, expected [1, 1], found [1, 0]"),
        ("NG0023", PoolDeclaration, PoolGood.Replace("\"count_include_pad\": true", "\"count_include_pad\": {|false|}", StringComparison.Ordinal), "layer 1's count_include_pad, expected true, found false"),
        ("NG0023", PoolDeclaration, PoolGood.Replace("\"ceil_mode\": false", "\"ceil_mode\": {|true|}", StringComparison.Ordinal), "layer 1's ceil_mode, expected false, found true"),

        // Values that are not finite numbers of the network's type.
        ("NG0024", Declaration, Good.Replace("[[1, 2], [3, 4]", "[[1, 2], [{|NaN|}, 4]", StringComparison.Ordinal), "holds NaN at layer 1 weight[1][0], which is not a finite float"),
        ("NG0024", Declaration, Good.Replace("\"bias\": [0]", "\"bias\": [{|-Infinity|}]", StringComparison.Ordinal), "holds -Infinity at layer 2 bias[0]"),
        ("NG0024", Declaration, Good.Replace("[[1, 2, 3]]", "[[1, {|3.5e38|}, 3]]", StringComparison.Ordinal), "holds 3.5e38 at layer 2 weight[0][1], which is not a finite float"),
        ("NG0024", Declaration, Good.Replace("[[1, 2, 3]]", "[[1, {|1e999|}, 3]]", StringComparison.Ordinal), "holds 1e999"),

        // Inference.Int8 (issue 16): the calibration section, a layer int8 does not compute, a bias int32 cannot hold.
        ("NG0036", Int8Declaration.Replace("[Weights(\"w.json\")]", "[{|Weights(\"w.json\")|}]", StringComparison.Ordinal), Good, "'Net' needs the input range of each of its 2 layers for Inference.Int8, and 'w.json' has no \"calibration\" section"),
        ("NG0036", Int8Declaration, Good.Replace("\n]}", "\n], \"calibration\": {|[[0, 1]]|}}", StringComparison.Ordinal), "and 'w.json' gives 1 range"),
        ("NG0036", Int8Declaration, Good.Replace("\n]}", "\n], \"calibration\": [[0, 1], {|[2, 1]|}]}", StringComparison.Ordinal), "gives layer 2 the range an array, not a finite [min, max] with min at most max"),
        ("NG0035", Int8Declaration.Replace("[Dense(3, Activation.Tanh)]", "[Dense(3, Activation.Tanh)] [{|LayerNorm|}]", StringComparison.Ordinal), Good, "layer 2 is a layer normalisation, which int8 inference does not compute yet"),
        ("NG0035", Int8Declaration.Replace("[Weights(\"w.json\")]", "[{|Weights(\"w.json\")|}]", StringComparison.Ordinal), Good.Replace("[[1, 2], [3, 4], [5, 6]]", "[[1e-20, 1e-20], [3, 4], [5, 6]]", StringComparison.Ordinal).Replace("\n]}", "\n], \"calibration\": [[-1, 1], [-1, 1]]}", StringComparison.Ordinal), "layer 1, unit 0: its bias 0.5 is"),
    }.Select(c => new object[] { c.Id, c.Source, c.Json, c.Message });

    private const string Int8Declaration = "[Network(Inference = Inference.Int8)] " + Declaration;

    [Theory]
    [MemberData(nameof(Cases))]
    public void WeightsDiagnostic_HasItsId_Location_AndMessage(string id, string markedSource, string markedJson, string message)
    {
        const string prefix = "using NetGen;\n";
        bool inSource = markedSource.Contains("{|", StringComparison.Ordinal);
        (string source, TextSpan sourceSpan) = Unmark(prefix + markedSource);
        var files = new List<AdditionalText>();
        TextSpan jsonSpan = default;
        string json = Good;
        if (markedJson == "AMBIGUOUS")
        {
            files.Add(new GeneratorHarness.InMemoryText("/a/w.json", Good));
            files.Add(new GeneratorHarness.InMemoryText("/b/w.json", Good));
        }
        else
        {
            (json, jsonSpan) = Unmark(markedJson);
            files.Add(new GeneratorHarness.InMemoryText("/project/w.json", json));
        }

        GeneratorHarness.Result result = GeneratorHarness.Run(new[] { source }, files.ToArray());

        Diagnostic diagnostic = Assert.Single(result.NetGenDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Empty(result.Run.Results.Single().GeneratedSources);
        if (inSource)
        {
            Assert.Equal(sourceSpan, diagnostic.Location.SourceSpan);
            Assert.Equal("Network0.cs", diagnostic.Location.GetLineSpan().Path);
            Assert.Equal(LocationKind.SourceFile, diagnostic.Location.Kind); // at the [Weights] attribute in the syntax tree
            return;
        }

        Assert.Equal(jsonSpan, diagnostic.Location.SourceSpan);
        Assert.Equal(LocationKind.ExternalFile, diagnostic.Location.Kind); // a weights file is no syntax tree
        FileLinePositionSpan lines = diagnostic.Location.GetLineSpan();
        Assert.Equal("/project/w.json", lines.Path);
        LinePosition expected = SourceText.From(json).Lines.GetLinePosition(jsonSpan.Start);
        Assert.Equal(expected, lines.StartLinePosition);
        if (id == "NG0022")
        {
            Assert.Contains($"(line {expected.Line + 1}, column {expected.Character + 1})", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }
    }

    /// <summary>A convolution's padding may be written per axis or, as imported models with different padding on the two
    /// sides of an axis are, in ONNX's pads order: both bake when they say the same.</summary>
    [Theory]
    [InlineData("[1, 1, 1, 1]")]
    [InlineData("[1, 1]")]
    public void AConvolutionsPadding_BakesInEitherForm(string padding)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(
            new[] { "using NetGen;\n" + ConvDeclaration },
            new AdditionalText[] { new GeneratorHarness.InMemoryText("/project/w.json", ConvGood.Replace("[1, 1, 1, 1]", padding, StringComparison.Ordinal)) });

        Assert.Empty(result.NetGenDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
    }

    /// <summary>An int8 network whose widest layer would need more stack than NetGen takes is NG0035, at the [Weights]
    /// attribute, with the kilobytes it needs.</summary>
    [Fact]
    public void AnInt8NetworkTooWideForTheStack_IsNG0035()
    {
        const int Wide = 40_000; // 8 bytes of sums and activations per unit: 312 KB
        string rows = string.Join(", ", Enumerable.Repeat("[0.5]", Wide));
        string json = $$"""
            {"format": "netgen-weights", "version": 1, "input": 1, "layers": [
              {"type": "dense", "in": 1, "out": {{Wide}}, "activation": "ReLU", "weight": [{{rows}}], "bias": [{{string.Join(", ", Enumerable.Repeat("0", Wide))}}]},
              {"type": "dense", "in": {{Wide}}, "out": 1, "activation": "Sigmoid", "weight": [[{{string.Join(", ", Enumerable.Repeat("0.25", Wide))}}]], "bias": [0]}
            ], "calibration": [[0, 1], [0, 1]]}
            """;
        GeneratorHarness.Result result = GeneratorHarness.Run(
            new[] { $"using NetGen;\n[Network(Inference = Inference.Int8)] [Input(1)] [Dense({Wide}, Activation.ReLU)] [Dense(1, Activation.Sigmoid)] [Weights(\"w.json\")] public static partial class Net;" },
            new AdditionalText[] { new GeneratorHarness.InMemoryText("/project/w.json", json) });

        Diagnostic diagnostic = Assert.Single(result.NetGenDiagnostics);
        Assert.Equal("NG0035", diagnostic.Id);
        Assert.Contains("needs 390 KB of stack for its widest layer, more than the 256 KB NetGen takes", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryWeightsDiagnostic_IsCoveredByACase()
    {
        var covered = Cases().Select(c => (string)c[0]).ToHashSet();
        Assert.Equal(new[] { "NG0021", "NG0022", "NG0023", "NG0024", "NG0035", "NG0036" }, covered.Order());
    }

    [Fact]
    public void TheSameFileListedTwice_OrWrittenInAnotherCase_IsFound()
    {
        string source = "using NetGen;\n" + Declaration.Replace("w.json", "W.JSON", StringComparison.Ordinal);
        GeneratorHarness.Result result = GeneratorHarness.Run(
            new[] { source },
            new AdditionalText[] { new GeneratorHarness.InMemoryText("/project/data/w.json", Good), new GeneratorHarness.InMemoryText("/project/data/w.json", Good) });

        Assert.Empty(result.NetGenDiagnostics);
        Assert.Equal(2, result.Run.Results.Single().GeneratedSources.Length); // the baked type and its kernels
    }

    [Fact]
    public void ALayerWithoutBias_BakesFromAFileWithoutBias_AndTheLiteralsSkipIt()
    {
        string json = Good.Replace(", \"bias\": [0.5, 0, -0.5]", string.Empty, StringComparison.Ordinal);
        GeneratorHarness.Result result = GeneratorHarness.Run(
            new[] { "using NetGen;\n" + Declaration.Replace("[Dense(3, Activation.Tanh)]", "[Dense(3, Activation.Tanh, Bias = false)]", StringComparison.Ordinal) },
            new AdditionalText[] { new GeneratorHarness.InMemoryText("/project/w.json", json) });

        Assert.Empty(result.NetGenDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        string source = result.GeneratedSource("Net.g.cs");
        Assert.Contains("public const int ParameterCount = 10;", source, StringComparison.Ordinal); // 6 + 3 + 1: no b1
        Assert.DoesNotContain("// b1:", source, StringComparison.Ordinal);
        Assert.Contains("// b2: 1", source, StringComparison.Ordinal);
    }

    [Fact]
    public void AFloatOverflow_IsFineInADoubleNetwork()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(
            new[] { "using NetGen;\n[Network(Precision = Precision.Double)] " + Declaration },
            new AdditionalText[] { new GeneratorHarness.InMemoryText("/project/w.json", Good.Replace("[[1, 2, 3]]", "[[1, 3.5e38, 3]]", StringComparison.Ordinal)) });

        Assert.Empty(result.NetGenDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.Contains("3.5e38d", result.Run.Results.Single().GeneratedSources.Single(s => s.HintName == "Net.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Random damage to a good file (deleted, inserted or replaced characters, truncation) never makes the
    /// generator throw: the result compiles, or is NG0022/NG0023/NG0024 in the file, never NG0099 or CS8785.</summary>
    [Fact]
    public void DamagedFiles_GetADiagnosticInTheFile_NeverACrash()
    {
        var random = new Random(20261129);
        const string alphabet = "{}[],:\"0123456789.-eE ntrufalsNIy\\";
        string source = "using NetGen;\n" + Declaration;
        var ids = new HashSet<string>();
        for (int round = 0; round < 400; round++)
        {
            char[] text = Good.ToCharArray();
            var damaged = new System.Text.StringBuilder(new string(text));
            int edits = random.Next(1, 4);
            for (int e = 0; e < edits && damaged.Length > 0; e++)
            {
                int at = random.Next(damaged.Length);
                switch (random.Next(4))
                {
                    case 0: damaged.Remove(at, 1); break;
                    case 1: damaged.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    case 2: damaged[at] = alphabet[random.Next(alphabet.Length)]; break;
                    default: damaged.Length = at; break;
                }
            }

            GeneratorHarness.Result result = GeneratorHarness.Run(new[] { source }, new AdditionalText[] { new GeneratorHarness.InMemoryText("/project/w.json", damaged.ToString()) });

            Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id is "NG0099" or "CS8785");
            Diagnostic[] netgen = result.NetGenDiagnostics;
            if (netgen.Length == 0)
            {
                Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
                ids.Add("compiles");
                continue;
            }

            Assert.All(netgen, d =>
            {
                Assert.Contains(d.Id, new[] { "NG0022", "NG0023", "NG0024" });
                Assert.Equal("/project/w.json", d.Location.GetLineSpan().Path);
            });
            ids.UnionWith(netgen.Select(d => d.Id));
        }

        Assert.Contains("NG0022", ids); // the damage reached each kind of check
        Assert.Contains("compiles", ids);
    }

    private static (string Text, TextSpan Span) Unmark(string marked)
    {
        int start = marked.IndexOf("{|", StringComparison.Ordinal);
        if (start < 0)
        {
            return (marked, default);
        }

        int end = marked.IndexOf("|}", StringComparison.Ordinal) - 2;
        return (marked.Replace("{|", string.Empty, StringComparison.Ordinal).Replace("|}", string.Empty, StringComparison.Ordinal), TextSpan.FromBounds(start, end));
    }
}
