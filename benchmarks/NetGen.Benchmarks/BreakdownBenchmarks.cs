using BenchmarkDotNet.Attributes;
using NetGen.Training;

namespace NetGen.Benchmarks;

/// <summary>Where a training step's time goes: Backward alone, clearing the gradients, the optimizer update, the forward
/// pass with the loss, and the fused SgdStep.</summary>
public class BreakdownBenchmarks
{
    private readonly SmallNet _small = new();
    private readonly MediumNet _medium = new();
    private readonly LargeNet _large = new();
    private readonly Sgd<float> _sgd = new(learningRate: 1e-6);
    private readonly float[] _x8 = Inputs.Random(8), _x64 = Inputs.Random(64), _x784 = Inputs.Random(784);
    private readonly float[] _d1 = [0.5f], _d10 = Inputs.OneHot(10, 3);

    [Benchmark] public float SmallBackward() => _small.Backward(_x8, _d1);
    [Benchmark] public float SmallLoss() => _small.ComputeLoss(_x8, _d1);
    [Benchmark] public void SmallZero() => _small.ZeroGradients();
    [Benchmark] public void SmallSgd() => _sgd.Step(_small.Parameters, _small.Gradients, 1);
    [Benchmark] public float MediumBackward() => _medium.Backward(_x64, _d10);
    [Benchmark] public void MediumSgd() => _sgd.Step(_medium.Parameters, _medium.Gradients, 1);
    [Benchmark] public float MediumLoss() => _medium.ComputeLoss(_x64, _d10);
    [Benchmark] public float MediumSgdStep() => _medium.SgdStep(_x64, _d10, 1e-8f);
    [Benchmark] public float LargeBackward() => _large.Backward(_x784, _d10);
    [Benchmark] public void LargeZero() => _large.ZeroGradients();
    [Benchmark] public void LargeSgd() => _sgd.Step(_large.Parameters, _large.Gradients, 1);
}
