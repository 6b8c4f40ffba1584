using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// The documented command (README, docs/performance.md), every workload side by side with its baselines in one run:
//   dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- --filter '*'
// A quick look: add --job short. Every table shows the median beside the mean. Then the plot for docs/performance.md:
//   dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- --plot BenchmarkDotNet.Artifacts/results docs/images/performance.png
if (args.Length == 3 && args[0] == "--plot")
{
    return NetGen.Benchmarks.PlotResults.Run(args[1], args[2]); // docs/images/performance.png from a run's CSV reports
}

// Before and after in one run (issue 15's W1/W2 check): --compare-with <checkout> builds every benchmark twice, once
// against the NetGen sources of another checkout (for example `git worktree add ../before <commit>`), once against this
// one, and runs both as jobs side by side:
//   dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- --compare-with ../before --filter '*Inference*'
IConfig config = DefaultConfig.Instance.AddColumn(StatisticColumn.Median);
int compare = Array.IndexOf(args, "--compare-with");
if (compare >= 0)
{
    if (compare + 1 >= args.Length || !Directory.Exists(Path.Combine(args[compare + 1], "src", "NetGen.Runtime")))
    {
        Console.Error.WriteLine("--compare-with needs the path of another NetGen checkout (a folder with src/NetGen.Runtime).");
        return 1;
    }

    string other = Path.GetFullPath(args[compare + 1]) + Path.DirectorySeparatorChar;
    // Fewer iterations than the default job (about 25 s a benchmark instead of 75), since every benchmark runs twice.
    Job job = Job.Default.WithWarmupCount(6).WithIterationCount(20);
    config = config
        .AddJob(job.WithId("before").WithArguments([new MsBuildArgument($"/p:NetGenSource={other}")]))
        .AddJob(job.WithId("this checkout").AsBaseline());
    args = args.Where((_, i) => i != compare && i != compare + 1).ToArray();
}

BenchmarkSwitcher.FromAssembly(typeof(NetGen.Benchmarks.InferenceBenchmarks).Assembly).Run(args, config);
return 0;
