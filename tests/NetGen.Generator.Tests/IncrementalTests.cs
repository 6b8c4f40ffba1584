using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace NetGen.Generator.Tests;

/// <summary>The pipeline caches: edits that do not touch a network do not regenerate it (after
/// NetEscapades.EnumGenerators' cache tests).</summary>
public class IncrementalTests
{
    private const string Network = """
        using NetGen;
        namespace Demo;
        [Input(2)]
        [Dense(4, Activation.Tanh)]
        [Dense(1, Activation.Sigmoid)]
        [Loss(LossFunction.BinaryCrossEntropy)]
        public partial class XorNet;
        """;

    private static readonly string[] TrackedSteps = { TrackingNames.Parse, TrackingNames.Diagnostics, TrackingNames.Network };

    [Fact]
    public void AddingUnrelatedFile_LeavesEveryTrackedStepCachedOrUnchanged()
    {
        CSharpCompilation first = GeneratorHarness.Compilation(Network);
        GeneratorDriver driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(first);
        CSharpCompilation second = first.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class Unrelated { }", GeneratorHarness.ParseOptions));

        GeneratorRunResult run = driver.RunGenerators(second).GetRunResult().Results.Single();

        var steps = run.TrackedSteps.Where(s => TrackedSteps.Contains(s.Key)).ToList();
        Assert.Equal(TrackedSteps.OrderBy(s => s), steps.Select(s => s.Key).Distinct().OrderBy(s => s));
        foreach (KeyValuePair<string, ImmutableArray<IncrementalGeneratorRunStep>> step in steps)
        {
            foreach ((object value, IncrementalStepRunReason reason) in step.Value.SelectMany(s => s.Outputs))
            {
                Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step.Key} ran again: {reason}");
                AssertHoldsNoRoslynObjects(value, step.Key);
            }
        }

        Assert.All(GeneratorHarness.SourceOutputSteps(run).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void ChangingALayerSize_RegeneratesTheOutput()
    {
        CSharpCompilation first = GeneratorHarness.Compilation(Network);
        GeneratorDriver driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(first);
        SyntaxTree old = first.SyntaxTrees.Single();
        CSharpCompilation second = first.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Network.Replace("Dense(4,", "Dense(5,", StringComparison.Ordinal), GeneratorHarness.ParseOptions, old.FilePath));

        GeneratorDriverRunResult result = driver.RunGenerators(second).GetRunResult();

