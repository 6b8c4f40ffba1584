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
}

/// <summary>W4, an MNIST epoch: 784-128-10 (ReLU, softmax, cross-entropy), the first 8,000 images of MNIST's test file
/// (self-made digits where ../shared/data is absent), mini-batches of 32 in order, SGD with learning rate 0.05.
/// NetGen uses BackwardBatch (one thread: a batch of 32 is one shard); TorchSharp gets <see cref="Threads"/> threads.</summary>
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

    [GlobalSetup]
    public void Setup()
    {
        _data = Mnist.First(Samples);
        TorchModel.Threads = Threads;
        _torch = new TorchTrainer(_net, _data.Inputs, _data.Targets, adam: false, learningRate: LearningRate);
    }

    [GlobalCleanup]
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
