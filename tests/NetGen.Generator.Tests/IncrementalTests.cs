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

        Assert.All(run.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
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
        string source = result.Results.Single().GeneratedSources.Single().SourceText.ToString();
        Assert.Contains("Dense 2 -> 5, tanh", source, StringComparison.Ordinal);
    }

    /// <summary>No cached value may hold a symbol, a syntax node or a compilation: they would keep old compilations alive
    /// and defeat caching.</summary>
    private static void AssertHoldsNoRoslynObjects(object? value, string step, int depth = 0)
    {
        if (value is null || depth > 6)
        {
            return;
        }

        Type type = value.GetType();
        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or Location, $"{step} holds a {type.Name}");
        if (type.IsPrimitive || value is string || type.IsEnum)
        {
            return;
        }

        if (value is System.Collections.IEnumerable items)
        {
            foreach (object? item in items)
            {
                AssertHoldsNoRoslynObjects(item, step, depth + 1);
            }

            return;
        }

        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            AssertHoldsNoRoslynObjects(property.GetValue(value), step, depth + 1);
        }
    }
}
