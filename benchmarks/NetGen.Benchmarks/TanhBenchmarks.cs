using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace NetGen.Benchmarks;

/// <summary>The float tanh that NetGen's activations use (Eigen's rational approximation) against TensorPrimitives.Tanh,
/// over 1,024 values that stay in the first-level cache, as a tile of activations does.</summary>
public class TanhBenchmarks
{
    private readonly float[] _a = new float[1024], _h = new float[1024];

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < _a.Length; i++)
        {
            _a[i] = 3 * MathF.Sin(i);
        }
    }

    [Benchmark(Description = "tanh x1024 TensorPrimitives", Baseline = true)]
    public void TensorPrimitivesTanh() => TensorPrimitives.Tanh(_a, _h);

    [Benchmark(Description = "tanh x1024 NetGen")]
    public void NetGenTanh() => Runtime.Activations.Tanh<float>(_a, _h);
}
