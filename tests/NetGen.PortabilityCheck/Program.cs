using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using NetGen.Portability;

// Prints the portability report (PortableChecks.Report), or compares two reports:
//   NetGen.PortabilityCheck > x64.txt
//   NetGen.PortabilityCheck --compare x64.txt arm64.txt
// The int8 lines must be identical; the float parameters must agree within 1e-4 relative (or 1e-6 absolute): the same
// arithmetic, with fused multiply-adds and vector widths that differ between the machines.
if (args.Length == 3 && args[0] == "--compare")
{
    string[] a = File.ReadAllLines(args[1]), b = File.ReadAllLines(args[2]);
    if (a.Length != b.Length || a.Length == 0)
    {
        Console.Error.WriteLine($"the reports have {a.Length} and {b.Length} lines");
        return 1;
    }

    int failures = 0;
    for (int i = 0; i < a.Length; i++)
    {
        if (a[i].StartsWith("int8", StringComparison.Ordinal))
        {
            string hashA = a[i].Split(' ')[1], hashB = b[i].Split(' ')[1];
            string what = a[i].Split(' ')[2];
            Console.WriteLine(hashA == hashB ? $"int8: identical ({what}, {hashA})" : $"int8: DIFFERENT ({what}, {hashA} against {hashB})");
            failures += hashA == hashB ? 0 : 1;
            continue;
        }

        double[] x = a[i].Split(' ').Skip(2).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        double[] y = b[i].Split(' ').Skip(2).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        double worst = x.Length == y.Length ? x.Zip(y, (p, q) => Math.Abs(p - q) / Math.Max(Math.Abs(p), 1e-2)).Max() : double.PositiveInfinity;
        bool ok = x.Length == y.Length && x.Zip(y, (p, q) => Math.Abs(p - q) <= Math.Max(1e-6, 1e-4 * Math.Abs(p))).All(v => v);
        int same = x.Length == y.Length ? x.Zip(y, (p, q) => p == q ? 1 : 0).Sum() : 0;
        Console.WriteLine($"{string.Join(' ', a[i].Split(' ').Take(2))}: {(ok ? "agree" : "DISAGREE")}, {same} of {x.Length} parameters identical, worst relative difference {worst:G3}");
        failures += ok ? 0 : 1;
    }

    return failures == 0 ? 0 : 1;
}

Console.Error.WriteLine($"{RuntimeInformation.OSArchitecture}, {RuntimeInformation.FrameworkDescription}, best int8 path {NetGen.Quantization.QuantizedNetwork.BestPath}");
foreach (string line in PortableChecks.Report())
{
    Console.WriteLine(line);
}

return 0;
