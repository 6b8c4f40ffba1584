using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- --filter '*'           (full runs)
// dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- --filter '*' --job short (a quick look)
BenchmarkSwitcher.FromAssembly(typeof(NetGen.Benchmarks.InferenceBenchmarks).Assembly).Run(args);
