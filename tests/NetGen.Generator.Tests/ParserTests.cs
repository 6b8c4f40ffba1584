using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using NetGen.Generator.Model;

namespace NetGen.Generator.Tests;

/// <summary>The parser stage alone: the model (<see cref="NetworkSpec"/>) and the diagnostics it builds from a
/// declaration, read from the outputs of the tracked <see cref="TrackingNames.Parse"/> step of a real generator run.</summary>
public class ParserTests
{
    private static readonly EquatableArray<ContainingTypeSpec> NoContainingTypes = new(Array.Empty<ContainingTypeSpec>());

    [Fact]
    public void XorDeclaration_ParsesToTwoDenseLayers_WithTheirFanInsAndOffsets()
    {
        ParseResult result = Parse("""
            using NetGen;
            namespace Demo;
            [Input(2)] [Dense(4, Activation.Tanh)] [Dense(1, Activation.Sigmoid)] [Loss(LossFunction.BinaryCrossEntropy)]
            public partial class Xor;
            """);

        var expected = new NetworkSpec(
            new TypeSpec("Demo", NoContainingTypes, "class", "Xor", "global::Demo.Xor", NeedsConstructor: false),
            IsDouble: false,
            Unrolled: false,
            InputSize: 2,
            Layers(
                new LayerSpec(1, LayerKind.Dense, FanIn: 2, Units: 4, Pieces: 1, ActivationKind.Tanh, Alpha: 0, Offset: 0),
                new LayerSpec(2, LayerKind.Dense, FanIn: 4, Units: 1, Pieces: 1, ActivationKind.Sigmoid, Alpha: 0, Offset: 2 * 4 + 4)),
            LossKind.BinaryCrossEntropy);
        Assert.Equal(expected, result.Network);
        Assert.Empty(result.Diagnostics);
        Assert.Null(result.Bake);
        Assert.Null(result.WeightsAttribute);
        Assert.Equal(17, result.Network!.ParameterCount);
    }

