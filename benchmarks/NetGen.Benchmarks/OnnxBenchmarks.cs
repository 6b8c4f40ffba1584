using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using NetGen;

namespace NetGen.Benchmarks;

/// <summary>Issue 14's speed check: each model as NetGen compiled it with [OnnxModel] (baked and trainable) against ONNX
/// Runtime running the same .onnx file, one sample per call. ONNX Runtime runs the fastest way it is called: one
/// intra-op thread, sequential execution, every optimisation on, the input and output OrtValues created once over pinned
/// arrays and bound by name, so a call allocates nothing on the managed side.</summary>
public class OnnxBenchmarks
{
    [Params("tanh_sigmoid_op13", "batchnorm_op13", "flatten3d_op13", "relu_logits_op17", "layernorm_op17", "layernorm_tokens_op13", "mlp_784_128_10", "mlp_1536_32_32_1", "mlp_1536_128_128_1")]
    public string Model { get; set; } = string.Empty;

    private float[] _x = [], _y = [];
    private INeuralNetwork<float> _trainable = null!;
    private InferenceSession _session = null!;
    private RunOptions _run = null!;
    private OrtValue _input = null!, _output = null!;
    private string[] _inputNames = [], _outputNames = [];
    private OrtValue[] _inputs = [], _outputs = [];
    private int _case;

