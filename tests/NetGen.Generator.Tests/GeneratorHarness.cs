using System;
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

    /// <summary>Runs the generator with AdditionalFiles items, as the compiler would pass them.</summary>
    public static Result Run(string[] sources, AdditionalText[] additionalTexts)
    {
        CSharpCompilation input = Compilation(sources);
        Driver(false, additionalTexts).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult run = Driver(false, additionalTexts).RunGenerators(input).GetRunResult();
        return new Result(output, generatorDiagnostics, output.GetDiagnostics(), run);
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
