using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Xunit.Abstractions;

namespace NetGen.Generator.Tests;

/// <summary>The generator never throws: random declarations, valid and invalid, give generated code or NG diagnostics.</summary>
public class GeneratorRobustnessTests
{
    private readonly ITestOutputHelper _output;

    public GeneratorRobustnessTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void RandomDeclarations_NeverCrashTheGenerator_AndEachInvalidOneGetsItsDiagnostic()
    {
        var random = new Random(7);
        int valid = 0, invalid = 0;
        for (int i = 0; i < 300; i++)
        {
            (string source, string? expectedId) = RandomDeclaration(random, i);
            GeneratorHarness.Result result = GeneratorHarness.Run(source);

            Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id is "CS8785" or "NG0099");
            if (expectedId is null)
            {
                valid++;
                Assert.DoesNotContain(result.NetGenDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
                Assert.Equal(3, result.Run.Results.Single().GeneratedSources.Length); // the type, its kernels, its batched passes
                Diagnostic[] errors = result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
                Assert.True(errors.Length == 0, $"case {i}: generated code does not compile:\n{source}\n{string.Join("\n", errors.Take(5))}");
            }
            else
            {
                invalid++;
                Assert.True(result.NetGenDiagnostics.Any(d => d.Id == expectedId), $"case {i}: expected {expectedId}, got [{string.Join(", ", result.NetGenDiagnostics.Select(d => d.Id))}] for\n{source}");
                Assert.All(result.NetGenDiagnostics, d => Assert.NotEqual(Location.None, d.Location));
            }
        }

        _output.WriteLine($"{valid} valid and {invalid} invalid declarations");
        Assert.True(valid >= 100 && invalid >= 100, $"{valid} valid, {invalid} invalid");
    }

    [Fact]
    public void Generator_RunsInUnder100Milliseconds_For784_128_10()
    {
        const string source = """
            using NetGen;
            [Input(784)] [Dense(128, Activation.ReLU)] [Dense(10, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)]
            public partial class MnistNet;
            """;
        GeneratorHarness.Run(source); // warm up: JIT the generator and Roslyn
        var times = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var compilation = GeneratorHarness.Compilation(source);
            var watch = Stopwatch.StartNew();
            GeneratorHarness.Driver().RunGenerators(compilation);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        double median = times.Order().ElementAt(2);
        _output.WriteLine($"generator time for 784-128-10, median of 5: {median:F1} ms");
        Assert.True(median < 100, $"median {median:F1} ms");
    }

    /// <summary>A declaration and the NG ID it must produce (null when valid). One mutation at most, so the expected
    /// diagnostic is known.</summary>
    private static (string Source, string? ExpectedId) RandomDeclaration(Random random, int index)
    {
        var activations = new[] { "Identity", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU" };
        var layers = new List<string>();
        int depth = random.Next(1, 4);
        for (int k = 0; k < depth; k++)
        {
            layers.Add(random.Next(4) == 0
                ? $"[Maxout({random.Next(1, 20)}, {random.Next(2, 4)})]"
                : $"[Dense({random.Next(1, 40)}, Activation.{activations[random.Next(activations.Length)]})]");
        }

        string input = $"[Input({random.Next(1, 40)})]";
        string loss = "[Loss(LossFunction.MeanSquaredError)]";
        string keyword = random.Next(3) == 0 ? "partial struct" : "partial class";
        string options = random.Next(4) == 0 ? "[Network(Precision = Precision.Double)]" : string.Empty;
        string? expected = null;
        string name = $"Net{index}";
        string suffix = ";";

        switch (random.Next(2) == 0 ? -1 : random.Next(14))
        {
            case 0: keyword = keyword.Replace("partial ", string.Empty, StringComparison.Ordinal); suffix = " { }"; expected = "NG0001"; break;
            case 1: input = string.Empty; expected = "NG0002"; break;
            case 2: input += $"[Input({random.Next(1, 9)})]"; expected = "NG0003"; break;
            case 3: layers.Clear(); expected = "NG0004"; break;
            case 4: layers[random.Next(layers.Count)] = $"[Dense({-random.Next(0, 5)})]"; expected = "NG0005"; break;
            case 5: layers[random.Next(layers.Count)] = $"[Maxout(3, {random.Next(-2, 2)})]"; expected = "NG0006"; break;
            case 6 when layers.Count > 1: layers[0] = "[Dense(3, Activation.Softmax)]"; expected = "NG0007"; break;
            case 7: loss = string.Empty; expected = "NG0008"; break;
            case 8: loss += "[Loss(LossFunction.MeanSquaredError)]"; expected = "NG0009"; break;
            case 9: loss = "[Loss(LossFunction.CrossEntropy)]"; layers[^1] = "[Dense(3, Activation.Tanh)]"; expected = "NG0010"; break;
            case 10: loss = "[Loss(LossFunction.BinaryCrossEntropy)]"; layers[^1] = "[Maxout(2, 2)]"; expected = "NG0011"; break;
            case 11: name += "<T>"; expected = "NG0014"; break;
            case 12: layers[0] = $"[Dense(4, Activation.LeakyReLU, Alpha = {random.Next(1, 5)}.5)]"; expected = "NG0015"; break;
            case 13: layers[0] = $"[Dense(4, (Activation){random.Next(7, 100)})]"; expected = "NG0018"; break;
        }

        var text = new StringBuilder("using NetGen;\n");
        if (random.Next(2) == 0)
        {
            text.Append("namespace N").Append(index).Append(";\n");
        }

        text.Append(options).Append(input).Append(string.Concat(layers)).Append(loss).Append('\n');
        text.Append("public ").Append(keyword).Append(' ').Append(name).Append(suffix).Append('\n');
        return (text.ToString(), expected);
    }
}
