using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace NetGen.Benchmarks;

/// <summary>Draws docs/images/performance.png from a run's CSV reports: NetGen's speed-up over each baseline (ratio of
/// medians, same run), on a log scale. <c>dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- --plot
/// BenchmarkDotNet.Artifacts/results docs/images/performance.png</c></summary>
internal static class PlotResults
{
    public static int Run(string resultsFolder, string png)
    {
        var medians = new Dictionary<string, double>(); // "Class/Method[/Threads]" -> median in ns
        foreach (string csv in Directory.GetFiles(resultsFolder, "*-report.csv"))
        {
            string type = Path.GetFileName(csv).Split('-')[0].Split('.').Last();
            string[] lines = File.ReadAllLines(csv);
            string[] header = SplitCsv(lines[0]);
            int method = Array.IndexOf(header, "Method"), median = Array.IndexOf(header, "Median"), threads = Array.IndexOf(header, "Threads");
            foreach (string line in lines.Skip(1))
            {
                string[] cells = SplitCsv(line);
                string key = $"{type}/{cells[method].Trim('\'')}" + (threads >= 0 ? $"/{cells[threads]}" : string.Empty);
                medians[key] = Nanoseconds(cells[median]);
            }
        }

        double Get(string key) => medians.TryGetValue(key, out double value) ? value : double.NaN;
        double Best(string type, string method) => Math.Min(Get($"{type}/{method}/1"), Get($"{type}/{method}/2"));
        var bars = new List<(string Label, double SpeedUp)>();
        foreach (string size in new[] { "S", "M", "L" })
        {
            bars.Add(($"W1 {size} vs naive C#", Get($"InferenceBenchmarks/{size} naive C#") / Get($"InferenceBenchmarks/{size} NetGen")));
            bars.Add(($"W1 {size} vs TorchSharp", Get($"InferenceBenchmarks/{size} TorchSharp, 1 thread") / Get($"InferenceBenchmarks/{size} NetGen")));
        }

        foreach (string size in new[] { "S", "M", "L" })
        {
            bars.Add(($"W2 {size} vs naive C#", Get($"TrainingStepBenchmarks/{size} naive C#") / Get($"TrainingStepBenchmarks/{size} NetGen")));
            bars.Add(($"W2 {size} vs TorchSharp", Get($"TrainingStepBenchmarks/{size} TorchSharp, 1 thread") / Get($"TrainingStepBenchmarks/{size} NetGen")));
            bars.Add(($"W2 {size} SgdStep vs naive C#", Get($"TrainingStepBenchmarks/{size} naive C#") / Get($"TrainingStepBenchmarks/{size} NetGen SgdStep")));
            bars.Add(($"W2 {size} SgdStep vs TorchSharp", Get($"TrainingStepBenchmarks/{size} TorchSharp, 1 thread") / Get($"TrainingStepBenchmarks/{size} NetGen SgdStep")));
        }

        bars.Add(("W3 vs TorchSharp (best)", Best("SimpleChainsBenchmarks", "W3 step TorchSharp") / Best("SimpleChainsBenchmarks", "W3 step NetGen")));
        bars.Add(("W4 vs TorchSharp (best)", Best("MnistEpochBenchmarks", "W4 epoch TorchSharp") / Best("MnistEpochBenchmarks", "W4 epoch NetGen")));
        bars = bars.Where(b => double.IsFinite(b.SpeedUp)).ToList();
        if (bars.Count == 0)
        {
            Console.Error.WriteLine($"No benchmark reports in {resultsFolder}.");
            return 1;
        }

        var plot = new ScottPlot.Plot();
        for (int i = 0; i < bars.Count; i++)
        {
            var bar = plot.Add.Bar(position: bars.Count - i, value: Math.Log10(bars[i].SpeedUp));
            bar.Horizontal = true;
            bar.Color = bars[i].Label.Contains("naive", StringComparison.Ordinal) ? ScottPlot.Colors.SteelBlue : ScottPlot.Colors.DarkOrange;
            var text = plot.Add.Text($"{bars[i].SpeedUp.ToString("0.#", CultureInfo.InvariantCulture)}x", Math.Log10(bars[i].SpeedUp), bars.Count - i);
            text.LabelFontSize = 11;
            text.LabelAlignment = ScottPlot.Alignment.MiddleLeft;
        }

        plot.Axes.Left.SetTicks(Enumerable.Range(0, bars.Count).Select(i => (double)(bars.Count - i)).ToArray(), bars.Select(b => b.Label).ToArray());
        double max = Math.Ceiling(bars.Max(b => Math.Log10(b.SpeedUp)) + 0.3);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, (int)max + 1).Select(e => (double)e).ToArray(), Enumerable.Range(0, (int)max + 1).Select(e => Math.Pow(10, e).ToString("0", CultureInfo.InvariantCulture) + "x").ToArray());
        plot.Axes.SetLimits(0, max, 0.4, bars.Count + 0.6);
        plot.Title("NetGen's speed-up, ratio of medians in one BenchmarkDotNet run (log scale)");
        plot.XLabel("times faster than the baseline");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(png))!);
        plot.SavePng(png, 1000, 640);
        foreach ((string label, double speedUp) in bars)
        {
            Console.WriteLine($"{label}: {speedUp:F1}x");
        }

        Console.WriteLine($"Wrote {png}.");
        return 0;
    }

    /// <summary>Splits a CSV line, keeping commas inside double quotes (BenchmarkDotNet quotes "10,145.0 ns").</summary>
    private static string[] SplitCsv(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }

        cells.Add(cell.ToString());
        return cells.ToArray();
    }

    private static double Nanoseconds(string cell)
    {
        string[] parts = cell.Trim().Split(' ');
        double value = double.Parse(parts[0], NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        return parts.Length < 2 ? value : parts[1] switch
        {
            "ns" => value,
            "us" or "μs" or "µs" => value * 1e3,
            "ms" => value * 1e6,
            "s" => value * 1e9,
            _ => throw new FormatException($"unknown unit in '{cell}'"),
        };
    }
}
