using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Globalization;
using System.Runtime.CompilerServices;
using NetGen.ColdStart;

// Issue 15, part 2: how fast is a generated network from its first call, as a new user would time it? Every case runs in
// a fresh process (this program starts itself again with --case), under the default settings: tiered compilation and
// dynamic PGO on, nothing warmed up. A case times its first call, then runs blocks of B calls (S: 1,000; M: 200;
// L: 20) and compares the median of blocks 10 to 59 with the median of 50 blocks taken after 3 s of calls.
//
//   dotnet run -c Release --project benchmarks/NetGen.ColdStart [-- --runs 3]
//   dotnet publish -c Release -r linux-x64 benchmarks/NetGen.ColdStart
//   benchmarks/NetGen.ColdStart/bin/Release/net10.0/linux-x64/publish/NetGen.ColdStart
//
// Published with NativeAOT (the csproj sets PublishAot), the same program gives the native column.
if (args.Length == 3 && args[0] == "--case")
{
    Console.WriteLine(Cases.Run(args[1], args[2]).ToString());
    return 0;
}

int runs = args.Length == 2 && args[0] == "--runs" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
string self = Environment.ProcessPath ?? throw new InvalidOperationException("The process path is unknown.");
bool native = System.Runtime.JitInfo.GetCompiledMethodCount() == 0; // nothing is ever compiled at run time under NativeAOT
Console.WriteLine($"{(native ? "NativeAOT" : "JIT, default settings")}; median of {runs} fresh processes per case; "
    + $"{Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine();
Console.WriteLine("| network | method | B | first call | of which compiling (methods) | blocks 10-59, per call | after 3 s, per call | ratio | goal |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
bool allMet = true;
foreach (string network in new[] { "S", "M", "L" })
{
    foreach (string method in new[] { "Forward", "SgdStep" })
    {
        var results = new List<Figures>();
        for (int run = 0; run < runs; run++)
        {
            var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "NetGen.ColdStart.dll")); // as `dotnet NetGen.ColdStart.dll`
            }
            foreach (string arg in new[] { "--case", network, method })
            {
                start.ArgumentList.Add(arg);
            }
            using Process child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {self}.");
            string line = child.StandardOutput.ReadToEnd().Trim();
            child.WaitForExit();
            if (child.ExitCode != 0)
            {
                throw new InvalidOperationException($"The case {network} {method} exited with {child.ExitCode}: {line}");
            }
            results.Add(Figures.Parse(line));
        }
        var figures = Figures.Median(results);
        double ratio = figures.EarlyNs / figures.LateNs;
        bool met = ratio <= 1.25 && (network != "L" || method != "Forward" || figures.FirstUs <= 10_000);
        allMet &= met;
        string goal = network == "L" && method == "Forward" ? "ratio <= 1.25, first <= 10 ms" : "ratio <= 1.25";
        Console.WriteLine($"| {network} | `{method}` | {Cases.BlockSize(network):N0} | {figures.FirstUs:N0} µs | "
            + $"{figures.JitUs:N0} µs ({figures.JitMethods:N0}) | {figures.EarlyNs:N1} ns | {figures.LateNs:N1} ns | {ratio:F2}x | {goal}: {(met ? "met" : "**not met**")} |");
    }
}
return allMet ? 0 : 1;

/// <summary>One case's figures: the first call, and the medians per call of the early and the late blocks.</summary>
/// <summary>One case's figures: the first call, the compilation it waited for (time and methods, from
/// <see cref="System.Runtime.JitInfo"/>, on the calling thread), and the medians per call of the early and late blocks.</summary>
internal readonly record struct Figures(double FirstUs, double JitUs, double JitMethods, double EarlyNs, double LateNs)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{FirstUs:R} {JitUs:R} {JitMethods:R} {EarlyNs:R} {LateNs:R}");

    public static Figures Parse(string line)
    {
        double[] values = line.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        if (values.Length != 5)
        {
            throw new FormatException($"A case printed '{line}', not five figures.");
        }
        return new Figures(values[0], values[1], values[2], values[3], values[4]);
    }

    /// <summary>Each figure's median over the runs, taken separately.</summary>
    public static Figures Median(List<Figures> runs) => new(
        Cases.Median(runs.Select(r => r.FirstUs).ToArray()),
        Cases.Median(runs.Select(r => r.JitUs).ToArray()),
        Cases.Median(runs.Select(r => r.JitMethods).ToArray()),
        Cases.Median(runs.Select(r => r.EarlyNs).ToArray()),
        Cases.Median(runs.Select(r => r.LateNs).ToArray()));
}

/// <summary>A call to time: a struct, so that the measuring loop is specialised for it and the call is direct.</summary>
internal interface ICall
{
    void Call(int i);
}

internal static class Cases
{
    private const int Samples = 16;

    public static int BlockSize(string network) => network switch { "S" => 1_000, "M" => 200, "L" => 20, _ => 0 };

    public static Figures Run(string network, string method)
    {
        int block = BlockSize(network);
        return (network, method) switch
        {
            ("S", "Forward") => Measure(new SmallForward(), block),
            ("S", "SgdStep") => Measure(new SmallStep(), block),
            ("M", "Forward") => Measure(new MediumForward(), block),
            ("M", "SgdStep") => Measure(new MediumStep(), block),
            ("L", "Forward") => Measure(new LargeForward(), block),
            ("L", "SgdStep") => Measure(new LargeStep(), block),
            _ => throw new ArgumentException($"No case '{network} {method}': the networks are S, M and L, the methods Forward and SgdStep."),
        };
    }

