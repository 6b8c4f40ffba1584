using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NetGen.Onnx;
using NetGen.TestSupport;
using Xunit.Abstractions;

namespace NetGen.Tests;

/// <summary>ONNX's own backend node tests (../shared/onnx-node, onnx 1.12) for the ops the importer maps. Each case's
/// graph is rewritten as the issue prescribes: every input but the first becomes a constant with the case's values, only
/// output 0 stays, and the input's first dimension is the batch. Then every case either imports and matches ONNX's
/// expected outputs within ONNX's own tolerance (rtol 1e-3, atol 1e-7), or is refused with a reason; none may crash or
/// import and disagree. The table this prints is the one in docs/onnx.md.</summary>
public class OnnxConformanceTests(ITestOutputHelper output)
{
    /// <summary>Folder-name prefixes of the cases of each op the importer is meant to map (issue 14's list, then issue 17's).</summary>
    private static readonly (string Prefix, string Op)[] Ops =
    [
        ("test_gemm", "Gemm"), ("test_matmul_", "MatMul"), ("test_relu", "Relu"), ("test_leakyrelu", "LeakyRelu"), ("test_elu", "Elu"),
        ("test_sigmoid", "Sigmoid"), ("test_tanh", "Tanh"), ("test_softmax", "Softmax"), ("test_identity", "Identity"),
        ("test_dropout", "Dropout"), ("test_training_dropout", "Dropout"), ("test_flatten", "Flatten"), ("test_reshape", "Reshape"),
        ("test_squeeze", "Squeeze"), ("test_unsqueeze", "Unsqueeze"), ("test_constant", "Constant"), ("test_batchnorm", "BatchNormalization"),
        ("test_layer_normalization", "LayerNormalization"), ("test_logsoftmax", "LogSoftmax"),
        ("test_basic_conv_", "Conv"), ("test_conv_", "Conv"), ("test_maxpool", "MaxPool"), ("test_averagepool", "AveragePool"),
        ("test_globalaveragepool", "GlobalAveragePool"), ("test_globalmaxpool", "GlobalMaxPool"), ("test_transpose", "Transpose"),
        ("test_max_", "Max"),
    ];

    private static string Folder => Path.GetFullPath(Path.Combine(Repository.Root, "..", "shared", "onnx-node"));

