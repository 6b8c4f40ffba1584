using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using NetGen.Data;
using NetGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>Issue 17's LeNet-5 rows. One sample's forward pass: NetGen against ONNX Runtime running PyTorch's export of
/// the same architecture (tests/NetGen.Tests/TestData/onnx/lenet5_op13.onnx; one intra-op thread, every optimisation) and
/// against TorchSharp (one intra-op thread, no_grad). And a training step on a batch of 32 with plain SGD: NetGen's
/// BackwardBatch and Sgd.Step against TorchSharp's zero_grad, forward, cross-entropy, backward and step.</summary>
public class LeNetBenchmarks
{
    private const int Batch = 32;

    private readonly LeNet5 _net = new();
    private readonly Sgd<float> _sgd = new(0.01);
    private float[] _x = [], _y = [], _batch = [], _targets = [];
    private InferenceSession _session = null!;
    private RunOptions _run = null!;
    private OrtValue _input = null!, _output = null!;
    private OrtValue[] _inputs = [], _outputs = [];
    private string[] _inputNames = [], _outputNames = [];
    private nn.Module<Tensor, Tensor> _torch = null!;
    private Tensor _torchInput = null!, _torchBatch = null!, _torchTargets = null!;
    private optim.Optimizer _torchSgd = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        _x = Enumerable.Range(0, LeNet5.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        _y = new float[LeNet5.OutputSize];
        _batch = Enumerable.Range(0, Batch * LeNet5.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        _targets = new float[Batch * 10];
        for (int s = 0; s < Batch; s++)
        {
            _targets[(s * 10) + (s % 10)] = 1;
        }

        var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _session = new InferenceSession(Path.Combine(Root(), "tests", "NetGen.Tests", "TestData", "onnx", "lenet5_op13.onnx"), options);
        _run = new RunOptions();
        _input = OrtValue.CreateTensorValueFromMemory(_x, [1, 1, 28, 28]);
        _output = OrtValue.CreateTensorValueFromMemory(_y, [1, 10]);
        (_inputNames, _outputNames, _inputs, _outputs) = ([_session.InputNames[0]], [_session.OutputNames[0]], [_input], [_output]);

        torch.set_num_threads(1);
        _torch = BuildTorch(_net);
        _torchInput = tensor(_x, [1, 1, 28, 28]);
        _torchBatch = tensor(_batch, [Batch, 1, 28, 28]);
        _torchTargets = tensor(Enumerable.Range(0, Batch).Select(s => (long)(s % 10)).ToArray());
        _torchSgd = optim.SGD(_torch.parameters(), 0.01);

        // NetGen and TorchSharp hold the same weights: their outputs agree before anything is timed.
        _net.Forward(_x, _y);
        float[] ours = _y.ToArray();
        TorchForward();
        for (int i = 0; i < 10; i++)
        {
            if (Math.Abs(ours[i] - _y[i]) > 1e-5f)
            {
                throw new InvalidOperationException($"NetGen gives {ours[i]}, TorchSharp {_y[i]} at output {i}");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _run.Dispose();
        _input.Dispose();
        _output.Dispose();
        _torchSgd.Dispose();
        _torch.Dispose();
    }

    [Benchmark(Description = "LeNet-5 forward ONNX Runtime", Baseline = true)]
    public void OnnxRuntime() => _session.Run(_run, _inputNames, _inputs, _outputNames, _outputs);

    [Benchmark(Description = "LeNet-5 forward NetGen")]
    public void NetGenForward() => _net.Forward(_x, _y);

    [Benchmark(Description = "LeNet-5 forward TorchSharp")]
    public void TorchForward()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        nn.functional.softmax(_torch.forward(_torchInput), 1).data<float>().CopyTo(_y, 0);
    }

    [Benchmark(Description = "LeNet-5 SGD step, batch 32, NetGen")]
    public void NetGenStep()
    {
        _net.ZeroGradients();
        _net.BackwardBatch(_batch, _targets);
        _sgd.Step(_net.Parameters, _net.Gradients, Batch);
    }

    [Benchmark(Description = "LeNet-5 SGD step, batch 32, TorchSharp")]
    public void TorchStep()
    {
        using var scope = NewDisposeScope();
        _torchSgd.zero_grad();
        Tensor loss = nn.functional.cross_entropy(_torch.forward(_torchBatch), _torchTargets);
        loss.backward();
        _torchSgd.step();
    }

    /// <summary>nn.Sequential of Conv2d, ReLU, MaxPool2d, Flatten and Linear with the NetGen network's parameters.</summary>
    internal static nn.Module<Tensor, Tensor> BuildTorch(INeuralNetwork<float> net)
    {
        var modules = new System.Collections.Generic.List<(string, nn.Module<Tensor, Tensor>)>();
        ReadOnlySpan<float> p = net.Parameters;
        foreach (LayerInfo layer in net.Layers)
        {
            string k = layer.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (layer.Convolution is { IsConvolution: true } c)
            {
                var conv = nn.Conv2d(c.Shape.InChannels, c.Shape.OutChannels, c.Shape.KernelHeight, padding: c.Shape.PadTop);
                using (no_grad())
                {
                    conv.weight!.copy_(tensor(p.Slice(layer.WeightOffset, layer.WeightCount).ToArray(), [c.Shape.OutChannels, c.Shape.InChannels, c.Shape.KernelHeight, c.Shape.KernelWidth]));
                    conv.bias!.copy_(tensor(p.Slice(layer.BiasOffset, layer.BiasCount).ToArray()));
                }

                modules.Add(("conv" + k, conv));
                modules.Add(("relu" + k, nn.ReLU()));
            }
            else if (layer.Convolution is { } pool)
            {
                modules.Add(("pool" + k, nn.MaxPool2d(pool.Shape.KernelHeight)));
                if (net.Layers[layer.Number].Convolution is null)
                {
                    modules.Add(("flatten", nn.Flatten()));
                }
            }
            else
            {
                var linear = nn.Linear(layer.FanIn, layer.Units);
                var weight = new float[layer.Units * layer.FanIn];
                for (int i = 0; i < layer.Units; i++)
                {
                    for (int j = 0; j < layer.FanIn; j++)
                    {
                        weight[(i * layer.FanIn) + j] = p[layer.WeightOffset + (j * layer.Units) + i];
                    }
                }

                using (no_grad())
                {
                    linear.weight!.copy_(tensor(weight, [layer.Units, layer.FanIn]));
                    linear.bias!.copy_(tensor(p.Slice(layer.BiasOffset, layer.Units).ToArray()));
                }

                modules.Add(("linear" + k, linear));
                if (layer.Activation == Activation.ReLU)
                {
                    modules.Add(("relu" + k, nn.ReLU()));
                }
            }
        }

        return nn.Sequential(modules);
    }

    internal static string Root()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "NetGen.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("NetGen.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>One convolution, 16 to 32 channels, 3x3, 32x32, padding 1 (9.44 MFLOP: 2 x 32 x 16 x 9 x 32 x 32), NetGen's
/// forward pass against the naive seven loops a C# developer writes first. GFLOP/s is 9.437 / the time in ms.</summary>
public class Conv2DBenchmarks
{
    private readonly Conv16To32 _net = new();
    private float[] _x = [], _y = [], _w = [], _b = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        _x = Enumerable.Range(0, Conv16To32.InputSize).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        _y = new float[Conv16To32.OutputSize];
        _w = _net.Parameters.Slice(0, 32 * 16 * 9).ToArray();
        _b = _net.Parameters.Slice(32 * 16 * 9, 32).ToArray();
    }

    [Benchmark(Description = "Conv2D 16->32 3x3 32x32 naive 7 loops", Baseline = true)]
    public void Naive()
    {
        for (int o = 0; o < 32; o++)
        {
            for (int y = 0; y < 32; y++)
            {
                for (int x = 0; x < 32; x++)
                {
                    float sum = _b[o];
                    for (int c = 0; c < 16; c++)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            for (int j = 0; j < 3; j++)
                            {
                                int iy = y + i - 1, ix = x + j - 1;
                                if (iy >= 0 && iy < 32 && ix >= 0 && ix < 32)
                                {
                                    sum += _w[(((o * 16) + c) * 9) + (i * 3) + j] * _x[(((c * 32) + iy) * 32) + ix];
                                }
                            }
                        }
                    }

                    _y[(((o * 32) + y) * 32) + x] = sum;
                }
            }
        }
    }