    // The loop that times the calls is compiled fully optimised at once, so that what the early blocks measure is the
    // network's own code as the runtime first runs it, not this harness at tier 0.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Figures Measure<T>(T call, int block) where T : struct, ICall
    {
        TimeSpan jitBefore = System.Runtime.JitInfo.GetCompilationTime(currentThread: true);
        long methodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true);
        long start = Stopwatch.GetTimestamp();
        call.Call(0);
        long firstEnd = Stopwatch.GetTimestamp();
        double firstUs = (firstEnd - start) * 1e6 / Stopwatch.Frequency;
        double jitUs = (System.Runtime.JitInfo.GetCompilationTime(currentThread: true) - jitBefore).TotalMicroseconds;
        long methods = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true) - methodsBefore;

        var early = new double[60];
        int n = 1;
        for (int b = 0; b < early.Length; b++)
        {
            long t = Stopwatch.GetTimestamp();
            for (int i = 0; i < block; i++)
            {
                call.Call(n++);
            }
            early[b] = (Stopwatch.GetTimestamp() - t) * 1e9 / Stopwatch.Frequency / block;
        }
        while (Stopwatch.GetElapsedTime(firstEnd).TotalSeconds < 3)
        {
            for (int i = 0; i < block; i++)
            {
                call.Call(n++);
            }
        }
        var late = new double[50];
        for (int b = 0; b < late.Length; b++)
        {
            long t = Stopwatch.GetTimestamp();
            for (int i = 0; i < block; i++)
            {
                call.Call(n++);
            }
            late[b] = (Stopwatch.GetTimestamp() - t) * 1e9 / Stopwatch.Frequency / block;
        }
        return new Figures(firstUs, jitUs, methods, Median(early[10..]), Median(late));
    }

    public static double Median(double[] values)
    {
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    /// <summary>Inputs uniform in [-1, 1) and targets (one-hot for a classifier), from a fixed seed.</summary>
    public static (float[] Inputs, float[] Targets) Data(int inputs, int outputs, bool oneHot)
    {
        var random = new Random(7);
        var x = new float[Samples * inputs];
        var d = new float[Samples * outputs];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(random.NextDouble() * 2 - 1);
        }
        for (int s = 0; s < Samples; s++)
        {
            if (oneHot)
            {
                d[s * outputs + random.Next(outputs)] = 1;
            }
            else
            {
                for (int o = 0; o < outputs; o++)
                {
                    d[s * outputs + o] = (float)(random.NextDouble() * 2 - 1);
                }
            }
        }
        return (x, d);
    }

    private struct SmallForward() : ICall
    {
        private readonly SmallNet _net = new();
        private readonly float[] _x = Data(SmallNet.InputSize, SmallNet.OutputSize, false).Inputs;
        private readonly float[] _y = new float[SmallNet.OutputSize];

        public readonly void Call(int i) =>
            _net.Forward(_x.AsSpan(i % Samples * SmallNet.InputSize, SmallNet.InputSize), _y);
    }

    private struct SmallStep() : ICall
    {
        private readonly SmallNet _net = new();
        private readonly (float[] X, float[] D) _data = Data(SmallNet.InputSize, SmallNet.OutputSize, false);

        public readonly void Call(int i) => _net.SgdStep(
            _data.X.AsSpan(i % Samples * SmallNet.InputSize, SmallNet.InputSize),
            _data.D.AsSpan(i % Samples * SmallNet.OutputSize, SmallNet.OutputSize),
            1e-3f);
    }

    private struct MediumForward() : ICall
    {
        private readonly MediumNet _net = new();
        private readonly float[] _x = Data(MediumNet.InputSize, MediumNet.OutputSize, true).Inputs;
        private readonly float[] _y = new float[MediumNet.OutputSize];

        public readonly void Call(int i) =>
            _net.Forward(_x.AsSpan(i % Samples * MediumNet.InputSize, MediumNet.InputSize), _y);
    }

    private struct MediumStep() : ICall
    {
        private readonly MediumNet _net = new();
        private readonly (float[] X, float[] D) _data = Data(MediumNet.InputSize, MediumNet.OutputSize, true);

        public readonly void Call(int i) => _net.SgdStep(
            _data.X.AsSpan(i % Samples * MediumNet.InputSize, MediumNet.InputSize),
            _data.D.AsSpan(i % Samples * MediumNet.OutputSize, MediumNet.OutputSize),
            1e-3f);
    }

    private struct LargeForward() : ICall
    {
        private readonly LargeNet _net = new();
        private readonly float[] _x = Data(LargeNet.InputSize, LargeNet.OutputSize, true).Inputs;
        private readonly float[] _y = new float[LargeNet.OutputSize];

        public readonly void Call(int i) =>
            _net.Forward(_x.AsSpan(i % Samples * LargeNet.InputSize, LargeNet.InputSize), _y);
    }

    private struct LargeStep() : ICall
    {
        private readonly LargeNet _net = new();
        private readonly (float[] X, float[] D) _data = Data(LargeNet.InputSize, LargeNet.OutputSize, true);

        public readonly void Call(int i) => _net.SgdStep(
            _data.X.AsSpan(i % Samples * LargeNet.InputSize, LargeNet.InputSize),
            _data.D.AsSpan(i % Samples * LargeNet.OutputSize, LargeNet.OutputSize),
            1e-4f);
    }
}