    [GlobalSetup]
    public void Setup()
    {
        (_case, _trainable, string path, int[] shape) = Model switch
        {
            "tanh_sigmoid_op13" => (0, (INeuralNetwork<float>)new OnnxTanhSigmoid(), TestModel(Model), OnnxTanhSigmoidBaked.InputShape.ToArray()),
            "batchnorm_op13" => (1, new OnnxBatchNorm(), TestModel(Model), OnnxBatchNormBaked.InputShape.ToArray()),
            "flatten3d_op13" => (2, new OnnxFlatten3d(), TestModel(Model), OnnxFlatten3dBaked.InputShape.ToArray()),
            "relu_logits_op17" => (3, new OnnxReluLogits(), TestModel(Model), OnnxReluLogitsBaked.InputShape.ToArray()),
            "mlp_784_128_10" => (4, new OnnxMlp784(), GeneratedModel(Model), OnnxMlp784Baked.InputShape.ToArray()),
            "mlp_1536_32_32_1" => (5, new OnnxMlp1536x32(), GeneratedModel(Model), OnnxMlp1536x32Baked.InputShape.ToArray()),
            "mlp_1536_128_128_1" => (6, new OnnxMlp1536x128(), GeneratedModel(Model), OnnxMlp1536x128Baked.InputShape.ToArray()),
            "layernorm_op17" => (7, new OnnxLayerNorm(), TestModel(Model), OnnxLayerNormBaked.InputShape.ToArray()),
            "layernorm_tokens_op13" => (8, new OnnxLayerNormTokens(), TestModel(Model), OnnxLayerNormTokensBaked.InputShape.ToArray()),
            _ => throw new ArgumentException(Model),
        };
        var random = new Random(7);
        _x = Enumerable.Range(0, _trainable.InputSize).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        _y = new float[_trainable.OutputSize];

        var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(path, options);
        _run = new RunOptions();
        _input = OrtValue.CreateTensorValueFromMemory(_x, new long[] { 1 }.Concat(shape.Select(d => (long)d)).ToArray());
        _output = OrtValue.CreateTensorValueFromMemory(_y, [1, _y.Length]);
        (_inputNames, _outputNames) = ([_session.InputNames[0]], [_session.OutputNames[0]]);
        (_inputs, _outputs) = ([_input], [_output]);

        // The three must agree before they are timed.
        var baked = new float[_y.Length];
        Baked();
        _y.CopyTo(baked, 0);
        OnnxRuntime();
        for (int i = 0; i < _y.Length; i++)
        {
            if (Math.Abs(_y[i] - baked[i]) > 1e-4f * Math.Max(1, Math.Abs(baked[i])))
            {
                throw new InvalidOperationException($"{Model}: NetGen gives {baked[i]}, ONNX Runtime {_y[i]} at output {i}");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input.Dispose();
        _output.Dispose();
        _run.Dispose();
        _session.Dispose();
    }

    [Benchmark(Description = "ONNX Runtime", Baseline = true)]
    public void OnnxRuntime() => _session.Run(_run, _inputNames, _inputs, _outputNames, _outputs);

    [Benchmark(Description = "NetGen baked")]
    public void Baked()
    {
        switch (_case)
        {
            case 0: OnnxTanhSigmoidBaked.Forward(_x, _y); break;
            case 1: OnnxBatchNormBaked.Forward(_x, _y); break;
            case 2: OnnxFlatten3dBaked.Forward(_x, _y); break;
            case 3: OnnxReluLogitsBaked.Forward(_x, _y); break;
            case 4: OnnxMlp784Baked.Forward(_x, _y); break;
            case 5: OnnxMlp1536x32Baked.Forward(_x, _y); break;
            case 7: OnnxLayerNormBaked.Forward(_x, _y); break;
            case 8: OnnxLayerNormTokensBaked.Forward(_x, _y); break;
            default: OnnxMlp1536x128Baked.Forward(_x, _y); break;
        }
    }

    [Benchmark(Description = "NetGen trainable")]
    public void Trainable() => _trainable.Forward(_x, _y);

    private static string TestModel(string name) => Path.Combine(Root(), "tests", "NetGen.Tests", "TestData", "onnx", name + ".onnx");

    private static string GeneratedModel(string name) => Path.Combine(Root(), "benchmarks", "NetGen.Benchmarks", "obj", "models", name + ".onnx");

    private static string Root()
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

[OnnxModel("../../tests/NetGen.Tests/TestData/onnx/tanh_sigmoid_op13.onnx")] public static partial class OnnxTanhSigmoidBaked;
[OnnxModel("../../tests/NetGen.Tests/TestData/onnx/tanh_sigmoid_op13.onnx")] [Loss(LossFunction.BinaryCrossEntropy)] public partial class OnnxTanhSigmoid;
[OnnxModel("../../tests/NetGen.Tests/TestData/onnx/batchnorm_op13.onnx")] public static partial class OnnxBatchNormBaked;
[OnnxModel("../../tests/NetGen.Tests/TestData/onnx/batchnorm_op13.onnx")] [Loss(LossFunction.MeanSquaredError)] public partial class OnnxBatchNorm;
[OnnxModel("../../tests/NetGen.Tests/TestData/onnx/flatten3d_op13.onnx")] public static partial class OnnxFlatten3dBaked;
[OnnxModel("../../tests/NetGen.Tests/TestData/onnx/flatten3d_op13.onnx")] [Loss(LossFunction.MeanSquaredError)] public partial class OnnxFlatten3d;
[OnnxModel("../../tests/NetGen.Tests/TestData/onnx/relu_logits_op17.onnx")] public static partial class OnnxReluLogitsBaked;
[OnnxModel("../../tests/NetGen.Tests/TestData/onnx/relu_logits_op17.onnx")] [Loss(LossFunction.CrossEntropy)] public partial class OnnxReluLogits;
[OnnxModel("../../tests/NetGen.Tests/TestData/onnx/layernorm_op17.onnx")] public static partial class OnnxLayerNormBaked;
[OnnxModel("../../tests/NetGen.Tests/TestData/onnx/layernorm_op17.onnx")] [Loss(LossFunction.MeanSquaredError)] public partial class OnnxLayerNorm;
[OnnxModel("../../tests/NetGen.Tests/TestData/onnx/layernorm_tokens_op13.onnx")] public static partial class OnnxLayerNormTokensBaked;
[OnnxModel("../../tests/NetGen.Tests/TestData/onnx/layernorm_tokens_op13.onnx")] [Loss(LossFunction.MeanSquaredError)] public partial class OnnxLayerNormTokens;
[OnnxModel("mlp_784_128_10.onnx")] public static partial class OnnxMlp784Baked;
[OnnxModel("mlp_784_128_10.onnx")] [Loss(LossFunction.CrossEntropy)] public partial class OnnxMlp784;
[OnnxModel("mlp_1536_32_32_1.onnx")] public static partial class OnnxMlp1536x32Baked;
[OnnxModel("mlp_1536_32_32_1.onnx")] [Loss(LossFunction.BinaryCrossEntropy)] public partial class OnnxMlp1536x32;
[OnnxModel("mlp_1536_128_128_1.onnx")] public static partial class OnnxMlp1536x128Baked;
[OnnxModel("mlp_1536_128_128_1.onnx")] [Loss(LossFunction.BinaryCrossEntropy)] public partial class OnnxMlp1536x128;
