using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.Benchmarks;

/// <summary>W3, SimpleChains.jl's headline task: 4-32-16-4 (tanh, MSE), Adam with learning rate 1e-3, one step on the
/// full batch of 10,000 samples. NetGen runs <see cref="DataParallel{T}"/> over <see cref="Threads"/> threads;
/// TorchSharp gets the same number of intra-op threads. Report per step; 10,000 steps take 10,000 times as long.</summary>
public class SimpleChainsBenchmarks
{
    private const int Samples = 10_000;
    private readonly SimpleChainsNet _net = new();
    private readonly Adam<float> _adam = new(learningRate: 1e-3);
    private float[] _x = null!, _d = null!;
    private DataParallel<float> _parallel = null!;
    private TorchTrainer _torch = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // SimpleChains' example data: inputs uniform in [-1, 1], targets a smooth function of them.
        var random = new Random(3);
        _x = new float[Samples * 4];
        _d = new float[Samples * 4];
        for (int s = 0; s < Samples; s++)
        {
            for (int j = 0; j < 4; j++)
            {
                _x[(s * 4) + j] = (float)((random.NextDouble() * 2) - 1);
            }

            for (int k = 0; k < 4; k++)
            {
                _d[(s * 4) + k] = MathF.Sin(_x[s * 4] * (k + 1)) * MathF.Cos(_x[(s * 4) + 3 - k]);
            }
        }

        _parallel = new DataParallel<float>(_net, Threads);
        TorchModel.Threads = Threads;
        _torch = new TorchTrainer(_net, _x, _d, adam: true, learningRate: 1e-3);
    }

    [GlobalCleanup]
    public void Cleanup() => _torch.Dispose();

    [Benchmark(Description = "W3 step NetGen", Baseline = true)]
    public void NetGenStep()
    {
        _net.ZeroGradients();
        _parallel.Backward(_x, _d);
        _adam.Step(_net.Parameters, _net.Gradients, Samples);
    }

    [Benchmark(Description = "W3 step TorchSharp")]
    public void TorchStep() => _torch.Step(0, Samples);

    /// <summary>The same steps as a user takes them: <see cref="Trainer.Train{T}"/> over the 10,000 samples as one
    /// batch, <see cref="TrainerSteps"/> epochs (one step each, shuffled and gathered) per call, the metric off.</summary>
    [Benchmark(Description = "W3 step Trainer.Train", OperationsPerInvoke = TrainerSteps)]
    public TrainingResult TrainerStep() => Trainer.Train(_net, _adam, _data, _options);

    private const int TrainerSteps = 20;
    private Dataset<float> _data = null!;
    private TrainerOptions _options = null!;

    [GlobalSetup(Target = nameof(TrainerStep))]
    public void SetupTrainer()
    {
        Setup();
        _data = new Dataset<float>(_x, 4, _d, 4);
        _options = new TrainerOptions { Epochs = TrainerSteps, BatchSize = Samples, Metric = Metric.None, Threads = Threads, Seed = 1 };
    }
}

/// <summary>W4, an MNIST epoch: 784-128-10 (ReLU, softmax, cross-entropy), the first 8,000 images of MNIST's test file
/// (self-made digits where ../shared/data is absent), mini-batches of 32, SGD with learning rate 0.05. Four ways: the
/// kernels on the batches in order (BackwardBatch; one thread, since a batch of 32 is one shard), the hand-written loop a
/// user of the kernels would write (the Trainer's seeded shuffle, each batch gathered into one buffer), Trainer.Train
/// itself with the metric off (Threads = <see cref="Threads"/>), and TorchSharp with <see cref="Threads"/> threads.</summary>
public class MnistEpochBenchmarks
{
    private const int Samples = 8_000, Batch = 32;
    private const float LearningRate = 0.05f;
    private readonly LargeNet _net = new();
    private readonly Sgd<float> _sgd = new(LearningRate);
    private Dataset<float> _data = null!;
    private TorchTrainer _torch = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    // Only the TorchSharp row loads TorchSharp, so that each row's process holds only what it measures (as in
    // InferenceBenchmarks, where a loaded libtorch slowed NetGen's rows).
    [GlobalSetup(Targets = [nameof(NetGenEpoch), nameof(ByHand), nameof(Train)])]
    public void Setup() => _data = Mnist.First(Samples);

