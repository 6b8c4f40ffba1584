using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Tests;

/// <summary>Every NG diagnostic: its ID, its severity and its exact location, which the source marks with <c>{|...|}</c>.</summary>
public class DiagnosticTests
{
    public static IEnumerable<object[]> Cases() => new (string Id, DiagnosticSeverity Severity, string Source)[]
    {
        ("NG0001", DiagnosticSeverity.Error, "[Input(2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public class {|Net|} { }"),
        ("NG0001", DiagnosticSeverity.Error, "public class {|Outer|} { [Input(2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net { } }"),
        ("NG0002", DiagnosticSeverity.Error, "[{|Dense(3)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0003", DiagnosticSeverity.Error, "[Input(2)] [{|Input(3)|}] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0004", DiagnosticSeverity.Error, "[{|Input(2)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0005", DiagnosticSeverity.Error, "[{|Input(0)|}] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0005", DiagnosticSeverity.Error, "[Input(2)] [{|Dense(-4)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0006", DiagnosticSeverity.Error, "[Input(2)] [{|Maxout(4, 1)|}] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0007", DiagnosticSeverity.Error, "[Input(2)] [{|Dense(4, Activation.Softmax)|}] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0008", DiagnosticSeverity.Error, "[{|Input(2)|}] [Dense(1)] public partial class Net;"),
        ("NG0009", DiagnosticSeverity.Error, "[Input(2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [{|Loss(LossFunction.MeanSquaredError)|}] public partial class Net;"),
        ("NG0010", DiagnosticSeverity.Error, "[Input(2)] [Dense(3, Activation.Sigmoid)] [{|Loss(LossFunction.CrossEntropy)|}] public partial class Net;"),
        ("NG0011", DiagnosticSeverity.Error, "[Input(2)] [Dense(1, Activation.Tanh)] [{|Loss(LossFunction.BinaryCrossEntropy)|}] public partial class Net;"),
        ("NG0012", DiagnosticSeverity.Warning, "[Input(2)] [{|Dense(3, Activation.Softmax)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0013", DiagnosticSeverity.Error, "[Input(2)] [Dense(1)] public partial class Net; [{|Loss(LossFunction.MeanSquaredError)|}] public partial class Net;"),
        ("NG0014", DiagnosticSeverity.Error, "[Input(2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class {|Net|}<T>;"),
        ("NG0014", DiagnosticSeverity.Error, "[Input(2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public static partial class {|Net|};"),
        ("NG0015", DiagnosticSeverity.Error, "[Input(2)] [{|Dense(4, Activation.LeakyReLU, Alpha = 1.5)|}] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0015", DiagnosticSeverity.Error, "[Input(2)] [{|Dense(4, Activation.ELU, Alpha = -1)|}] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0016", DiagnosticSeverity.Warning, "[Input(2)] [{|Dense(4, Activation.Tanh, Alpha = 0.2)|}] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0017", DiagnosticSeverity.Error, "[Network(Kernels = KernelStyle.UnrolledScalar)] [Input(64)] [{|Dense(64)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0018", DiagnosticSeverity.Error, "[Input(2)] [{|Dense(4, (Activation)42)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0018", DiagnosticSeverity.Error, "[Input(2)] [Dense(4)] [{|Loss((LossFunction)7)|}] public partial class Net;"),
        ("NG0019", DiagnosticSeverity.Error, "[Input(65536)] [{|Dense(65536)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0020", DiagnosticSeverity.Error, "[Input(2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net { public double {|Loss|} { get; set; } }"),
        ("NG0020", DiagnosticSeverity.Error, "[Input(2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net { private void {|SgdStep|}() { } }"),
        ("NG0020", DiagnosticSeverity.Error, "[Input(2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class {|Forward|};"),
        ("NG0029", DiagnosticSeverity.Error, "[Input(4)] [Dense(6)] [{|LayerNorm(Epsilon = 0)|}] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0029", DiagnosticSeverity.Error, "[Input(4)] [{|LayerNorm(Epsilon = double.NaN)|}] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0029", DiagnosticSeverity.Error, "[Input(4)] [{|LayerNorm(Epsilon = 1e-50)|}] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"), // 0 in float
        ("NG0030", DiagnosticSeverity.Error, "[Input(4)] [Dense(6)] [{|LayerNorm(NormalizedSize = 4)|}] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0030", DiagnosticSeverity.Error, "[Input(4)] [{|LayerNorm(NormalizedSize = -2)|}] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0010", DiagnosticSeverity.Error, "[Input(4)] [LayerNorm(Activation = Activation.Sigmoid)] [{|Loss(LossFunction.CrossEntropy)|}] public partial class Net;"),
        ("NG0007", DiagnosticSeverity.Error, "[Input(4)] [{|LayerNorm(Activation = Activation.Softmax)|}] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0005", DiagnosticSeverity.Error, "[{|Input(1, 0, 28)|}] [Conv2D(6, 5)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0031", DiagnosticSeverity.Error, "[Input(1, 28, 28)] [{|Conv2D(6, 5, Stride = 0)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0031", DiagnosticSeverity.Error, "[Input(1, 28, 28)] [{|Conv2D(6, 5, DilationWidth = 0)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0031", DiagnosticSeverity.Error, "[Input(1, 28, 28)] [{|Conv2D(6, 5, Padding = -1)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0031", DiagnosticSeverity.Error, "[Input(3, 28, 28)] [{|Conv2D(6, 3, Groups = 2)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0031", DiagnosticSeverity.Error, "[Input(4, 28, 28)] [{|Conv2D(6, 3, Groups = 4)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0031", DiagnosticSeverity.Error, "[Input(1, 28, 28)] [{|Conv2D(0, 3)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0031", DiagnosticSeverity.Error, "[Input(1, 28, 28)] [{|Conv2D(6, 3, PaddingMode = PaddingMode.Causal)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0031", DiagnosticSeverity.Error, "[Input(1, 28, 28)] [{|MaxPool2D(2, Padding = 2)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0031", DiagnosticSeverity.Error, "[Input(1, 28)] [{|AvgPool1D(0)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0032", DiagnosticSeverity.Error, "[Input(1, 4, 4)] [{|Conv2D(6, 5)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0032", DiagnosticSeverity.Error, "[Input(1, 8)] [Conv1D(2, 3, Dilation = 2)] [{|MaxPool1D(5)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0033", DiagnosticSeverity.Error, "[Input(784)] [{|Conv2D(6, 5)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0033", DiagnosticSeverity.Error, "[Input(1, 28, 28)] [Dense(100)] [{|MaxPool2D(2)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0033", DiagnosticSeverity.Error, "[Input(1, 28, 28)] [{|Conv1D(6, 5)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0019", DiagnosticSeverity.Error, "[Input(1024, 64, 64)] [{|Conv2D(4096, 23)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"), // 2.2e9 weights: no int wrap
        ("NG0019", DiagnosticSeverity.Error, "[Input(1, 1, 1)] [{|Conv2D(4, 1, Padding = 1073741823)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0019", DiagnosticSeverity.Error, "[Input(3, 4096, 4096)] [{|Conv2D(8, 11, Padding = 5)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"), // im2col workspace
        ("NG0015", DiagnosticSeverity.Error, "[Input(2)] [{|Dense(4, Activation.PReLU, Alpha = 1e39)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"), // infinite in float
        ("NG0034", DiagnosticSeverity.Error, "[Input(1, 8, 8)] [{|Conv2D(4, 3, Activation.Softmax)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0035", DiagnosticSeverity.Error, "[{|Network(Inference = Inference.Int8)|}] [Input(2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
        ("NG0035", DiagnosticSeverity.Error, "[Network(Inference = Inference.Int8)] [{|OnnxModel(\"m.onnx\")|}] public static partial class Net;"),
        ("NG0010", DiagnosticSeverity.Error, "[Input(1, 8, 8)] [Conv2D(4, 3)] [{|Loss(LossFunction.CrossEntropy)|}] public partial class Net;"),
        ("NG0015", DiagnosticSeverity.Error, "[Input(1, 8, 8)] [{|Conv2D(4, 3, Activation.LeakyReLU, Alpha = 2)|}] [Loss(LossFunction.MeanSquaredError)] public partial class Net;"),
    }.Select(c => new object[] { c.Id, c.Severity, c.Source });

    /// <summary>A layer after one that failed is not checked against a size nobody knows: no NG0030 beside the NG0005.</summary>
    [Fact]
    public void ALayerNormAfterAFailedLayer_IsNotCheckedAgainstAnUnknownSize()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("using NetGen;\n[Input(4)] [Dense(0)] [LayerNorm(NormalizedSize = 3)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;");
        Assert.Equal(new[] { "NG0005" }, result.NetGenDiagnostics.Select(d => d.Id));
    }

