using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace NetGen.Package.Tests;

/// <summary>Every generated method is compiled fully optimised, never MinOpts: tests/NetGen.JitCheck exercises trainable
/// and baked networks (784-128-10, 300-1000-70x3, maxout, XOR) and the JIT's own summary
/// (<c>DOTNET_JitStdOutFile</c> + <c>DOTNET_JitDisasmSummary=1</c>) says how each method was compiled.</summary>
public sealed class JitTests : IDisposable
{
    private static readonly string[] GeneratedTypes = { "Xor", "Mnist", "Wide", "Maxout", "XorBaked" };
    private readonly string _work = Directory.CreateTempSubdirectory("netgen-jit-").FullName;
    private readonly ITestOutputHelper _log;

    public JitTests(ITestOutputHelper log) => _log = log;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void GeneratedMethods_AreNeverMinOpts_AndHotOnesEndFullyOptimised()
    {
        string program = Path.Combine(Shell.Repository, "tests", "NetGen.JitCheck", "bin", "Release", "net10.0", "NetGen.JitCheck.dll");
        Assert.True(File.Exists(program), $"Build the solution in Release first: {program} is missing.");
        string summary = Path.Combine(_work, "jit.txt");
        (int code, string output) = Shell.Run("dotnet", [program], _work, new Dictionary<string, string>
        {
            ["DOTNET_JitStdOutFile"] = summary,
            ["DOTNET_JitDisasmSummary"] = "1",
        });
        Assert.True(code == 0, output);

        // "  80: JIT compiled Mnist:Affine1(...) [FullOpts, IL size=1706, code size=269]"
        var compilations = File.ReadAllLines(summary)
            .Select(line => Regex.Match(line, @"JIT compiled (?<type>[\w]+):(?<method>[^(]+)\(.*\[(?<tier>[^,\]]+)"))
            .Where(m => m.Success && GeneratedTypes.Contains(m.Groups["type"].Value))
            .Select(m => (Method: m.Groups["type"].Value + "." + m.Groups["method"].Value, Tier: m.Groups["tier"].Value))
            .ToList();
        Assert.True(compilations.Count > 50, $"only {compilations.Count} generated methods in the summary");
        Assert.DoesNotContain(compilations, c => c.Tier.Contains("MinOpt", StringComparison.OrdinalIgnoreCase));

        // The passes and kernels that ran hot end at Tier1 or FullOpts (AggressiveOptimization kernels start there).
        string[] hot = { "Forward", "Backward", "ComputeLoss", "ForwardBatch", "BackwardBatch", "ZeroGradients", "Classify" };
        var final = compilations.GroupBy(c => c.Method).ToDictionary(g => g.Key, g => g.Last().Tier);
        var checkedMethods = final.Where(f => hot.Contains(f.Key.Split('.')[1]) || f.Key.Split('.')[1].StartsWith("Affine", StringComparison.Ordinal)).ToList();
        foreach ((string method, string tier) in checkedMethods)
        {
            _log.WriteLine($"{method}: {tier}");
            Assert.True(tier.StartsWith("Tier1", StringComparison.Ordinal) || tier == "FullOpts", $"{method} ended at {tier}");
        }

        Assert.True(checkedMethods.Count >= 40, $"only {checkedMethods.Count} hot generated methods were checked");
        _log.WriteLine($"{compilations.Count} compilations of generated methods, none MinOpts; {checkedMethods.Count} hot methods fully optimised.");
    }
}
