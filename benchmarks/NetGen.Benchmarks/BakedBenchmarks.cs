using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace NetGen.Benchmarks;

/// <summary>Baked weights ([Weights], parameters as read-only data in the assembly) against the parameter-driven
/// network (parameters in an array) for S and L, with the same values: the parameter-driven networks copy the baked
/// ones' parameters, and setup checks that both compute the same outputs bit for bit.</summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class BakedBenchmarks
{
    private readonly SmallNet _small = new();
    private readonly LargeNet _large = new();
    private readonly float[] _x8 = Inputs.Random(8), _x784 = Inputs.Random(784);
    private readonly float[] _y1 = new float[1], _y10 = new float[10];

    [GlobalSetup]
    public void Setup()
    {
        SmallBaked.Parameters.CopyTo(_small.Parameters);
        LargeBaked.Parameters.CopyTo(_large.Parameters);
        Check(_small.Forward, SmallBaked.Forward, _x8, 1);
        Check(_large.Forward, LargeBaked.Forward, _x784, 10);
    }

    [Benchmark(Description = "S parameters", Baseline = true)] [BenchmarkCategory("S")] public void SmallParameters() => _small.Forward(_x8, _y1);
    [Benchmark(Description = "S baked")] [BenchmarkCategory("S")] public void SmallBakedForward() => SmallBaked.Forward(_x8, _y1);
    [Benchmark(Description = "L parameters", Baseline = true)] [BenchmarkCategory("L")] public void LargeParameters() => _large.Forward(_x784, _y10);
    [Benchmark(Description = "L baked")] [BenchmarkCategory("L")] public void LargeBakedForward() => LargeBaked.Forward(_x784, _y10);

    private delegate void Forward(ReadOnlySpan<float> input, Span<float> output);

    private static void Check(Forward parameters, Forward baked, float[] x, int outputs)
    {
        float[] expected = new float[outputs], actual = new float[outputs];
        parameters(x, expected);
        baked(x, actual);
        if (!expected.AsSpan().SequenceEqual(actual))
        {
            throw new InvalidOperationException("The baked and the parameter-driven network disagree; the comparison would be meaningless.");
        }
    }
}