        IncrementalGeneratorRunStep network = result.Results.Single().TrackedSteps[TrackingNames.Network].Single();
        Assert.Equal(IncrementalStepRunReason.Modified, network.Outputs.Single().Reason);
        string source = result.Results.Single().GeneratedSources.Single(s => s.HintName.EndsWith("Net.g.cs", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("Dense 2 -> 5, tanh", source, StringComparison.Ordinal);
    }

    private const string BakedNetworks = """
        using NetGen;
        namespace Demo;
        [Input(2)] [Dense(2, Activation.Tanh)] [Dense(1)] [Weights("a.json")]
        public static partial class A;
        [Input(2)] [Dense(2, Activation.Tanh)] [Dense(1)] [Weights("b.json")]
        public static partial class B;
        """;

    private static string Weights(double first) => $$"""
        { "format": "netgen-weights", "layers": [
          { "weight": [[{{first.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}}, 2], [3, 4]], "bias": [0, 0] },
          { "weight": [[5, 6]], "bias": [7] } ] }
        """;

    [Fact]
    public void EditingOneWeightsFile_RegeneratesThatNetworkOnly()
    {
        var a = new GeneratorHarness.InMemoryText("/demo/a.json", Weights(1));
        var b = new GeneratorHarness.InMemoryText("/demo/b.json", Weights(1));
        CSharpCompilation compilation = GeneratorHarness.Compilation(BakedNetworks);
        GeneratorDriver driver = GeneratorHarness.Driver(true, a, b).RunGenerators(compilation);
        string oldA = Generated(driver, "Demo.A.g.cs"), oldB = Generated(driver, "Demo.B.g.cs");

        driver = driver.ReplaceAdditionalText(a, new GeneratorHarness.InMemoryText("/demo/a.json", Weights(1.5))).RunGenerators(compilation);

        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        Assert.Empty(run.Diagnostics);
        var bake = run.TrackedSteps[TrackingNames.BakedNetwork].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(2, bake.Count);
        Assert.Single(bake, o => o.Reason == IncrementalStepRunReason.Modified && ((Model.BakedNetworkSpec)o.Value).Network.Type.Name == "A");
        Assert.Single(bake, o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged && ((Model.BakedNetworkSpec)o.Value).Network.Type.Name == "B");
        Assert.NotEqual(oldA, Generated(driver, "Demo.A.g.cs"));
        Assert.Contains("1.5f, 3f, 2f, 4f,", Generated(driver, "Demo.A.g.cs"), StringComparison.Ordinal);
        Assert.Equal(oldB, Generated(driver, "Demo.B.g.cs"));

        // The Bake step (parse and check of the file) did not run again for B either.
        var checks = run.TrackedSteps[TrackingNames.Bake].SelectMany(s => s.Outputs).ToList();
        Assert.Single(checks, o => o.Reason == IncrementalStepRunReason.Modified);
        // Every step of ours but the diagnostics outputs' input (which holds the syntax trees by design).
        Assert.All(GeneratorHarness.SourceSteps(run).SelectMany(s => s.Step.Outputs), o => AssertHoldsNoRoslynObjects(o.Value, "baked"));
    }

    [Fact]
    public void AddingUnrelatedFile_LeavesBakedNetworksCached()
    {
        var a = new GeneratorHarness.InMemoryText("/demo/a.json", Weights(1));
        var b = new GeneratorHarness.InMemoryText("/demo/b.json", Weights(2));
        CSharpCompilation first = GeneratorHarness.Compilation(BakedNetworks);
        GeneratorDriver driver = GeneratorHarness.Driver(true, a, b).RunGenerators(first);

        GeneratorRunResult run = driver.RunGenerators(first.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class Unrelated { }", GeneratorHarness.ParseOptions)))
            .GetRunResult().Results.Single();

        foreach (string name in new[] { TrackingNames.BakeInput, TrackingNames.Bake, TrackingNames.BakedNetwork })
        {
            Assert.All(run.TrackedSteps[name].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name}: {o.Reason}"));
        }

        Assert.All(GeneratorHarness.SourceOutputSteps(run).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void AnEditAboveABakedNetwork_LeavesTheWeightsFileAndTheBakeStepsCached()
    {
        var a = new GeneratorHarness.InMemoryText("/demo/a.json", Weights(1));
        var b = new GeneratorHarness.InMemoryText("/demo/b.json", Weights(2));
        CSharpCompilation first = GeneratorHarness.Compilation(BakedNetworks);
        GeneratorDriver driver = GeneratorHarness.Driver(true, a, b).RunGenerators(first);
        SyntaxTree old = first.SyntaxTrees.Single();

        // A comment line above both networks: every [Weights] attribute moves down a line, nothing else changes.
        CSharpCompilation second = first.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText("// moved\n" + BakedNetworks, GeneratorHarness.ParseOptions, old.FilePath));
        GeneratorRunResult run = driver.RunGenerators(second).GetRunResult().Results.Single();

        // The parse saw the edit (it records where [Weights] now is) ...
        Assert.All(run.TrackedSteps[TrackingNames.Parse].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Modified, o.Reason));
        // ... but what the bake steps see holds no location: no file is matched, read, parsed or checked again.
        foreach (string name in new[] { TrackingNames.WeightsFile, TrackingNames.BakeInput, TrackingNames.Bake, TrackingNames.BakedNetwork })
        {
            var outputs = run.TrackedSteps[name].SelectMany(s => s.Outputs).ToList();
            Assert.Equal(2, outputs.Count);
            Assert.All(outputs, o => Assert.True(o.Reason == IncrementalStepRunReason.Cached, $"{name}: {o.Reason}"));
        }

        Assert.All(GeneratorHarness.SourceOutputSteps(run).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void AnEditAboveANetworkWhoseFileIsMissing_MovesNG0021_WithoutBakingAgain()
    {
        var a = new GeneratorHarness.InMemoryText("/demo/a.json", Weights(1)); // b.json is missing
        CSharpCompilation first = GeneratorHarness.Compilation(BakedNetworks);
        GeneratorDriver driver = GeneratorHarness.Driver(true, a).RunGenerators(first);
        SyntaxTree old = first.SyntaxTrees.Single();
        Diagnostic before = Assert.Single(driver.GetRunResult().Diagnostics);
        const string comment = "// moved\n";

        CSharpCompilation second = first.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(comment + BakedNetworks, GeneratorHarness.ParseOptions, old.FilePath));
        driver = driver.RunGenerators(second);

        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        Assert.All(run.TrackedSteps[TrackingNames.Bake].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Diagnostic after = Assert.Single(run.Diagnostics);
        Assert.Equal("NG0021", after.Id);
        Assert.Equal("Weights(\"b.json\")", after.Location.SourceTree!.GetText().ToString(after.Location.SourceSpan));
        Assert.Equal(before.Location.SourceSpan.Start + comment.Length, after.Location.SourceSpan.Start);
        Assert.Equal(before.Location.GetLineSpan().StartLinePosition.Line + 1, after.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Same(second.SyntaxTrees.Single(), after.Location.SourceTree);
    }

    private static string Generated(GeneratorDriver driver, string hintName) =>
        driver.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

    private static void AssertHoldsNoRoslynObjects(object? value, string step) => GeneratorHarness.AssertHoldsNoRoslynObjects(value, step);
}