    /// <summary>Impossible shapes name the shapes they computed.</summary>
    [Theory]
    [InlineData("[Input(1, 4, 4)] [Conv2D(6, 5)]", "Layer 1's [Conv2D] on its input of 1 x 4 x 4 gives an output of 6 x 0 x 0: its window spans 5 x 5 against a padded input of 4 x 4")]
    [InlineData("[Input(1, 28, 28)] [Dense(100)] [MaxPool2D(2)]", "Layer 2's [MaxPool2D] needs an input of C x H x W (channels, height, width), but its input is a flat vector of 100 values from layer 1's [Dense]")]
    [InlineData("[Input(2, 16)] [Conv1D(4, 3, Groups = 3)]", "The group count of layer 1's [Conv1D] must be a divisor of its 4 filters, but it is 3")]
    public void ShapeErrors_SayWhatWasComputed(string layers, string message)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run($"using NetGen;\n{layers} [Loss(LossFunction.MeanSquaredError)] public partial class Net;");
        Diagnostic diagnostic = Assert.Single(result.NetGenDiagnostics);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>A convolution after a failed one is not checked against a shape nobody knows.</summary>
    [Fact]
    public void AConvolutionAfterAFailedLayer_IsNotCheckedAgainstAnUnknownShape()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("using NetGen;\n[Input(1, 28, 28)] [Conv2D(6, 5, Stride = 0)] [MaxPool2D(2)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;");
        Assert.Equal(new[] { "NG0031" }, result.NetGenDiagnostics.Select(d => d.Id));
    }

    /// <summary>A tiny epsilon is fine in double, where it stays positive.</summary>
    [Fact]
    public void ATinyEpsilon_IsAcceptedInDouble()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("using NetGen;\n[Network(Precision = Precision.Double)] [Input(4)] [LayerNorm(Epsilon = 1e-50)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;");
        Assert.Empty(result.NetGenDiagnostics);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnostic_HasItsId_Severity_AndLocation(string id, DiagnosticSeverity severity, string markedSource)
    {
        const string prefix = "using NetGen;\n";
        int start = markedSource.IndexOf("{|", StringComparison.Ordinal);
        int end = markedSource.IndexOf("|}", StringComparison.Ordinal) - 2;
        string source = prefix + markedSource.Replace("{|", string.Empty, StringComparison.Ordinal).Replace("|}", string.Empty, StringComparison.Ordinal);

        GeneratorHarness.Result result = GeneratorHarness.Run(source);

        Diagnostic diagnostic = Assert.Single(result.NetGenDiagnostics, d => d.Id == id);
        Assert.Equal(severity, diagnostic.DefaultSeverity); // the harness compiles with warnings as errors
        Assert.Equal(new Microsoft.CodeAnalysis.Text.TextSpan(prefix.Length + start, end - start), diagnostic.Location.SourceSpan);
        Assert.Equal("Network0.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(LocationKind.SourceFile, diagnostic.Location.Kind); // in the syntax tree, so #pragma and .editorconfig apply
        Assert.Same(result.Output.SyntaxTrees.First(), diagnostic.Location.SourceTree);
        Assert.False(diagnostic.IsSuppressed);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id == "CS8785");
        if (severity == DiagnosticSeverity.Error)
        {
            Assert.Empty(result.Run.Results.Single().GeneratedSources);
        }
        else
        {
            Assert.Equal(3, result.Run.Results.Single().GeneratedSources.Length); // the type, its kernels, its batched passes
            Assert.DoesNotContain(result.CompilationDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        }
    }

    /// <summary>Every warning NetGen reports about a declaration alone, with the first case that reports it (NG0028 and
    /// NG0037, about an ONNX model, need a converted model: OnnxDiagnosticTests checks them).</summary>
    public static IEnumerable<object[]> Warnings() => DiagnosticDescriptors.All
        .Where(d => d.DefaultSeverity == DiagnosticSeverity.Warning && d.Id != DiagnosticDescriptors.OnnxModelNarrowed.Id && d.Id != DiagnosticDescriptors.CalibrationUnused.Id)
        .Select(d => new object[] { d.Id, Cases().First(c => (string)c[0] == d.Id)[2] });

    [Theory]
    [MemberData(nameof(Warnings))]
    public void AWarning_UnderPragmaWarningDisable_IsReportedAsSuppressed(string id, string markedSource)
    {
        string source = $"using NetGen;\n#pragma warning disable {id}\n" + Unmarked(markedSource);

        GeneratorHarness.Result result = GeneratorHarness.Run(source);

        Diagnostic diagnostic = Assert.Single(result.NetGenDiagnostics, d => d.Id == id);
        Assert.True(diagnostic.IsSuppressed, $"{id} under #pragma warning disable is not suppressed");
        Assert.DoesNotContain(result.CompilationDiagnostics, d => d.Severity == DiagnosticSeverity.Error); // warnings are errors in the harness
    }

    [Fact]
    public void ThePragma_SilencesOnlyTheLinesBelowIt()
    {
        string network = Unmarked(Cases().First(c => (string)c[0] == "NG0012")[2]);
        string source = "using NetGen;\nnamespace A { " + network + " }\n#pragma warning disable NG0012\nnamespace B { " + network + " }";

        GeneratorHarness.Result result = GeneratorHarness.Run(source);

        Diagnostic[] warnings = result.NetGenDiagnostics.Where(d => d.Id == "NG0012").OrderBy(d => d.Location.SourceSpan.Start).ToArray();
        Assert.Equal(new[] { false, true }, warnings.Select(d => d.IsSuppressed));
    }

    [Fact]
    public void AnEditorConfigSeverity_ForTheDeclaringFile_SilencesOrRaisesAWarning()
    {
        string network = Unmarked(Cases().First(c => (string)c[0] == "NG0016")[2]);
        CSharpCompilation compilation = GeneratorHarness.Compilation("using NetGen;\nnamespace A { " + network + " }", "using NetGen;\nnamespace B { " + network + " }");
        // As `[Network0.cs] dotnet_diagnostic.NG0016.severity = none` and `[Network1.cs] ... = error` would, without
        // warnings as errors: the compiler asks the tree's options, so this only works on a location in the tree.
        var editorConfig = new PerFileSeverity(new() { ["Network0.cs"] = ReportDiagnostic.Suppress, ["Network1.cs"] = ReportDiagnostic.Error }, "NG0016");
        compilation = compilation.WithOptions(compilation.Options.WithGeneralDiagnosticOption(ReportDiagnostic.Default).WithSyntaxTreeOptionsProvider(editorConfig));

        GeneratorHarness.Result result = GeneratorHarness.Run(compilation, GeneratorHarness.Driver(trackSteps: true));

        Diagnostic diagnostic = Assert.Single(result.NetGenDiagnostics, d => d.Id == "NG0016");
        Assert.Equal("Network1.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.DefaultSeverity);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
    }

    /// <summary>What the SDK builds from .editorconfig files: a severity per syntax tree and diagnostic ID.</summary>
    private sealed class PerFileSeverity(Dictionary<string, ReportDiagnostic> severities, string id) : SyntaxTreeOptionsProvider
    {
        public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) => GeneratedKind.Unknown;

        public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = ReportDiagnostic.Default;
            return diagnosticId == id && severities.TryGetValue(tree.FilePath, out severity);
        }

        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = ReportDiagnostic.Default;
            return false;
        }
    }

    private static string Unmarked(object markedSource) =>
        ((string)markedSource).Replace("{|", string.Empty, StringComparison.Ordinal).Replace("|}", string.Empty, StringComparison.Ordinal);

    [Fact]
    public void EveryDescriptor_IsCoveredByACase()
    {
        var covered = Cases().Concat(WeightsDiagnosticTests.Cases()).Concat(OnnxDiagnosticTests.Cases()).Select(c => (string)c[0]).ToHashSet();
        var untested = DiagnosticDescriptors.All.Select(d => d.Id).Where(id => id != DiagnosticDescriptors.InternalError.Id && !covered.Contains(id)).ToList();
        Assert.Empty(untested);
    }

    [Fact]
    public void EveryDescriptor_HasAHelpLinkToAnExistingDocsPage_AndAReleaseEntry()
    {
        string root = NetGen.TestSupport.Repository.Root;
        string releases = File.ReadAllText(Path.Combine(root, "src", "NetGen.Generator", "AnalyzerReleases.Unshipped.md"))
            + File.ReadAllText(Path.Combine(root, "src", "NetGen.Generator", "AnalyzerReleases.Shipped.md"));
        foreach (DiagnosticDescriptor descriptor in DiagnosticDescriptors.All)
        {
            Assert.EndsWith($"/docs/diagnostics/{descriptor.Id}.md", descriptor.HelpLinkUri, StringComparison.Ordinal);
            string page = Path.Combine(root, "docs", "diagnostics", descriptor.Id + ".md");
            Assert.True(File.Exists(page), $"{descriptor.Id} has no docs page at {page}");
            Assert.Contains(descriptor.Id, File.ReadAllText(page), StringComparison.Ordinal);
            Assert.Contains(descriptor.Id + " ", releases, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void GeneratorEnums_MirrorThePublicEnums_ValueForValue()
    {
        Assert.Equal(
            Enum.GetValues<Activation>().Select(v => (v.ToString(), (int)v)),
            Enum.GetValues<Model.ActivationKind>().Select(v => (v.ToString(), (int)v)));
        Assert.Equal(
            Enum.GetValues<LossFunction>().Select(v => (v.ToString(), (int)v)),
            Enum.GetValues<Model.LossKind>().Select(v => (v.ToString(), (int)v)));
    }
}
