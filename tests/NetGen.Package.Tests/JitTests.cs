using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace NetGen.Package.Tests;

/// <summary>Every generated method is compiled fully optimised, never MinOpts: tests/NetGen.JitCheck exercises trainable
/// and baked networks (784-128-10, 300-1000-70x3, maxout, XOR) and the JIT's own summary
/// (<c>DOTNET_JitDisasmSummary=1</c>) says how each method was compiled.
/// <para>Nothing here depends on timing. That no generated method is ever MinOpts holds whenever it runs. Tier-up is
/// made deterministic: the check program runs with no instrumented tier (<c>DOTNET_TieredPGO=0</c>) and with call
/// counting from the first call (<c>DOTNET_TC_CallCountingDelayMs=0</c>; by default counting waits for a 100 ms
/// window without new tier-0 activity, which a loaded machine keeps postponing), and it keeps calling the networks
/// until the runtime's own JIT events report every hot method recompiled at Tier1 (bounded at 20 s), instead of for
/// a fixed two seconds. A loaded machine makes it take longer, not fail (issue 13).</para></summary>
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
        // The summary goes to the program's stdout, not to DOTNET_JitStdOutFile: the JIT closes that file at shutdown
        // while a background compilation may still write to it, which under load crashed the process at exit
        // ("free(): invalid pointer"). The program writes its own report to stderr, so no line of the summary is split.
        (int code, string output) = Shell.Run("dotnet", [program], _work, new Dictionary<string, string>
        {
            ["DOTNET_JitDisasmSummary"] = "1",
            ["DOTNET_TieredPGO"] = "0",
            ["DOTNET_TC_CallCountingDelayMs"] = "0",
        });
        string[] lines = output.Split('\n');
        string report = string.Join('\n', lines.Where(line => !line.Contains("JIT compiled", StringComparison.Ordinal))).Trim();
        _log.WriteLine(report);
        Assert.True(code == 0, $"exit code {code}: {report}");

        // "  80: JIT compiled NetGen.Generated.Mnist:Affine1(System.ReadOnlySpan`1[float],...) [FullOpts, IL size=1706, code size=269]"
        // (kernels, in the network's kernel class) or "Mnist:Forward(...)" (passes, in the network's type).
        // A method is its name and parameter list: BackwardBatch has two overloads, and each must end optimised.
        var compilations = lines
            .Select(line => Regex.Match(line, @"JIT compiled (?:NetGen\.Generated\.)?(?<type>[\w]+):(?<method>[^(]+)(?<parameters>\([^)]*\)).*\[(?<tier>[^,\]]+)"))
            .Where(m => m.Success && GeneratedTypes.Contains(m.Groups["type"].Value))
            .Select(m => (Method: m.Groups["type"].Value + "." + m.Groups["method"].Value + m.Groups["parameters"].Value, Tier: m.Groups["tier"].Value))
            .ToList();
        Assert.True(compilations.Count > 50, $"only {compilations.Count} generated methods in the summary");
        Assert.DoesNotContain(compilations, c => c.Tier.Contains("MinOpt", StringComparison.OrdinalIgnoreCase));

        // The passes and kernels that ran hot end at Tier1 or FullOpts (AggressiveOptimization kernels start there).
        string[] hot = { "Forward", "Backward", "ComputeLoss", "ForwardBatch", "BackwardBatch", "ZeroGradients", "Classify" };
        var final = compilations.GroupBy(c => c.Method).ToDictionary(g => g.Key, g => g.Last().Tier);
        var checkedMethods = final.Where(f => Name(f.Key) is var name && (hot.Contains(name) || name.StartsWith("Affine", StringComparison.Ordinal))).ToList();
        foreach ((string method, string tier) in checkedMethods)
        {
            _log.WriteLine($"{method}: {tier}");
            Assert.True(tier.StartsWith("Tier1", StringComparison.Ordinal) || tier == "FullOpts", $"{method} ended at {tier}");
        }

        Assert.True(checkedMethods.Count >= 40, $"only {checkedMethods.Count} hot generated methods were checked");
        _log.WriteLine($"{compilations.Count} compilations of generated methods, none MinOpts; {checkedMethods.Count} hot methods fully optimised.");

        // Full speed from the first call (issue 15): the passes and kernels are compiled optimised the first time, never
        // as tier-0 code promoted later, and so is every runtime helper they call that is not inlined into them.
        foreach ((string method, string tier) in compilations.GroupBy(c => c.Method).Select(g => g.First())
            .Where(c => hot.Contains(Name(c.Method)) || Name(c.Method).StartsWith("Affine", StringComparison.Ordinal)))
        {
            Assert.True(tier == "FullOpts", $"{method} was first compiled {tier}, not FullOpts");
        }

        var helpers = lines
            .Select(line => Regex.Match(line, @"JIT compiled NetGen\.Runtime\.(?<method>(?:Activations|Losses|Kernels|SpanMath|Simd|Guard):[^(]+)[^\[]*\[(?<tier>[^,\]]+)"))
            .Where(m => m.Success && !m.Groups["method"].Value.Contains(":Throw", StringComparison.Ordinal))
            .Select(m => (Method: m.Groups["method"].Value, Tier: m.Groups["tier"].Value))
            .ToList();
        Assert.True(helpers.Count >= 3, $"only {helpers.Count} runtime helpers compiled on their own: are they all inlined?");
        foreach ((string method, string tier) in helpers)
        {
            _log.WriteLine($"NetGen.Runtime.{method}: {tier}");
            Assert.False(tier.Contains("Tier0", StringComparison.Ordinal) && !tier.Contains("switched to FullOpts", StringComparison.Ordinal), $"NetGen.Runtime.{method} was compiled {tier}");
        }
    }

    /// <summary>"Mnist.Affine1(System.ReadOnlySpan`1[float],...)" is "Affine1".</summary>
    private static string Name(string method) => method.Split('(')[0].Split('.')[1];
}
