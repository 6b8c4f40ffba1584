using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// The documented command (README, docs/performance.md), every workload side by side with its baselines in one run:
//   dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- --filter '*'
// A quick look: add --job short. Every table shows the median beside the mean. Then the plot for docs/performance.md:
//   dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- --plot BenchmarkDotNet.Artifacts/results docs/images/performance.png
if (args.Length == 3 && args[0] == "--plot")
{
    return NetGen.Benchmarks.PlotResults.Run(args[1], args[2]); // docs/images/performance.png from a run's CSV reports
}

BenchmarkSwitcher.FromAssembly(typeof(NetGen.Benchmarks.InferenceBenchmarks).Assembly)
    .Run(args, DefaultConfig.Instance.AddColumn(StatisticColumn.Median));
return 0;
