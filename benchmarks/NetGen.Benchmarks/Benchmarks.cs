using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using NetGen.Training;

namespace NetGen.Benchmarks;

/// <summary>W1: single-sample inference, NetGen against the naive MLP, per network size.</summary>
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    private readonly SmallNet _small = new();
    private readonly MediumNet _medium = new();
    private readonly LargeNet _large = new();
    private readonly NaiveMlp _naiveSmall = new([8, 16, 16, 1], [NaiveMlp.Kind.Tanh, NaiveMlp.Kind.Tanh, NaiveMlp.Kind.Identity]);
    private readonly NaiveMlp _naiveMedium = new([64, 64, 64, 10], [NaiveMlp.Kind.ReLU, NaiveMlp.Kind.ReLU, NaiveMlp.Kind.Softmax]);
    private readonly NaiveMlp _naiveLarge = new([784, 128, 10], [NaiveMlp.Kind.ReLU, NaiveMlp.Kind.Softmax]);
    private readonly float[] _x8 = Inputs.Random(8), _x64 = Inputs.Random(64), _x784 = Inputs.Random(784);
    private readonly float[] _y1 = new float[1], _y10 = new float[10];

    private TorchModel _torchSmall = null!, _torchMedium = null!, _torchLarge = null!;

    // Only the TorchSharp rows load TorchSharp: with libtorch in the process, NetGen's S forward pass measured 39.1 and
    // 38.3 ns against 29.0 and 29.6 without it (short runs, docs/performance.md), so each row runs in a process holding
    // only what it measures.
    [GlobalSetup(Targets = [nameof(SmallTorch), nameof(MediumTorch), nameof(LargeTorch)])]
    public void Setup()
    {
        TorchModel.Threads = 1;
        _torchSmall = new TorchModel(_small, _x8, [0.5f], 0f);
        _torchMedium = new TorchModel(_medium, _x64, Inputs.OneHot(10, 3), 0f);
        _torchLarge = new TorchModel(_large, _x784, Inputs.OneHot(10, 3), 0f);
    }

    [GlobalCleanup(Targets = [nameof(SmallTorch), nameof(MediumTorch), nameof(LargeTorch)])]
    public void Cleanup()
    {
        _torchSmall.Dispose();
        _torchMedium.Dispose();
        _torchLarge.Dispose();
    }

    [Benchmark(Description = "S TorchSharp, 1 thread")] [BenchmarkCategory("S")] public void SmallTorch() => _torchSmall.Forward(_y1);
    [Benchmark(Description = "M TorchSharp, 1 thread")] [BenchmarkCategory("M")] public void MediumTorch() => _torchMedium.Forward(_y10);
    [Benchmark(Description = "L TorchSharp, 1 thread")] [BenchmarkCategory("L")] public void LargeTorch() => _torchLarge.Forward(_y10);
    [Benchmark(Description = "S NetGen")] [BenchmarkCategory("S")] public void SmallNetGen() => _small.Forward(_x8, _y1);
    [Benchmark(Description = "S naive C#", Baseline = true)] [BenchmarkCategory("S")] public float[] SmallNaive() => _naiveSmall.Forward(_x8);
    [Benchmark(Description = "M NetGen")] [BenchmarkCategory("M")] public void MediumNetGen() => _medium.Forward(_x64, _y10);
    [Benchmark(Description = "M naive C#")] [BenchmarkCategory("M")] public float[] MediumNaive() => _naiveMedium.Forward(_x64);
    [Benchmark(Description = "L NetGen")] [BenchmarkCategory("L")] public void LargeNetGen() => _large.Forward(_x784, _y10);
    [Benchmark(Description = "L naive C#")] [BenchmarkCategory("L")] public float[] LargeNaive() => _naiveLarge.Forward(_x784);
}