    [GlobalSetup(Target = nameof(TorchEpoch))]
    public void SetupTorch()
    {
        Setup();
        TorchModel.Threads = Threads;
        _torch = new TorchTrainer(_net, _data.Inputs, _data.Targets, adam: false, learningRate: LearningRate);
    }

    [GlobalCleanup(Target = nameof(TorchEpoch))]
    public void Cleanup() => _torch.Dispose();

    [Benchmark(Description = "W4 epoch NetGen", Baseline = true)]
    public void NetGenEpoch()
    {
        for (int start = 0; start < Samples; start += Batch)
        {
            _net.ZeroGradients();
            _net.BackwardBatch(_data.Inputs.AsSpan(start * 784, Batch * 784), _data.Targets.AsSpan(start * 10, Batch * 10));
            _sgd.Step(_net.Parameters, _net.Gradients, Batch);
        }
    }

    [Benchmark(Description = "W4 epoch TorchSharp")]
    public void TorchEpoch()
    {
        for (int start = 0; start < Samples; start += Batch)
        {
            _torch.Step(start, Batch);
        }
    }

    private readonly int[] _order = new int[Samples];
    private readonly float[] _x = new float[Batch * 784], _d = new float[Batch * 10];

    [Benchmark(Description = "W4 epoch by hand, shuffled and gathered")]
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
    public TrainingResult Train() =>
        Trainer.Train(_net, _sgd, _data, new TrainerOptions { Epochs = 1, BatchSize = Batch, Seed = 1, Metric = Metric.None, Threads = Threads });
}

/// <summary>Evaluating the 10,000 images of MNIST's test file with the 784-128-10 network: <see cref="Evaluation.Accuracy{T}"/>
/// (ForwardBatch over chunks, the path Trainer and the samples take) against the per-sample path it replaced, one
/// <c>Classify</c> per image.</summary>
public class EvaluationBenchmarks
{
    private readonly LargeNet _net = new();
    private Dataset<float> _data = null!;

    [GlobalSetup]
    public void Setup() => _data = Mnist.First(10_000);

    [Benchmark(Description = "MNIST 10,000 images, one Classify per image", Baseline = true)]
    public double PerSample()
    {
        int correct = 0;
        for (int i = 0; i < _data.Count; i++)
        {
            correct += _net.Classify(_data.Input(i)) == Classification.Class<float>(_data.Target(i), Activation.Softmax) ? 1 : 0;
        }

        return (double)correct / _data.Count;
    }

    [Benchmark(Description = "MNIST 10,000 images, Evaluation.Accuracy")]
    public double Batched() => Evaluation.Accuracy(_net, _data);
}

/// <summary>MNIST from ../shared/data beside the repository, found by walking up from the benchmark's folder.</summary>
internal static class Mnist
{
    public static Dataset<float> First(int count)
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string images = Path.Combine(folder.FullName, "shared", "data", "mnist", "t10k-images-idx3-ubyte.gz");
            if (File.Exists(images))
            {
                Dataset<float> all = IdxLoader.LoadMnist<float>(images, Path.Combine(folder.FullName, "shared", "data", "mnist", "t10k-labels-idx1-ubyte.gz"));
                Console.WriteLine($"// MNIST from {images}");
                return all.Select(Enumerable.Range(0, count).ToArray());
            }
        }

        Console.WriteLine("// MNIST not found beside the repository: random images instead (the timing is the same).");
        var random = new Random(1);
        var x = new float[count * 784];
        var d = new float[count * 10];
        for (int s = 0; s < count; s++)
        {
            for (int j = 0; j < 784; j++)
            {
                x[(s * 784) + j] = (float)random.NextDouble();
            }

            d[(s * 10) + random.Next(10)] = 1;
        }

        return new Dataset<float>(x, 784, d, 10);
    }
}