    [SkippableFact]
    public void EveryCaseOfAMappedOp_PassesOrIsRefused_NeverCrashesOrDisagrees()
    {
        Skip.IfNot(Directory.Exists(Folder), $"{Folder} is absent: the conformance tests need ../shared/onnx-node beside the project root.");
        var rows = new List<(string Op, string Case, string Result)>();
        var failures = new List<string>();
        foreach (string directory in Directory.GetDirectories(Folder).OrderBy(d => d, StringComparer.Ordinal))
        {
            string name = Path.GetFileName(directory);
            string? op = Ops.Where(o => name.StartsWith(o.Prefix, StringComparison.Ordinal) && !name.StartsWith("test_constantofshape", StringComparison.Ordinal)).Select(o => o.Op).FirstOrDefault();
            if (op is null)
            {
                continue;
            }

            string result;
            try
            {
                result = Run(directory);
            }
            catch (Exception e) when (e is OnnxImportException or OnnxFormatException)
            {
                result = "refused: " + e.Message;
            }
            catch (Exception e)
            {
                result = "CRASH: " + e;
                failures.Add($"{name}: {e}");
            }

            if (result.StartsWith("MISMATCH", StringComparison.Ordinal))
            {
                failures.Add($"{name}: {result}");
            }

            rows.Add((op, name, result));
        }

        var table = new StringBuilder("| op | cases | pass | refused |\n|---|---|---|---|\n");
        foreach (IGrouping<string, (string Op, string Case, string Result)> group in rows.GroupBy(r => r.Op))
        {
            table.Append($"| {group.Key} | {group.Count()} | {group.Count(r => r.Result == "pass")} | {group.Count(r => r.Result.StartsWith("refused", StringComparison.Ordinal))} |\n");
        }

        table.Append($"| all | {rows.Count} | {rows.Count(r => r.Result == "pass")} | {rows.Count(r => r.Result.StartsWith("refused", StringComparison.Ordinal))} |\n\n");
        foreach ((string op, string @case, string result) in rows)
        {
            table.Append($"- `{@case}` ({op}): {result}\n");
        }

        output.WriteLine(table.ToString());
        Assert.True(rows.Count > 100, $"only {rows.Count} cases found");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>One case: "pass", or "MISMATCH ..." (an import exception propagates as a refusal).</summary>
    private static string Run(string directory)
    {
        OnnxModel model = OnnxModel.Load(Path.Combine(directory, "model.onnx"));
        string data = Path.Combine(directory, "test_data_set_0");
        OnnxTensor[] inputs = Directory.GetFiles(data, "input_*.pb").OrderBy(f => f, StringComparer.Ordinal).Select(f => OnnxTensor.Parse(File.ReadAllBytes(f))).ToArray();
        OnnxTensor expected = OnnxTensor.Parse(File.ReadAllBytes(Path.Combine(data, "output_0.pb")));
        ImportedNetwork network = OnnxImporter.Import(model.AsConformanceCase(inputs));
        if (inputs.Length == 0 || inputs[0].Reals is not { } x || expected.Reals is not { } y)
        {
            return "refused: the case has no floating-point input or output";
        }

        int samples = inputs[0].Dims.Count == 0 ? 1 : (int)inputs[0].Dims[0];
        int inputSize = x.Length / samples, outputSize = y.Length / samples;
        if (inputSize != network.InputSize || outputSize != network.Layers[^1].Units)
        {
            return $"MISMATCH: the network maps {network.InputSize} to {network.Layers[^1].Units} values, the case {inputSize} to {outputSize}";
        }

        for (int s = 0; s < samples; s++)
        {
            double[] actual = Evaluate(network, x.AsSpan(s * inputSize, inputSize).ToArray());
            for (int i = 0; i < outputSize; i++)
            {
                double want = y[(s * outputSize) + i];
                if (!(Math.Abs(actual[i] - want) <= 1e-7 + (1e-3 * Math.Abs(want))))
                {
                    return $"MISMATCH at sample {s}, output {i}: NetGen {actual[i]:R}, ONNX {want:R}";
                }
            }
        }

        return "pass";
    }

    /// <summary>The imported layers evaluated in double from float weights (what the generated code computes in float);
    /// convolutions and pools by the runtime's kernels, with the geometry the importer resolved.</summary>
    private static double[] Evaluate(ImportedNetwork network, double[] x) => ReferenceLayer.Evaluate(
        network.Layers.Select(layer => layer.Geometry is { } g
            ? new ReferenceLayer(
                new[] { layer.Weight },
                layer.Bias ?? new double[g.OutChannels],
                layer.Activation,
                layer.Alpha ?? 0,
                Spatial: new SpatialReference(
                    layer.Kind switch { ImportedLayerKind.Convolution => "conv", ImportedLayerKind.MaxPool => "maxpool", _ => "avgpool" },
                    new NetGen.Runtime.ConvolutionShape(
                        g.InChannels, g.InHeight, g.InWidth, g.OutChannels, g.OutHeight, g.OutWidth, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth,
                        g.PadTop, g.PadLeft, g.DilationHeight, g.DilationWidth, g.Groups, g.PadBottom, g.PadRight),
                    g.CountIncludePad))
            : new ReferenceLayer(
            layer.IsLayerNorm
                ? new[] { layer.Weight }
                : Enumerable.Range(0, layer.Units).Select(m => layer.Weight.AsSpan(m * layer.FanIn, layer.FanIn).ToArray()).ToArray(),
            layer.Bias ?? new double[layer.Units],
            layer.Activation,
            layer.Alpha ?? 0,
            layer.Epsilon,
            layer.SoftmaxSize)),
        x);
}