/// <summary>W2: a single-sample training step (Backward plus an SGD update), NetGen against the naive MLP and TorchSharp:
/// "NetGen" is the general path (ZeroGradients, Backward, Sgd.Step: any optimizer can take the gradient), "NetGen
/// SgdStep" the generated fused step (the same update, every weight read and written once, Gradients untouched).</summary>
/// <remarks>BenchmarkDotNet repeats the step hundreds of thousands of times on one sample. A learning rate of 1e-8 keeps
/// every update (the same arithmetic) while the network stays, to all purposes, the one that was initialised, for both
/// implementations alike.</remarks>
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    private const float LearningRate = 1e-8f;

    private readonly SmallNet _small = new();
    private readonly MediumNet _medium = new();
    private readonly LargeNet _large = new();
    private readonly Sgd<float> _sgdSmall = new(LearningRate), _sgdMedium = new(LearningRate), _sgdLarge = new(LearningRate);
    private readonly NaiveMlp _naiveSmall = new([8, 16, 16, 1], [NaiveMlp.Kind.Tanh, NaiveMlp.Kind.Tanh, NaiveMlp.Kind.Identity]);
    private readonly NaiveMlp _naiveMedium = new([64, 64, 64, 10], [NaiveMlp.Kind.ReLU, NaiveMlp.Kind.ReLU, NaiveMlp.Kind.Softmax]);
    private readonly NaiveMlp _naiveLarge = new([784, 128, 10], [NaiveMlp.Kind.ReLU, NaiveMlp.Kind.Softmax]);
    private readonly float[] _x8 = Inputs.Random(8), _x64 = Inputs.Random(64), _x784 = Inputs.Random(784);
    private readonly float[] _d1 = [0.5f], _d10 = Inputs.OneHot(10, 3);

    private TorchModel _torchSmall = null!, _torchMedium = null!, _torchLarge = null!;

    // Only the TorchSharp rows load TorchSharp, as in InferenceBenchmarks (measured there, not on these rows).
    [GlobalSetup(Targets = [nameof(SmallTorch), nameof(MediumTorch), nameof(LargeTorch)])]
    public void Setup()
    {
        TorchModel.Threads = 1;
        _torchSmall = new TorchModel(_small, _x8, _d1, LearningRate);
        _torchMedium = new TorchModel(_medium, _x64, _d10, LearningRate);
        _torchLarge = new TorchModel(_large, _x784, _d10, LearningRate);
    }

    [GlobalCleanup(Targets = [nameof(SmallTorch), nameof(MediumTorch), nameof(LargeTorch)])]
    public void Cleanup()
    {
        _torchSmall.Dispose();
        _torchMedium.Dispose();
        _torchLarge.Dispose();
    }

    [Benchmark(Description = "S TorchSharp, 1 thread")] public void SmallTorch() => _torchSmall.TrainStep();
    [Benchmark(Description = "M TorchSharp, 1 thread")] public void MediumTorch() => _torchMedium.TrainStep();
    [Benchmark(Description = "L TorchSharp, 1 thread")] public void LargeTorch() => _torchLarge.TrainStep();
    [Benchmark(Description = "S NetGen")] public void SmallNetGen() => Step(_small, _sgdSmall, _x8, _d1);
    [Benchmark(Description = "S naive C#", Baseline = true)] public void SmallNaive() => _naiveSmall.TrainStep(_x8, _d1, LearningRate);
    [Benchmark(Description = "M NetGen")] public void MediumNetGen() => Step(_medium, _sgdMedium, _x64, _d10);
    [Benchmark(Description = "M naive C#")] public void MediumNaive() => _naiveMedium.TrainStep(_x64, _d10, LearningRate);
    [Benchmark(Description = "L NetGen")] public void LargeNetGen() => Step(_large, _sgdLarge, _x784, _d10);
    [Benchmark(Description = "L naive C#")] public void LargeNaive() => _naiveLarge.TrainStep(_x784, _d10, LearningRate);
    [Benchmark(Description = "S NetGen SgdStep")] public float SmallFused() => _small.SgdStep(_x8, _d1, LearningRate);
    [Benchmark(Description = "M NetGen SgdStep")] public float MediumFused() => _medium.SgdStep(_x64, _d10, LearningRate);
    [Benchmark(Description = "L NetGen SgdStep")] public float LargeFused() => _large.SgdStep(_x784, _d10, LearningRate);

    private static void Step<TNet>(TNet net, Sgd<float> sgd, float[] x, float[] d) where TNet : INeuralNetwork<float>
    {
        net.ZeroGradients();
        net.Backward(x, d);
        sgd.Step(net.Parameters, net.Gradients, 1);
    }
}

/// <summary>The machine's single-core FMA peak: 12 independent Vector512 FMA chains (enough to hide the latency),
/// 1,000 iterations, so 12 x 1,000 x 16 lanes x 2 flops = 384,000 flops per call.</summary>
public class FmaPeakBenchmark
{
    public const double FlopsPerCall = 12 * 1000 * 16 * 2;

    [Benchmark(Description = "Vector512 FMA peak (384,000 flops)")]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float Peak()
    {
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        Vector512<float> m = Vector512.Create(0.9999f), c = Vector512.Create(1e-4f);
        for (int i = 0; i < 1000; i++)
        {
            a0 = Runtime.Simd.MultiplyAdd(a0, m, c); a1 = Runtime.Simd.MultiplyAdd(a1, m, c); a2 = Runtime.Simd.MultiplyAdd(a2, m, c);
            a3 = Runtime.Simd.MultiplyAdd(a3, m, c); a4 = Runtime.Simd.MultiplyAdd(a4, m, c); a5 = Runtime.Simd.MultiplyAdd(a5, m, c);
            a6 = Runtime.Simd.MultiplyAdd(a6, m, c); a7 = Runtime.Simd.MultiplyAdd(a7, m, c); a8 = Runtime.Simd.MultiplyAdd(a8, m, c);
            a9 = Runtime.Simd.MultiplyAdd(a9, m, c); a10 = Runtime.Simd.MultiplyAdd(a10, m, c); a11 = Runtime.Simd.MultiplyAdd(a11, m, c);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}

internal static class Inputs
{
    public static float[] Random(int n)
    {
        var random = new Random(n);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)random.NextDouble();
        }

        return x;
    }

    public static float[] OneHot(int n, int k)
    {
        var d = new float[n];
        d[k] = 1;
        return d;
    }
}