    [Fact]
    public void MaxoutLayer_HasPiecesTimesUnitsAffineOutputs_AndNoActivation()
    {
        ParseResult result = Parse("""
            using NetGen;
            [Input(3)] [Maxout(2, 3)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)]
            public partial class Net;
            """);

        Assert.Equal(
            Layers(
                new LayerSpec(1, LayerKind.Maxout, FanIn: 3, Units: 2, Pieces: 3, ActivationKind.Identity, Alpha: 0, Offset: 0),
                new LayerSpec(2, LayerKind.Dense, FanIn: 2, Units: 1, Pieces: 1, ActivationKind.Identity, Alpha: 0, Offset: 3 * 6 + 6)),
            result.Network!.Layers);
        Assert.Null(result.Network.Type.Namespace);
        Assert.Equal(LossKind.MeanSquaredError, result.Network.Loss);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void DoubleStructNetwork_GetsItsPrecision_DefaultAndExplicitAlphas_AndAConstructor()
    {
        ParseResult result = Parse("""
            using NetGen;
            [Network(Precision = Precision.Double, Kernels = KernelStyle.UnrolledScalar)]
            [Input(2)] [Dense(3, Activation.LeakyReLU)] [Dense(3, Activation.ELU)] [Dense(2, Activation.ELU, Alpha = 0.5)] [Dense(2, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            public partial struct Net;
            """);

        NetworkSpec network = result.Network!;
        Assert.True(network.IsDouble);
        Assert.True(network.Unrolled);
        Assert.Equal("double", network.Scalar);
        Assert.Equal(new TypeSpec(null, NoContainingTypes, "struct", "Net", "global::Net", NeedsConstructor: true), network.Type);
        Assert.Equal(new[] { 0.01, 1.0, 0.5, 0.0 }, network.Layers.Select(l => l.Alpha));
        Assert.Equal(new[] { 0, 9, 21, 29 }, network.Layers.Select(l => l.Offset));
        Assert.Equal(LossKind.CrossEntropy, network.Loss);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void NestedNetwork_RecordsItsNamespace_AndEveryContainingTypeOutermostFirst()
    {
        ParseResult result = Parse("""
            using NetGen;
            namespace Outer.Inner;
            public static partial class Host
            {
                internal partial struct Middle
                {
                    [Input(1)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)]
                    private partial record Net;
                }
            }
            """);

        Assert.Equal(
            new TypeSpec(
                "Outer.Inner",
                new EquatableArray<ContainingTypeSpec>(new[] { new ContainingTypeSpec("class", "Host"), new ContainingTypeSpec("struct", "Middle") }),
                "record",
                "Net",
                "global::Outer.Inner.Host.Middle.Net",
                NeedsConstructor: false),
            result.Network!.Type);
    }

    [Fact]
    public void WeightsAttribute_GivesABakeRequestWithoutALocation_AndTheAttributeBesideIt()
    {
        const string source = """
            using NetGen;
            namespace Demo;
            [Input(2)] [Dense(2, Activation.Tanh)] [Dense(1)] [Weights("models/w.json")]
            public static partial class Baked;
            """;

        ParseResult result = Parse(source);

        var network = new NetworkSpec(
            new TypeSpec("Demo", NoContainingTypes, "class", "Baked", "global::Demo.Baked", NeedsConstructor: false),
            false,
            false,
            2,
            Layers(
                new LayerSpec(1, LayerKind.Dense, 2, 2, 1, ActivationKind.Tanh, 0, 0),
                new LayerSpec(2, LayerKind.Dense, 2, 1, 1, ActivationKind.Identity, 0, 6)),
            LossKind.MeanSquaredError); // an inference-only network needs no [Loss]
        Assert.Null(result.Network);
        Assert.Equal(new BakeRequest(network, "models/w.json", SourceDirectory: string.Empty), result.Bake);
        Assert.Equal(Expected(source, "Weights(\"models/w.json\")"), result.WeightsAttribute);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void TheSameDeclaration_ParsedTwice_GivesEqualResults()
    {
        const string source = "using NetGen;\n[Input(2)] [Dense(3, Activation.Softmax)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;";

        Assert.Equal(Parse(source), Parse(source)); // value equality is what lets the pipeline cache
    }

    [Theory]
    [MemberData(nameof(DiagnosticTests.Cases), MemberType = typeof(DiagnosticTests))]
    public void EveryDiagnosticCase_IsInTheParseResult_WithItsIdAndSpan(string id, DiagnosticSeverity severity, string markedSource)
    {
        const string prefix = "using NetGen;\n";
        int start = markedSource.IndexOf("{|", StringComparison.Ordinal);
        int end = markedSource.IndexOf("|}", StringComparison.Ordinal) - 2;
        string source = prefix + markedSource.Replace("{|", string.Empty, StringComparison.Ordinal).Replace("|}", string.Empty, StringComparison.Ordinal);

        ParseResult result = Parse(source);

        DiagnosticInfo diagnostic = Assert.Single(result.Diagnostics, d => d.Id == id);
        Assert.Equal(Expected(source, TextSpan.FromBounds(prefix.Length + start, prefix.Length + end)), diagnostic.Location);
        if (severity == DiagnosticSeverity.Error)
        {
            Assert.Null(result.Network); // no model when any error was reported
        }
        else
        {
            Assert.NotNull(result.Network);
            Assert.All(result.Diagnostics, d => Assert.Equal(DiagnosticSeverity.Warning, Diagnostics.DiagnosticDescriptors.ById(d.Id).DefaultSeverity));
        }
    }

    /// <summary>Runs the generator on <paramref name="source"/> (as Network0.cs) and returns the one parse result.</summary>
    private static ParseResult Parse(string source)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        IncrementalGeneratorRunStep[] steps = result.Run.Results.Single().TrackedSteps[TrackingNames.Parse].ToArray();
        return Assert.IsType<ParseResult>(Assert.Single(steps.SelectMany(s => s.Outputs)).Value);
    }

    private static EquatableArray<LayerSpec> Layers(params LayerSpec[] layers) => new(layers);

    private static LocationInfo Expected(string source, string text)
    {
        int start = source.IndexOf(text, StringComparison.Ordinal);
        return Expected(source, new TextSpan(start, text.Length));
    }

    private static LocationInfo Expected(string source, TextSpan span)
    {
        LinePositionSpan lines = SourceText.From(source).Lines.GetLinePositionSpan(span);
        return new LocationInfo("Network0.cs", span.Start, span.Length, lines.Start.Line, lines.Start.Character, lines.End.Line, lines.End.Character);
    }
}
