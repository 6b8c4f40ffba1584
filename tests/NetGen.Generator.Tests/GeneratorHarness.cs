using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.Loader;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator;

namespace NetGen.Generator.Tests;

/// <summary>Runs the generator in-process on source text, the way the compiler would, and compiles the result.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    private static readonly MetadataReference[] References = Net100.References.All
        .Concat(new[]
        {
            MetadataReference.CreateFromFile(typeof(InputAttribute).Assembly.Location),
            MetadataReference.CreateFromFile(typeof(INeuralNetwork<>).Assembly.Location),
            MetadataReference.CreateFromFile(typeof(TensorPrimitives).Assembly.Location),
        })
        .ToArray();

    public static CSharpCompilation Compilation(params string[] sources) => CSharpCompilation.Create(
        "NetGenTestAssembly",
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Network{i}.cs")),
        References,
        new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable,
            optimizationLevel: OptimizationLevel.Release,
            generalDiagnosticOption: ReportDiagnostic.Error,
            // As the SDK does: binding the net8.0 runtime assembly against net10.0 references is expected.
            specificDiagnosticOptions: new[] { ("CS1701", ReportDiagnostic.Suppress), ("CS1702", ReportDiagnostic.Suppress) }
                .ToImmutableDictionary(p => p.Item1, p => p.Item2)));

    public static GeneratorDriver Driver(bool trackSteps = false, params AdditionalText[] additionalTexts) => CSharpGeneratorDriver.Create(
        new[] { new NetworkGenerator().AsSourceGenerator() },
        additionalTexts,
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator; returns the output compilation and every diagnostic (generator's and compiler's).</summary>
    public static Result Run(params string[] sources) => Run(sources, Array.Empty<AdditionalText>());

    /// <summary>Runs the generator with AdditionalFiles items, as the compiler would pass them. Every run is also a
    /// cache test (<see cref="AssertCachedOnRerun"/>).</summary>
    public static Result Run(string[] sources, AdditionalText[] additionalTexts)
    {
        CSharpCompilation input = Compilation(sources);
        return Run(input, Driver(true, additionalTexts));
    }

    /// <summary>Runs <paramref name="driver"/> on <paramref name="input"/>, then checks that a second run caches.</summary>
    public static Result Run(Compilation input, GeneratorDriver driver)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        AssertCachedOnRerun(driver, input);
        return new Result(output, generatorDiagnostics, output.GetDiagnostics(), driver.GetRunResult());
    }

    /// <summary>The cache test every run gets (after NetEscapades.EnumGenerators' <c>TestHelpers</c>): no tracked value
    /// holds an <see cref="ISymbol"/>, <see cref="SyntaxNode"/> or <see cref="Microsoft.CodeAnalysis.Compilation"/>,
    /// and running <paramref name="driver"/> (which has run once, tracking steps) again on a clone of the compilation
    /// leaves every tracked step <c>Cached</c> or <c>Unchanged</c> and every source output <c>Cached</c>.
    /// <para>Exempt: the diagnostics outputs and their input step, <see cref="TrackingNames.Report"/>. They alone see the
    /// syntax trees, to report at real source locations (so <c>#pragma warning disable</c> works); they re-run whenever
    /// a tree changes, by design, and add no source.</para></summary>
    public static void AssertCachedOnRerun(GeneratorDriver driver, Compilation compilation)
    {
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        foreach ((string name, IncrementalGeneratorRunStep step) in SourceSteps(first))
        {
            foreach ((object value, _) in step.Outputs)
            {
                AssertHoldsNoRoslynObjects(value, name);
            }
        }

        GeneratorRunResult second = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();
        Assert.Equal(SourceSteps(first).Select(s => s.Name).Distinct().Order(), SourceSteps(second).Select(s => s.Name).Distinct().Order());
        foreach ((string name, IncrementalGeneratorRunStep step) in SourceSteps(second))
        {
            foreach ((_, IncrementalStepRunReason reason) in step.Outputs)
            {
                Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name} ran again on an unchanged compilation: {reason}");
            }
        }

        Assert.All(SourceOutputSteps(second).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    /// <summary>The generator's tracked steps that lead to generated source: every step named in
    /// <see cref="TrackingNames"/> but the diagnostics outputs' input (Roslyn's own steps, such as "Compilation", are
    /// inputs, not ours to cache).</summary>
    public static IEnumerable<(string Name, IncrementalGeneratorRunStep Step)> SourceSteps(GeneratorRunResult run) =>
        run.TrackedSteps.Where(s => CachedStepNames.Contains(s.Key)).SelectMany(s => s.Value.Select(step => (s.Key, step)));

    private static readonly HashSet<string> CachedStepNames = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (string)f.GetValue(null)!)
        .Where(name => name != TrackingNames.Report)
        .ToHashSet();

    /// <summary>The output steps that add source: every output step but those of the diagnostics outputs.</summary>
    public static IEnumerable<IncrementalGeneratorRunStep> SourceOutputSteps(GeneratorRunResult run) =>
        run.TrackedOutputSteps.SelectMany(s => s.Value).Where(step => !step.Inputs.Any(i => i.Source.Name == TrackingNames.Report));

    /// <summary>No cached value may hold a symbol, a syntax node, a syntax tree, a location or a compilation: they would
    /// keep old compilations alive and defeat caching. Walks every field of the object graph.</summary>
    public static void AssertHoldsNoRoslynObjects(object? value, string step) =>
        AssertHoldsNoRoslynObjects(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));

    private static void AssertHoldsNoRoslynObjects(object? value, string step, HashSet<object> visited)
    {
        if (value is null || !visited.Add(value))
        {
            return;
        }

        Type type = value.GetType();
        Assert.False(value is ISymbol or SyntaxNode or SyntaxTree or Microsoft.CodeAnalysis.Compilation or SemanticModel or Location, $"{step} holds a {type.Name}");
        if (type.IsPrimitive || type.IsEnum || value is string || value is Type)
        {
            return;
        }

        if (value is Array array)
        {
            if (!type.GetElementType()!.IsPrimitive && type.GetElementType() != typeof(string))
            {
                foreach (object? item in array)
                {
                    AssertHoldsNoRoslynObjects(item, step, visited);
                }
            }

            return;
        }

        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                AssertHoldsNoRoslynObjects(field.GetValue(value), step, visited);
            }
        }
    }

    /// <summary>Generates, compiles with warnings as errors and loads the assembly into its own context.</summary>
    public static Assembly CompileAndLoad(params string[] sources) => CompileAndLoad(sources, Array.Empty<AdditionalText>());

    /// <summary>As <see cref="CompileAndLoad(string[])"/>, with AdditionalFiles items.</summary>
    public static Assembly CompileAndLoad(string[] sources, AdditionalText[] additionalTexts)
    {
        Result result = Run(sources, additionalTexts);
        Diagnostic[] problems = result.GeneratorDiagnostics.Concat(result.CompilationDiagnostics)
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.Id.StartsWith("NG", StringComparison.Ordinal)).ToArray();
        Assert.True(problems.Length == 0, "The generated code does not compile cleanly:\n" + string.Join("\n", problems.Take(20)));
        using var stream = new MemoryStream();
        var emit = result.Output.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        stream.Position = 0;
        return new AssemblyLoadContext(null, isCollectible: false).LoadFromStream(stream);
    }

    /// <summary>An AdditionalFiles item held in memory.</summary>
    public sealed class InMemoryText(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(System.Threading.CancellationToken cancellationToken = default) =>
            Microsoft.CodeAnalysis.Text.SourceText.From(text);
    }

    public sealed record Result(
        Compilation Output,
        ImmutableArray<Diagnostic> GeneratorDiagnostics,
        ImmutableArray<Diagnostic> CompilationDiagnostics,
        GeneratorDriverRunResult Run)
    {
        public string GeneratedSource(string hintName) =>
            Run.Results.Single().GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

        public Diagnostic[] NetGenDiagnostics => GeneratorDiagnostics.Where(d => d.Id.StartsWith("NG", StringComparison.Ordinal)).ToArray();
    }
}
