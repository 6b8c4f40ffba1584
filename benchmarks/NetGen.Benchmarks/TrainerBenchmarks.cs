using System;
using BenchmarkDotNet.Attributes;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.Benchmarks;

/// <summary>W4 through the code users call: one MNIST epoch (the first 8,000 images, 784-128-10, mini-batches of 32,
/// SGD with learning rate 0.05, shuffled with seed 1) by <see cref="Trainer.Train{T}"/> with the metric off, against
/// the hand-written loop it should match: the same seeded shuffle, each batch gathered into one buffer,
/// <c>BackwardBatch</c>, <c>Sgd.Step</c>.</summary>
public class TrainerEpochBenchmarks
{
    private const int Samples = 8_000, Batch = 32;
    private const float LearningRate = 0.05f;
    private readonly LargeNet _net = new();
    private readonly Sgd<float> _sgd = new(LearningRate);
    private readonly int[] _order = new int[Samples];
    private readonly float[] _x = new float[Batch * 784], _d = new float[Batch * 10];
    private readonly TrainerOptions _options = new() { Epochs = 1, BatchSize = Batch, Seed = 1, Metric = Metric.None };
    private Dataset<float> _data = null!;

    [GlobalSetup]
    public void Setup() => _data = Mnist.First(Samples);

    [Benchmark(Description = "W4 epoch by hand, shuffled and gathered", Baseline = true)]
    public void ByHand()
    {
        for (int i = 0; i < Samples; i++)
        {
            _order[i] = i;
        }

        var random = new SplitMix64(1);
        Shuffle.InPlace(_order, ref random);
        for (int start = 0; start < Samples; start += Batch)
        {
            int size = Math.Min(Batch, Samples - start);
            for (int s = 0; s < size; s++)
            {
                _data.Input(_order[start + s]).CopyTo(_x.AsSpan(s * 784, 784));
                _data.Target(_order[start + s]).CopyTo(_d.AsSpan(s * 10, 10));
            }

            _net.ZeroGradients();
            _net.BackwardBatch(_x.AsSpan(0, size * 784), _d.AsSpan(0, size * 10));
            _sgd.Step(_net.Parameters, _net.Gradients, size);
        }
    }

    [Benchmark(Description = "W4 epoch Trainer.Train, Metric.None")]
    public TrainingResult Train() => Trainer.Train(_net, _sgd, _data, _options);
}