    [Benchmark(Description = "Conv2D 16->32 3x3 32x32 NetGen")]
    public void NetGenForward() => _net.Forward(_x, _y);
}

/// <summary>An MNIST epoch with LeNet-5: the first 8,000 images, batch 32, SGD at 0.01, shuffled, through Trainer.Train with
/// the metric off (Threads = <see cref="Threads"/>), against TorchSharp with <see cref="Threads"/> intra-op threads
/// (the same batches in order, narrow, zero_grad, forward, cross-entropy, backward, step).</summary>
public class LeNetEpochBenchmarks
{
    private const int Samples = 8_000, Batch = 32;
    private readonly LeNet5 _net = new();
    private readonly Sgd<float> _sgd = new(0.01);
    private Dataset<float> _data = null!;
    private nn.Module<Tensor, Tensor> _torch = null!;
    private Tensor _inputs = null!, _targets = null!;
    private optim.Optimizer _torchSgd = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = Mnist.First(Samples);
        torch.set_num_threads(Threads);
        _torch = LeNetBenchmarks.BuildTorch(_net);
        _inputs = tensor(_data.Inputs, [Samples, 1, 28, 28]);
        _targets = tensor(Enumerable.Range(0, Samples).Select(s => (long)Array.IndexOf(_data.Targets, 1f, s * 10, 10) - (s * 10)).ToArray());
        _torchSgd = optim.SGD(_torch.parameters(), 0.01);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _torchSgd.Dispose();
        _torch.Dispose();
    }

    [Benchmark(Description = "LeNet-5 MNIST epoch Trainer.Train", Baseline = true)]
    public TrainingResult Train() =>
        Trainer.Train(_net, _sgd, _data, new TrainerOptions { Epochs = 1, BatchSize = Batch, Seed = 1, Metric = Metric.None, Threads = Threads });

    [Benchmark(Description = "LeNet-5 MNIST epoch TorchSharp")]
    public void TorchEpoch()
    {
        for (int start = 0; start < Samples; start += Batch)
        {
            using var scope = NewDisposeScope();
            _torchSgd.zero_grad();
            Tensor loss = nn.functional.cross_entropy(_torch.forward(_inputs.narrow(0, start, Batch)), _targets.narrow(0, start, Batch));
            loss.backward();
            _torchSgd.step();
        }
    }
}
