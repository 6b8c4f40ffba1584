using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using NetGen.Onnx;
using NetGen.TestSupport;

namespace NetGen.Tests;

/// <summary>The ONNX reader and the op-to-layer mapping, on real PyTorch exports (scripts/make-onnx-models.py, torch
/// 1.13.1) and on hand-made and corrupted files. The import is checked by evaluating the weights JSON it writes, in
/// double, against PyTorch's outputs.</summary>
public class OnnxImportTests
{
    private static readonly string Folder = Path.Combine(Repository.Root, "tests", "NetGen.Tests", "TestData", "onnx");

    private static JsonElement References() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "references.json"))).RootElement.GetProperty("models");

    public static IEnumerable<object[]> SupportedModels() =>
        References().EnumerateObject().Select(m => m.Name).Select(n => new object[] { n });

    /// <summary>Each exported model, converted to weights JSON and evaluated from that JSON, gives PyTorch's outputs
    /// within the issue's tolerance (1e-5 absolute or 1e-4 relative).</summary>
    [Theory]
    [MemberData(nameof(SupportedModels))]
    public void AnImportedModel_GivesPyTorchsOutputs(string name)
    {
        JsonElement reference = References().GetProperty(name);
        ImportedNetwork network = OnnxImporter.Import(OnnxModel.Load(Path.Combine(Folder, name + ".onnx")));
        Assert.Equal(reference.GetProperty("opset").GetInt32(), network.Opset);
        Assert.Equal(reference.GetProperty("inputShape").EnumerateArray().Select(d => d.GetInt32()), network.InputShape);
        using JsonDocument json = JsonDocument.Parse(WeightsJsonWriter.Write(network, name + ".onnx"));
        double[][] inputs = Rows(reference.GetProperty("inputs"));
        double[][] outputs = Rows(reference.GetProperty("outputs"));
        for (int s = 0; s < inputs.Length; s++)
        {
            double[] y = Evaluate(json.RootElement, inputs[s]);
            Assert.Equal(outputs[s].Length, y.Length);
            for (int i = 0; i < y.Length; i++)
            {
                double error = Math.Abs(y[i] - outputs[s][i]);
                Assert.True(error <= 1e-5 || error <= 1e-4 * Math.Abs(outputs[s][i]), $"{name}, sample {s}, output {i}: NetGen {y[i]:R}, PyTorch {outputs[s][i]:R}");
            }
        }
    }

    [Fact]
    public void TheImport_NamesItsLayersAndShapes()
    {
        ImportedNetwork network = OnnxImporter.Import(OnnxModel.Load(Path.Combine(Folder, "flatten3d_op13.onnx")));
        Assert.Equal(new[] { 2, 3, 4 }, network.InputShape);
        Assert.Equal(new[] { 2 }, network.OutputShape);
        Assert.Equal(new[] { (24, 5, "ReLU"), (5, 2, "Identity") }, network.Layers.Select(l => (l.FanIn, l.Units, l.Activation)));
        Assert.StartsWith("pytorch", network.Producer, StringComparison.Ordinal);

        ImportedNetwork folded = OnnxImporter.Import(OnnxModel.Load(Path.Combine(Folder, "batchnorm_op13.onnx")));
        Assert.Equal(2, folded.Layers.Count); // both BatchNorm1d folded: one into the layer before it, one into the layer after

        ImportedNetwork standardised = OnnxImporter.Import(OnnxModel.Load(Path.Combine(Folder, "standardised_op13.onnx")));
        Assert.Equal(new[] { (5, 8, "ReLU"), (8, 2, "Identity") }, standardised.Layers.Select(l => (l.FanIn, l.Units, l.Activation)));
        Assert.StartsWith("Sub '/Sub', Div '/Div' folded into Gemm", standardised.Layers[0].Source, StringComparison.Ordinal);
        Assert.StartsWith("Mul '/Mul', Add '/Add', Sub '/Sub_1' folded into Gemm", standardised.Layers[1].Source, StringComparison.Ordinal);
        Assert.Contains("BatchNormalization", folded.Layers[0].Source, StringComparison.Ordinal);
        Assert.Contains("BatchNormalization", folded.Layers[1].Source, StringComparison.Ordinal);
    }

    /// <summary>Transposes fold as layout changes: the channels-last per-channel scale between a Transpose and its
    /// inverse becomes a depthwise map before the second convolution, the channels-last flatten folds into the first
    /// dense layer's columns, Max(h, 0.1 h) is a leaky ReLU of slope 0.1, Max(h, 2 h) one of slope 0.5 whose factor 2
    /// folds into the next layer; a channels-last output is a permutation layer at the end.</summary>
    [Fact]
    public void Transposes_FoldAsLayoutChanges_AndMaxOfAScaledCopy_IsALeakyReLU()
    {
        ImportedNetwork network = OnnxImporter.Import(OnnxModel.Load(Path.Combine(Folder, "transposed_layout_op13.onnx")));
        Assert.Equal(
            new[] { (ImportedLayerKind.Convolution, "ReLU"), (ImportedLayerKind.Convolution, "Identity"), (ImportedLayerKind.Convolution, "Tanh"),
                (ImportedLayerKind.Dense, "LeakyReLU"), (ImportedLayerKind.Dense, "LeakyReLU"), (ImportedLayerKind.Dense, "Identity") },
            network.Layers.Select(l => (l.Kind, l.Activation)));
        Assert.Equal(4, network.Layers[1].Geometry!.Groups); // the gain: a 1 x 1 depthwise map
        Assert.StartsWith("Mul '/Mul'", network.Layers[1].Source, StringComparison.Ordinal);
        Assert.StartsWith("Transpose '/Transpose_2' folded into Gemm '/fc1/Gemm'", network.Layers[3].Source, StringComparison.Ordinal);
        Assert.Equal(new double?[] { 0.1f, 0.5f }, new[] { network.Layers[3].Alpha, network.Layers[4].Alpha });
        Assert.Equal(new[] { 3 }, network.OutputShape);

        // fc1's columns: the graph flattens [H, W, C]; the layers compute [C, H, W]. Column (c, y, x) of NetGen's weight is
        // column (y, x, c) of the Gemm's.
        OnnxModel model = OnnxModel.Load(Path.Combine(Folder, "transposed_layout_op13.onnx"));
        double[] gemm = model.Graph.Initializers["fc1.weight"].Reals!;
        ImportedLayer fc1 = network.Layers[3];
        Assert.Equal(48, fc1.FanIn);
        for (int m = 0; m < 8; m++)
        {
            for (int c = 0; c < 3; c++)
            {
                for (int p = 0; p < 16; p++)
                {
                    Assert.Equal(gemm[(m * 48) + (p * 3) + c], fc1.Weight[(m * 48) + (c * 16) + p]);
                }
            }
        }

        ImportedNetwork channelsLast = OnnxImporter.Import(OnnxModel.Load(Path.Combine(Folder, "channels_last_output_op13.onnx")));
        Assert.Equal(new[] { 4, 4, 3 }, channelsLast.OutputShape);
        Assert.Equal(new[] { (ImportedLayerKind.Convolution, "Sigmoid"), (ImportedLayerKind.Dense, "Identity") }, channelsLast.Layers.Select(l => (l.Kind, l.Activation)));
        Assert.Contains("(a permutation)", channelsLast.Layers[1].Source, StringComparison.Ordinal);

        // Max(x, 0) after a dense layer is its ReLU.
        byte[] graph = Graph(Node("Gemm", ["x", "w"], "g"), Node("Max", ["g", "zero"], "y"),
            Proto.Bytes(5, FloatTensor("w", [4, 3])), Proto.Bytes(5, FloatScalar("zero", 0)), Proto.Bytes(11, Input("x", 1, 4)), Proto.Bytes(12, Input("y", 1, 3)));
        ImportedNetwork relu = OnnxImporter.Import(OnnxModel.Parse(Model(graph, 13)));
        Assert.Equal(new[] { (4, 3, "ReLU") }, relu.Layers.Select(l => (l.FanIn, l.Units, l.Activation)));
    }

    /// <summary>nn.LayerNorm in both its forms, LayerNormalization at opset 17 and PyTorch's decomposed chain at opset
    /// 13, becomes one layer normalisation with the ReLU after it as its activation, between the two dense layers.</summary>
    [Theory]
    [InlineData("layernorm_op13", "Div")]
    [InlineData("layernorm_op17", "LayerNormalization")]
    public void LayerNorm_InBothForms_IsOneLayer(string name, string op)
    {
        ImportedNetwork network = OnnxImporter.Import(OnnxModel.Load(Path.Combine(Folder, name + ".onnx")));
        Assert.Equal(new[] { (false, 6, 8, "Identity"), (true, 8, 8, "ReLU"), (false, 8, 2, "Identity") }, network.Layers.Select(l => (l.IsLayerNorm, l.FanIn, l.Units, l.Activation)));
        ImportedLayer norm = network.Layers[1];
        Assert.Equal(1e-5f, (float)norm.Epsilon);
        Assert.StartsWith(op, norm.Source, StringComparison.Ordinal);
        Assert.Contains("Relu", norm.Source, StringComparison.Ordinal);
        Assert.DoesNotContain(norm.Weight, g => g == 1); // trained: gamma moved from its initial 1
    }

    /// <summary>Every truncation of a real model is refused as a format or import error, never another exception.</summary>
    [Fact]
    public void EveryTruncation_IsRefusedCleanly()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Folder, "relu_logits_op17.onnx"));
        for (int length = 0; length < bytes.Length; length++)
        {
            byte[] prefix = bytes.AsSpan(0, length).ToArray();
            Exception? e = Record.Exception(() => OnnxImporter.Import(OnnxModel.Parse(prefix)));
            Assert.True(e is OnnxFormatException or OnnxImportException, $"a file cut at {length} bytes gave {e?.GetType().Name ?? "no error"}: {e?.Message}");
        }
    }

    /// <summary>Random byte corruptions of every test model are either read (a flipped weight is still a model) or
    /// refused cleanly: 3,000 seeded trials per model, one to three bytes each.</summary>
    [Fact]
    public void RandomCorruptions_AreReadOrRefusedCleanly()
    {
        foreach (string path in Directory.GetFiles(Folder, "*.onnx").OrderBy(p => p, StringComparer.Ordinal))
        {
            byte[] original = File.ReadAllBytes(path);
            var random = new Random(5);
            for (int trial = 0; trial < 3000; trial++)
            {
                byte[] bytes = (byte[])original.Clone();
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                Exception? e = Record.Exception(() => WeightsJsonWriter.Write(OnnxImporter.Import(OnnxModel.Parse(bytes)), "x.onnx"));
                Assert.True(e is null or OnnxFormatException or OnnxImportException, $"{Path.GetFileName(path)}, trial {trial}: {e}");
            }
        }
    }

    /// <summary>A tensor that claims 2^31 elements is refused before anything of that size is allocated.</summary>
    [Fact]
    public void AHugeClaimedTensor_IsRefusedWithoutAllocatingIt()
    {
        byte[] tensor = Proto.Message(
            Proto.Varint(1, 1L << 31),
            Proto.Varint(2, OnnxTensor.Float),
            Proto.String(8, "huge"),
            Proto.Bytes(9, new byte[16]));
        byte[] model = Model(Graph(Proto.Bytes(5, tensor)), opset: 13);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<OnnxImportException>(() => OnnxModel.Parse(model));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "more than a megabyte was allocated");
        Assert.Contains("'huge'", e.Message, StringComparison.Ordinal);
        Assert.Contains("2147483648", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALengthPastTheEnd_IsAFormatErrorWithItsOffset()
    {
        byte[] model = Model(new byte[] { 0x0A, 0x7F, 0, 0, 0 }, opset: 13); // the graph's node claims 127 bytes, 3 remain
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Parse(model));
        Assert.Contains("at byte", e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated or corrupt", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04 }, "")] // a zip file's start
    public void NotAModel_IsAFormatError(byte[] bytes, string expected)
    {
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Parse(bytes));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(18)]
    public void AnOpsetOutOfRange_IsRefused(int opset)
    {
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(OnnxModel.Parse(Model(Graph(), opset))));
        Assert.Contains($"opset {opset}", e.Message, StringComparison.Ordinal);
        Assert.Contains("11 to 17", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoInputs_AreRefused()
    {
        byte[] graph = Graph(Proto.Bytes(11, Input("a", 1, 4)), Proto.Bytes(11, Input("b", 1, 4)), Proto.Bytes(12, Input("y", 1, 4)));
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(OnnxModel.Parse(Model(graph, 13))));
        Assert.Contains("2 inputs ('a', 'b')", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownOp_IsRefusedWithItsIndexNameAndTheOpsThereAre()
    {
        byte[] node = Proto.Message(Proto.String(1, "x"), Proto.String(2, "y"), Proto.String(3, "my_sin"), Proto.String(4, "Sin"));
        byte[] graph = Graph(Proto.Bytes(1, node), Proto.Bytes(11, Input("x", 1, 4)), Proto.Bytes(12, Input("y", 1, 4)));
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(OnnxModel.Parse(Model(graph, 13))));
        Assert.StartsWith("node 0 ('my_sin', Sin): NetGen has no mapping for Sin", e.Message, StringComparison.Ordinal);
        Assert.Contains("Gemm", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADynamicFeatureDimension_IsRefused()
    {
        byte[] graph = Graph(Proto.Bytes(11, Input("x", 1, -1)), Proto.Bytes(12, Input("y", 1, 4)));
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(OnnxModel.Parse(Model(graph, 13))));
        Assert.Contains("only the batch may be dynamic", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A BatchNormalization after a grouped layer normalisation and a Flatten is not folded into the normalisation
    /// (whose gamma and beta are shared by the groups): it becomes a diagonal layer after it.</summary>
    [Fact]
    public void ABatchNormAfterAGroupedLayerNorm_IsADiagonalLayerAfterIt()
    {
        byte[] graph = Graph(
            Node("LayerNormalization", ["x", "g", "b"], "n", Int("axis", -1)), Node("Flatten", ["n"], "f"),
            Node("BatchNormalization", ["f", "s6", "b6", "m6", "v6"], "y"),
            Proto.Bytes(5, FloatTensor("g", [3])), Proto.Bytes(5, FloatTensor("b", [3])),
            Proto.Bytes(5, FloatTensor("s6", [6])), Proto.Bytes(5, FloatTensor("b6", [6])), Proto.Bytes(5, FloatTensor("m6", [6])), Proto.Bytes(5, FloatTensor("v6", [6])),
            Proto.Bytes(11, Input("x", 1, 2, 3)), Proto.Bytes(12, Input("y", 1, 6)));
        ImportedNetwork network = OnnxImporter.Import(OnnxModel.Parse(Model(graph, 17)));
        Assert.Equal(new[] { (true, 6, 3), (false, 6, 0) }, network.Layers.Select(l => (l.IsLayerNorm, l.Units, l.NormalizedSize)));
        Assert.Equal(36, network.Layers[1].Weight.Length); // 6 x 6, diagonal
    }

    /// <summary>Two BatchNormalizations in a row with no layer between compose into one per-feature map: here, with no
    /// layer at all, a diagonal layer whose weights and biases are the two maps applied one after the other.</summary>
    [Fact]
    public void TwoBatchNormsInARow_Compose()
    {
        byte[] graph = Graph(
            Node("BatchNormalization", ["x", "s", "b", "m", "v"], "n"), Node("BatchNormalization", ["n", "s", "b", "m", "v"], "y"),
            Proto.Bytes(5, FloatTensor("s", [4])), Proto.Bytes(5, FloatTensor("b", [4])), Proto.Bytes(5, FloatTensor("m", [4])), Proto.Bytes(5, FloatTensor("v", [4])),
            Proto.Bytes(11, Input("x", 1, 4)), Proto.Bytes(12, Input("y", 1, 4)));
        ImportedLayer layer = Assert.Single(OnnxImporter.Import(OnnxModel.Parse(Model(graph, 13))).Layers);
        // One map: y = 0.5 (x - 0.5) / sqrt(0.5 + 1e-5) + 0.5 = k x + c; twice: k (k x + c) + c.
        double k = 0.5 / Math.Sqrt(0.5 + (double)1e-5f), c = 0.5 - (0.5 * k);
        Assert.Equal(k * k, layer.Weight[0], 12);
        Assert.Equal(0, layer.Weight[1]);
        Assert.Equal((k * c) + c, layer.Bias![0], 12);
    }

    /// <summary>Crafted graphs that once crashed or misled the importer (a review of the first version): each is refused
    /// with an import error that names the problem, never another exception, and nothing large is allocated.</summary>
    [Theory]
    [InlineData("no nodes, a wide input", "identity layer over 50000 values")]
    [InlineData("MatMul by a [4, 0] weight", "output dimension has shape [0]")]
    [InlineData("Reshape to [0, 65536, 65536, -1]", "the target shape has shape")]
    [InlineData("Add after an Unsqueeze", "its addend has shape [3], which does not broadcast over a sample of shape [3, 1] without changing it")]
    [InlineData("Squeeze of axis 7", "outside a tensor of rank")]
    [InlineData("ReduceMean of axis 4", "outside a tensor of rank 2")]
    [InlineData("the mean of another value", "subtracts the mean of 'x' from 'r'")]
    [InlineData("a LayerNorm's chain divided twice", "not the centred input and the deviation of one layer normalisation")]
    [InlineData("Mul by a [4, 1] factor", "its factor has shape [4, 1]")]
    [InlineData("Add of a [1, 1, 3] constant", "its addend has shape [1, 1, 3], which would add dimensions before the batch")]
    [InlineData("Div by a zero", "its divisor has a zero at 0")]
    public void CraftedGraphs_AreRefusedWithAReason(string graphName, string expected)
    {
        byte[] x = Proto.Bytes(11, Input("x", 1, graphName.Contains("wide", StringComparison.Ordinal) ? 50_000 : 4));
        byte[] y = Proto.Bytes(12, Input("y", 1, 1));
        byte[] graph = graphName switch
        {
            "no nodes, a wide input" => Graph(x, Proto.Bytes(12, Input("x", 1, 50_000))),
            "MatMul by a [4, 0] weight" => Graph(Node("MatMul", ["x", "w"], "y"), Proto.Bytes(5, FloatTensor("w", [4, 0])), x, y),
            "Reshape to [0, 65536, 65536, -1]" => Graph(Node("Reshape", ["x", "s"], "y"), Proto.Bytes(5, IntTensor("s", 0, 65536, 65536, -1)), x, y),
            "Add after an Unsqueeze" => Graph(
                Node("Gemm", ["x", "w"], "g"), Node("Unsqueeze", ["g", "axes"], "u"), Node("Add", ["u", "c"], "y"),
                Proto.Bytes(5, FloatTensor("w", [4, 3])), Proto.Bytes(5, IntTensor("axes", 2)), Proto.Bytes(5, FloatTensor("c", [3])), x, y),
            "Squeeze of axis 7" => Graph(Node("Squeeze", ["x", "axes"], "y"), Proto.Bytes(5, IntTensor("axes", 7)), x, y),
            "ReduceMean of axis 4" => Graph(Node("ReduceMean", ["x"], "y", Ints("axes", 4)), x, y),
            "the mean of another value" => Graph(
                Node("ReduceMean", ["x"], "m", Ints("axes", -1)), Node("Relu", ["x"], "r"), Node("Sub", ["r", "m"], "y"), x, y),
            "a LayerNorm's chain divided twice" => Graph(
                [.. LayerNormChain("x", "1"), Node("Div", ["d1", "s1"], "n"), Node("Div", ["d1", "s1"], "y"),
                Proto.Bytes(5, FloatScalar("two", 2)), Proto.Bytes(5, FloatScalar("eps", 1e-5f)), x, y]),
            "Add of a [1, 1, 3] constant" => Graph(Node("Gemm", ["x", "w"], "g"), Node("Add", ["g", "c"], "y"),
                Proto.Bytes(5, FloatTensor("w", [4, 3])), Proto.Bytes(5, FloatTensor("c", [1, 1, 3])), x, y),
            "Div by a zero" => Graph(Node("Div", ["x", "z"], "y"), Proto.Bytes(5, FloatScalar("z", 0)), x, y),
            "Mul by a [4, 1] factor" => Graph(Node("Gemm", ["x", "w"], "g"), Node("Mul", ["g", "f"], "y"),
                Proto.Bytes(5, FloatTensor("w", [4, 4])), Proto.Bytes(5, FloatTensor("f", [4, 1])), x, y),
            _ => throw new ArgumentException(graphName),
        };
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(OnnxModel.Parse(Model(graph, 13))));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "more than 16 MB was allocated");
    }

    /// <summary>The PyTorch convolutional models: their layers, in order, with the geometry ONNX's attributes resolve to
    /// (ONNX's defaults, not PyTorch's), and the planes the weights JSON starts from.</summary>
    [Fact]
    public void ConvolutionalModels_ImportAsConvolutionsAndPools_WithTheirGeometry()
    {
        ImportedNetwork lenet = OnnxImporter.Import(OnnxModel.Load(Path.Combine(Folder, "lenet5_op13.onnx")));
        Assert.Equal(
            new[] { ("conv2d", "ReLU", 784, 4704), ("maxpool2d", "Identity", 4704, 1176), ("conv2d", "ReLU", 1176, 1600), ("maxpool2d", "Identity", 1600, 400), ("dense", "ReLU", 400, 120), ("dense", "ReLU", 120, 84), ("dense", "Identity", 84, 10) },
            lenet.Layers.Select(l => (l.TypeName, l.Activation, l.FanIn, l.Units)));
        ImportedGeometry first = lenet.Layers[0].Geometry!;
        Assert.Equal((5, 5, 2, 2, 2, 2, 1), (first.KernelHeight, first.KernelWidth, first.PadTop, first.PadLeft, first.PadBottom, first.PadRight, first.StrideWidth));
        Assert.Equal((2, 2), (lenet.Layers[1].Geometry!.StrideHeight, lenet.Layers[1].Geometry!.StrideWidth));
        using (JsonDocument json = JsonDocument.Parse(WeightsJsonWriter.Write(lenet, "lenet5_op13.onnx")))
        {
            Assert.Equal(new[] { 1, 28, 28 }, Ints(json.RootElement.GetProperty("input")));
            Assert.Equal(6, json.RootElement.GetProperty("layers")[0].GetProperty("weight").GetArrayLength());
        }

        ImportedNetwork keyword = OnnxImporter.Import(OnnxModel.Load(Path.Combine(Folder, "keyword_conv1d_op13.onnx")));
        Assert.Equal(new[] { "conv1d", "maxpool1d", "conv1d", "globalavgpool", "dense" }, keyword.Layers.Select(l => l.TypeName));
        Assert.Equal((2, 2, 2), (keyword.Layers[2].Geometry!.DilationWidth, keyword.Layers[2].Geometry!.PadLeft, keyword.Layers[2].Geometry!.PadRight));

        // nn.AvgPool2d(3, stride=2, padding=1) is exported as a Pad and an AveragePool: one average pool whose divisor
        // counts the zeros, as PyTorch's count_include_pad=True does.
        ImportedNetwork depthwise = OnnxImporter.Import(OnnxModel.Load(Path.Combine(Folder, "depthwise_op13.onnx")));
        Assert.Equal(new[] { "conv2d", "conv2d", "avgpool2d", "conv2d", "maxpool2d", "dense" }, depthwise.Layers.Select(l => l.TypeName));
        ImportedGeometry pool = depthwise.Layers[2].Geometry!;
        Assert.Equal((1, 1, 1, 1, true), (pool.PadTop, pool.PadLeft, pool.PadBottom, pool.PadRight, pool.CountIncludePad));
        Assert.StartsWith("Pad '/4/Pad' folded into AveragePool", depthwise.Layers[2].Source, StringComparison.Ordinal);
        Assert.Equal(3, depthwise.Layers[0].Geometry!.Groups);
        Assert.True(depthwise.Layers[4].Geometry!.CeilMode);
        Assert.Equal("conv2d 8x6x6 -> 8x2x3, kernel 3x2, stride 1x2, dilation 2x1", depthwise.Layers[3].Describe());
    }

    /// <summary>A BatchNormalization after a Conv folds into its filters and bias; an activation after a pool, with no
    /// layer to take it, gets a 1 x 1 depthwise identity convolution (the values stay planes). Evaluated: the same value
    /// as the graph computed by hand.</summary>
    [Fact]
    public void ABatchNormAfterAConv_FoldsIntoIt_AndAnActivationAfterAPool_GetsADepthwiseIdentity()
    {
        byte[] graph = Graph(
            Node("Conv", ["x", "w", "b"], "c"), Node("BatchNormalization", ["c", "s", "b", "m", "v"], "n"),
            Node("MaxPool", ["n"], "p", Ints("kernel_shape", 2, 2)), Node("Relu", ["p"], "r"), Node("Flatten", ["r"], "f"), Node("Gemm", ["f", "g"], "y"),
            Proto.Bytes(5, FloatTensor("w", [1, 1, 2, 2])), Proto.Bytes(5, FloatTensor("b", [1])), Proto.Bytes(5, FloatTensor("s", [1])),
            Proto.Bytes(5, FloatTensor("m", [1])), Proto.Bytes(5, FloatTensor("v", [1])), Proto.Bytes(5, FloatTensor("g", [1, 1])),
            Proto.Bytes(11, Input("x", 1, 1, 3, 3)), Proto.Bytes(12, Input("y", 1, 1)));
        ImportedNetwork network = OnnxImporter.Import(OnnxModel.Parse(Model(graph, 13)));
        Assert.Equal(new[] { ("conv2d", "Identity"), ("maxpool2d", "Identity"), ("conv2d", "ReLU"), ("dense", "Identity") }, network.Layers.Select(l => (l.TypeName, l.Activation)));
        Assert.Contains("BatchNormalization 'batchnormalization_n' (folded)", network.Layers[0].Source, StringComparison.Ordinal);
        Assert.Equal((1, 1, 1), (network.Layers[2].Geometry!.KernelHeight, network.Layers[2].Geometry!.KernelWidth, network.Layers[2].Geometry!.Groups));

        // Every value 0.5, the input all ones: conv 4 * 0.5 + 0.5 = 2.5 everywhere; BatchNorm k (2.5 - 0.5) + 0.5 with
        // k = 0.5 / sqrt(0.5 + 1e-5); the max of equal values; ReLU; times 0.5.
        double k = 0.5 / Math.Sqrt(0.5 + (double)1e-5f);
        using JsonDocument json = JsonDocument.Parse(WeightsJsonWriter.Write(network, "x.onnx"));
        double[] y = Evaluate(json.RootElement, Enumerable.Repeat(1.0, 9).ToArray());
        Assert.Equal(0.5 * ((k * 2) + 0.5), y.Single(), 6);
    }

    /// <summary>Per-channel constants around convolutions: an Add of a [C, 1, 1] bias right after a Conv folds into it; a
    /// Mul after the activation, with no layer to fold into, becomes a 1 x 1 depthwise convolution before the next Conv.
    /// Evaluated: the graph's value by hand.</summary>
    [Fact]
    public void PerChannelMaps_FoldIntoAConv_OrBecomeADepthwiseLayerBeforeTheNext()
    {
        byte[] graph = Graph(
            Node("Conv", ["x", "w"], "c"), Node("Add", ["c", "b"], "a"), Node("Relu", ["a"], "r"), Node("Mul", ["r", "b"], "m"),
            Node("Conv", ["m", "w"], "d"), Node("Flatten", ["d"], "y"),
            Proto.Bytes(5, FloatTensor("w", [1, 1, 2, 2])), Proto.Bytes(5, FloatTensor("b", [1, 1, 1])),
            Proto.Bytes(11, Input("x", 1, 1, 3, 3)), Proto.Bytes(12, Input("y", 1, 1)));
        ImportedNetwork network = OnnxImporter.Import(OnnxModel.Parse(Model(graph, 13)));
        Assert.Equal(new[] { ("conv2d", "ReLU", 1, 2), ("conv2d", "Identity", 1, 1), ("conv2d", "Identity", 1, 2) },
            network.Layers.Select(l => (l.TypeName, l.Activation, l.Geometry!.Groups, l.Geometry.KernelWidth)));
        Assert.Contains("Add 'add_a'", network.Layers[0].Source, StringComparison.Ordinal);
        Assert.Equal("Mul 'mul_m'", network.Layers[1].Source);

        // Every value 0.5, the input all ones: 4 * 0.5 + 0.5 = 2.5, ReLU, times 0.5 is 1.25, then 4 * 0.5 * 1.25 = 2.5.
        using JsonDocument json = JsonDocument.Parse(WeightsJsonWriter.Write(network, "x.onnx"));
        Assert.Equal(2.5, Evaluate(json.RootElement, Enumerable.Repeat(1.0, 9).ToArray()).Single(), 6);
    }

    /// <summary>Padding: alike on both sides, a list per axis; SAME_UPPER, "same"; SAME_LOWER and asymmetric pads,
    /// every axis's start then every axis's end (ONNX's pads order), which the baker and WeightsJson read.</summary>
    [Theory]
    [InlineData("pads", "1,1,1,1", "[1, 1]")]
    [InlineData("pads", "0,1,2,0", "[0, 1, 2, 0]")]
    [InlineData("auto_pad", "SAME_UPPER", "\"same\"")]
    [InlineData("auto_pad", "SAME_LOWER", "[1, 1, 0, 0]")]
    [InlineData("auto_pad", "VALID", "[0, 0]")]
    public void AConvolutionsPadding_IsWrittenInTheFormatsForms(string attribute, string value, string written)
    {
        byte[] setting = attribute == "pads" ? Ints("pads", value.Split(',').Select(long.Parse).ToArray()) : String("auto_pad", value);
        byte[] graph = Graph(
            Node("Conv", ["x", "w"], "y", setting, Ints("strides", 2, 2)), Proto.Bytes(5, FloatTensor("w", [1, 1, 3, 3])),
            Proto.Bytes(11, Input("x", 1, 1, 4, 4)), Proto.Bytes(12, Input("y", 1, 1, 2, 2)));
        string json = WeightsJsonWriter.Write(OnnxImporter.Import(OnnxModel.Parse(Model(graph, 13))), "x.onnx");
        Assert.Contains("\"padding\": " + written + ",", json, StringComparison.Ordinal);
    }

    /// <summary>What NetGen's convolutions and pools cannot compute exactly is refused by an import error that names the
    /// node (index, name, op) and the attribute or the reason, never another exception.</summary>
    [Theory]
    [InlineData("MaxPool with dilations 2", "node 0 ('maxpool_y', MaxPool): dilations [2, 2]; NetGen's pools take dilation 1")]
    [InlineData("MaxPool with storage_order 1", "node 0 ('maxpool_y', MaxPool): storage_order 1")]
    [InlineData("MaxPool whose Indices are read", "node 0 ('maxpool_y', MaxPool): its Indices output is used")]
    [InlineData("MaxPool in ceil mode past the padding", "node 0 ('maxpool_y', MaxPool): ceil_mode 1 gives 3 outputs by ONNX's rule and 2 by PyTorch's")]
    [InlineData("AveragePool of padding only", "node 0 ('averagepool_y', AveragePool): pads [2, 0] leave a window of 2 holding padding only")]
    [InlineData("AveragePool without a kernel", "node 0 ('averagepool_y', AveragePool): it has no kernel_shape")]
    [InlineData("Conv of a 3-D sample", "node 0 ('conv_y', Conv): its input has per-sample shape [1, 2, 4, 4], 3 spatial axes")]
    [InlineData("Conv of a vector", "node 0 ('conv_y', Conv): its input has per-sample shape [4]; NetGen's convolution takes [C, L] (1-D) or [C, H, W] (2-D)")]
    [InlineData("Conv by a weight of other channels", "node 0 ('conv_y', Conv): its weight has shape [1, 2, 2, 2], which takes 2 input channels in 1 group, and its input has 1")]
    [InlineData("Conv with group 2 of 1 channel", "node 0 ('conv_y', Conv): group 2 does not divide its 1 input channels")]
    [InlineData("Conv with auto_pad and pads", "node 0 ('conv_y', Conv): it has both auto_pad SAME_UPPER and pads [1, 1, 1, 1]")]
    [InlineData("Conv larger than its input", "node 0 ('conv_y', Conv): its window of 5 does not fit its padded input of 4 (height)")]
    [InlineData("Conv after a dense layer", "node 2 ('conv_y', Conv): it reads the output of a dense layer (Gemm 'gemm_g')")]
    [InlineData("Softmax of a Conv", "node 2 ('softmax_y', Softmax): it takes the Softmax of a convolution's output (Conv 'conv_c')")]
    [InlineData("Pad before a Relu", "node 1 ('relu_y', Relu): it reads the output of Pad 'pad_p'")]
    [InlineData("Pad in reflect mode", "node 0 ('pad_p', Pad): mode 'reflect'")]
    [InlineData("Pad before a MaxPool", "node 1 ('maxpool_y', MaxPool): it reads the output of Pad 'pad_p'")]
    [InlineData("Transpose of the batch", "node 0 ('transpose_y', Transpose): perm [1, 0, 2, 3] moves the batch (axis 0)")]
    [InlineData("Transpose without perm", "node 0 ('transpose_y', Transpose): perm [3, 2, 1, 0] moves the batch (axis 0) (no perm reverses every axis)")]
    [InlineData("Transpose of 3 axes by 2", "node 0 ('transpose_y', Transpose): perm [0, 2, 1] is not an order of the 4 axes of its input [N, 1, 4, 4]")]
    [InlineData("Transpose before a Conv", "node 1 ('conv_y', Conv): it reads the output of Transpose 'transpose_t', whose layout it depends on")]
    [InlineData("Transpose before a row softmax", "node 1 ('softmax_y', Softmax): it takes the Softmax of groups of 4 values in the layout of Transpose 'transpose_t'")]
    [InlineData("Max with a constant 0.5", "node 0 ('max_y', Max): it is not Max(x, a x) of the data path x and a constant a")]
    [InlineData("Max of x and -0.5 x", "node 1 ('max_y', Max): it is Max(x, -0.5 x) (Mul 'mul_m'), which is not a leaky ReLU")]
    [InlineData("Max of three", "node 0 ('max_y', Max): it takes 3 inputs")]
    public void ConvolutionsAndPools_ThatNetGenCannotCompute_AreRefusedNamingTheNode(string graphName, string expected)
    {
        byte[] planes = Proto.Bytes(11, Input("x", 1, 1, 4, 4));
        byte[] y = Proto.Bytes(12, Input("y", 1, 1));
        byte[] kernel = Ints("kernel_shape", 2, 2);
        byte[] w = Proto.Bytes(5, FloatTensor("w", [1, 1, 2, 2]));
        byte[] pads = Proto.Bytes(5, IntTensor("pads", 0, 0, 1, 1, 0, 0, 1, 1));
        byte[] graph = graphName switch
        {
            "MaxPool with dilations 2" => Graph(Node("MaxPool", ["x"], "y", kernel, Ints("dilations", 2, 2)), planes, y),
            "MaxPool with storage_order 1" => Graph(Node("MaxPool", ["x"], "y", kernel, Int("storage_order", 1)), planes, y),
            "MaxPool whose Indices are read" => Graph(
                Proto.Bytes(1, Proto.Message(Proto.String(1, "x"), Proto.String(2, "y"), Proto.String(2, "i"), Proto.String(3, "maxpool_y"), Proto.String(4, "MaxPool"), Proto.Bytes(5, kernel))),
                Node("Relu", ["i"], "z"), planes, y),
            "MaxPool in ceil mode past the padding" => Graph(
                Node("MaxPool", ["x"], "y", Ints("kernel_shape", 2), Ints("strides", 2), Ints("pads", 0, 1), Int("ceil_mode", 1)), Proto.Bytes(11, Input("x", 1, 1, 4)), y),
            "AveragePool of padding only" => Graph(Node("AveragePool", ["x"], "y", Ints("kernel_shape", 2), Ints("pads", 2, 0)), Proto.Bytes(11, Input("x", 1, 1, 4)), y),
            "AveragePool without a kernel" => Graph(Node("AveragePool", ["x"], "y"), planes, y),
            "Conv of a 3-D sample" => Graph(Node("Conv", ["x", "w"], "y"), w, Proto.Bytes(11, Input("x", 1, 1, 2, 4, 4)), y),
            "Conv of a vector" => Graph(Node("Conv", ["x", "w"], "y"), w, Proto.Bytes(11, Input("x", 1, 4)), y),
            "Conv by a weight of other channels" => Graph(Node("Conv", ["x", "v"], "y"), Proto.Bytes(5, FloatTensor("v", [1, 2, 2, 2])), planes, y),
            "Conv with group 2 of 1 channel" => Graph(Node("Conv", ["x", "w"], "y", Int("group", 2)), w, planes, y),
            "Conv with auto_pad and pads" => Graph(Node("Conv", ["x", "w"], "y", String("auto_pad", "SAME_UPPER"), Ints("pads", 1, 1, 1, 1)), w, planes, y),
            "Conv larger than its input" => Graph(Node("Conv", ["x", "v"], "y"), Proto.Bytes(5, FloatTensor("v", [1, 1, 5, 5])), planes, y),
            "Conv after a dense layer" => Graph(
                Node("Gemm", ["x", "g"], "g"), Node("Reshape", ["g", "s"], "r"), Node("Conv", ["r", "w"], "y"),
                Proto.Bytes(5, FloatTensor("g", [4, 16])), Proto.Bytes(5, IntTensor("s", 1, 1, 4, 4)), w, Proto.Bytes(11, Input("x", 1, 4)), y),
            "Softmax of a Conv" => Graph(Node("Conv", ["x", "w"], "c"), Node("Flatten", ["c"], "f"), Node("Softmax", ["f"], "y"), w, planes, y),
            "Pad before a Relu" => Graph(Node("Pad", ["x", "pads"], "p"), Node("Relu", ["p"], "y"), pads, planes, y),
            "Pad in reflect mode" => Graph(Node("Pad", ["x", "pads"], "p", String("mode", "reflect")), Node("Conv", ["p", "w"], "y"), pads, w, planes, y),
            "Pad before a MaxPool" => Graph(Node("Pad", ["x", "pads"], "p"), Node("MaxPool", ["p"], "y", kernel), pads, planes, y),
            "Transpose of the batch" => Graph(Node("Transpose", ["x"], "y", Ints("perm", 1, 0, 2, 3)), planes, y),
            "Transpose without perm" => Graph(Node("Transpose", ["x"], "y"), planes, y),
            "Transpose of 3 axes by 2" => Graph(Node("Transpose", ["x"], "y", Ints("perm", 0, 2, 1)), planes, y),
            "Transpose before a Conv" => Graph(Node("Transpose", ["x"], "t", Ints("perm", 0, 1, 3, 2)), Node("Conv", ["t", "w"], "y"), w, planes, y),
            "Transpose before a row softmax" => Graph(
                Node("Transpose", ["x"], "t", Ints("perm", 0, 2, 1)), Node("Softmax", ["t"], "y"), Proto.Bytes(11, Input("x", 1, 4, 3)), y),
            "Max with a constant 0.5" => Graph(Node("Max", ["x", "half"], "y"), Proto.Bytes(5, FloatScalar("half", 0.5f)), planes, y),
            "Max of x and -0.5 x" => Graph(
                Node("Mul", ["x", "minus"], "m"), Node("Max", ["x", "m"], "y"), Proto.Bytes(5, FloatScalar("minus", -0.5f)), planes, y),
            "Max of three" => Graph(Node("Max", ["x", "x", "x"], "y"), planes, y),
            _ => throw new ArgumentException(graphName),
        };
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(OnnxModel.Parse(Model(graph, 13))));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    private static byte[] Node(string op, string[] inputs, string output, params byte[][] attributes) => Proto.Bytes(1, Proto.Message(
        inputs.Select(i => Proto.String(1, i)).Append(Proto.String(2, output)).Append(Proto.String(3, op.ToLowerInvariant() + "_" + output)).Append(Proto.String(4, op))
            .Concat(attributes.Select(a => Proto.Bytes(5, a))).ToArray()));

    /// <summary>An INTS attribute (AttributeProto: name 1, ints 8, type 20 = INTS).</summary>
    private static byte[] Ints(string name, params long[] values) =>
        Proto.Message(new[] { Proto.String(1, name) }.Concat(values.Select(v => Proto.Varint(8, v))).Append(Proto.Varint(20, 7)).ToArray());

    /// <summary>A STRING attribute (AttributeProto: name 1, s 4, type 20 = STRING).</summary>
    private static byte[] String(string name, string value) => Proto.Message(Proto.String(1, name), Proto.String(4, value), Proto.Varint(20, 3));

    /// <summary>An INT attribute (AttributeProto: name 1, i 3, type 20 = INT).</summary>
    private static byte[] Int(string name, long value) => Proto.Message(Proto.String(1, name), Proto.Varint(3, value), Proto.Varint(20, 2));

    /// <summary>PyTorch's decomposed LayerNorm of <paramref name="x"/> up to its deviation <c>s{tag}</c>, with the centred
    /// value <c>d{tag}</c> (constants "two" and "eps" are the graph's).</summary>
    private static byte[][] LayerNormChain(string x, string tag) =>
    [
        Node("ReduceMean", [x], "m" + tag, Ints("axes", -1)), Node("Sub", [x, "m" + tag], "d" + tag), Node("Pow", ["d" + tag, "two"], "p" + tag),
        Node("ReduceMean", ["p" + tag], "v" + tag, Ints("axes", -1)), Node("Add", ["v" + tag, "eps"], "e" + tag), Node("Sqrt", ["e" + tag], "s" + tag),
    ];

    /// <summary>A float scalar (a tensor of shape []) holding <paramref name="value"/>.</summary>
    private static byte[] FloatScalar(string name, float value) =>
        Proto.Message(Proto.Varint(2, OnnxTensor.Float), Proto.String(8, name), Proto.Bytes(9, BitConverter.GetBytes(value)));

    /// <summary>A float tensor of the given shape, its values 0.5 each, in raw_data.</summary>
    private static byte[] FloatTensor(string name, long[] dims)
    {
        long count = dims.Aggregate(1L, (p, d) => p * d);
        byte[] raw = Enumerable.Range(0, (int)count).SelectMany(_ => BitConverter.GetBytes(0.5f)).ToArray();
        return Proto.Message(dims.Select(d => Proto.Varint(1, d)).Append(Proto.Varint(2, OnnxTensor.Float)).Append(Proto.String(8, name)).Append(Proto.Bytes(9, raw)).ToArray());
    }

    /// <summary>A 1-D int64 tensor of <paramref name="values"/>.</summary>
    private static byte[] IntTensor(string name, params long[] values) => Proto.Message(
        Proto.Varint(1, values.Length), Proto.Varint(2, OnnxTensor.Int64), Proto.String(8, name), Proto.Bytes(9, values.SelectMany(BitConverter.GetBytes).ToArray()));

    // ----- evaluation of the weights JSON, in double -----

    private static double[][] Rows(JsonElement rows) => rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();

    /// <summary>The layers of a weights JSON evaluated in double; convolutions and pools with their geometry read from
    /// the JSON as docs/weights-format.md describes it, and the planes between them tracked from "input".</summary>
    private static double[] Evaluate(JsonElement weights, double[] x)
    {
        JsonElement input = weights.GetProperty("input");
        int[]? planes = input.ValueKind == JsonValueKind.Array ? Ints(input) : null;
        int count = weights.GetProperty("layers").GetArrayLength();
        bool logSoftmax = weights.GetProperty("onnx").TryGetProperty("output", out JsonElement output) && output.GetString() == "LogSoftmax";
        var layers = new List<ReferenceLayer>();
        foreach ((JsonElement layer, int k) in weights.GetProperty("layers").EnumerateArray().Select((layer, k) => (layer, k)))
        {
            string type = layer.GetProperty("type").GetString()!;
            // A graph that ends in LogSoftmax: its last layer is Identity, and the "onnx" section says so.
            string activation = k == count - 1 && logSoftmax ? "LogSoftmax" : layer.TryGetProperty("activation", out JsonElement a) ? a.GetString()! : "Identity";
            if (type is "dense" or "layernorm")
            {
                layers.Add(new ReferenceLayer(
                    type == "layernorm" ? new[] { layer.GetProperty("weight").EnumerateArray().Select(v => v.GetDouble()).ToArray() } : Rows(layer.GetProperty("weight")),
                    layer.GetProperty("bias").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
                    activation,
                    layer.TryGetProperty("alpha", out JsonElement alpha) ? alpha.GetDouble() : 0,
                    layer.TryGetProperty("epsilon", out JsonElement epsilon) ? epsilon.GetDouble() : 0,
                    layer.TryGetProperty("softmaxSize", out JsonElement softmax) ? softmax.GetInt32() : 0));
                planes = type == "layernorm" ? planes : null; // a dense layer's output is a vector
                continue;
            }

            Assert.True(planes is not null, $"layer {k + 1} ({type}) has no planes before it");
            (ReferenceLayer reference, planes) = Spatial(layer, type, planes!, activation);
            layers.Add(reference);
        }

        return ReferenceLayer.Evaluate(layers, x);
    }

    /// <summary>A convolution or pool of the weights JSON and the planes it gives: the output size on each axis is
    /// <c>floor((n + p0 + p1 - d (k - 1) - 1) / s) + 1</c> (the ceiling in ceil mode, less a last window that would start in
    /// the end padding); "same" pads <c>(out - 1) s + d (k - 1) + 1 - n</c> in all, the odd one at the end.</summary>
    private static (ReferenceLayer Layer, int[] Planes) Spatial(JsonElement layer, string type, int[] planes, string activation)
    {
        bool two = planes.Length == 3;
        int c = planes[0], h = two ? planes[1] : 1, w = planes[^1];
        if (type == "globalavgpool")
        {
            var global = new NetGen.Runtime.ConvolutionShape(c, h, w, c, 1, 1, h, w, 1, 1, 0, 0, 1, 1, 1, 0, 0);
            return (new ReferenceLayer([[]], [], "Identity", 0, Spatial: new SpatialReference("avgpool", global)), two ? [c, 1, 1] : [c, 1]);
        }

        int[] Axes(string name) => layer.TryGetProperty(name, out JsonElement value) ? Ints(value) : (two ? [1, 1] : [1]);
        (int kh, int kw) = Pair(Axes("kernel"));
        (int sh, int sw) = Pair(Axes("stride"));
        (int dh, int dw) = Pair(Axes("dilation"));
        int pt, pl, pb, pr;
        JsonElement padding = layer.GetProperty("padding");
        if (padding.ValueKind == JsonValueKind.String)
        {
            Assert.Equal("same", padding.GetString());
            (pt, pb) = two ? Same(h, kh, sh, dh) : (0, 0);
            (pl, pr) = Same(w, kw, sw, dw);
        }
        else
        {
            int[] pads = Ints(padding);
            (pt, pl, pb, pr) = (two, pads.Length) switch
            {
                (true, 2) => (pads[0], pads[1], pads[0], pads[1]),
                (true, 4) => (pads[0], pads[1], pads[2], pads[3]),
                (false, 1) => (0, pads[0], 0, pads[0]),
                _ => (0, pads[0], 0, pads[1]),
            };
        }

        bool ceil = layer.TryGetProperty("ceil_mode", out JsonElement ceilMode) && ceilMode.GetBoolean();
        int outHeight = Positions(h, kh, sh, dh, pt, pb, ceil), outWidth = Positions(w, kw, sw, dw, pl, pr, ceil);
        bool conv = type.StartsWith("conv", StringComparison.Ordinal);
        int outChannels = conv ? layer.GetProperty("out").GetInt32() : c;
        int groups = conv ? layer.GetProperty("groups").GetInt32() : 1;
        var shape = new NetGen.Runtime.ConvolutionShape(c, h, w, outChannels, outHeight, outWidth, kh, kw, sh, sw, pt, pl, dh, dw, groups, pb, pr);
        var reference = conv
            ? new ReferenceLayer(
                [Flatten(layer.GetProperty("weight")).ToArray()],
                layer.GetProperty("bias").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
                activation,
                layer.TryGetProperty("alpha", out JsonElement alpha) ? alpha.GetDouble() : 0,
                Spatial: new SpatialReference("conv", shape))
            : new ReferenceLayer([[]], [], "Identity", 0, Spatial: new SpatialReference(
                type.StartsWith("max", StringComparison.Ordinal) ? "maxpool" : "avgpool",
                shape,
                layer.TryGetProperty("count_include_pad", out JsonElement counted) ? counted.GetBoolean() : true));
        return (reference, two ? [outChannels, outHeight, outWidth] : [outChannels, outWidth]);

        (int Height, int Width) Pair(int[] axes) => two ? (axes[0], axes[1]) : (1, axes[0]);

        static (int Before, int After) Same(int n, int k, int s, int d)
        {
            int total = Math.Max(0, (((n + s - 1) / s) - 1) * s + (d * (k - 1)) + 1 - n);
            return (total / 2, total - (total / 2));
        }

        static int Positions(int n, int k, int s, int d, int before, int after, bool ceil)
        {
            int span = n + before + after - (d * (k - 1)) - 1;
            int outputs = (ceil ? (span + s - 1) / s : span / s) + 1;
            return ceil && (outputs - 1) * s >= n + before ? outputs - 1 : outputs;
        }

        static IEnumerable<double> Flatten(JsonElement value) =>
            value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().SelectMany(Flatten) : [value.GetDouble()];
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    // ----- hand-made models -----

    private static byte[] Model(byte[] graph, int opset) => Proto.Message(
        Proto.Varint(1, 8),
        Proto.String(2, "test"),
        Proto.Bytes(7, graph),
        Proto.Bytes(8, Proto.Message(Proto.String(1, string.Empty), Proto.Varint(2, opset))));

    private static byte[] Graph(params byte[][] fields) => Proto.Message(fields);

    /// <summary>A float tensor input or output of shape [batch, ...dims]; a dimension of -1 is a named dynamic one.</summary>
    private static byte[] Input(string name, params long[] dims)
    {
        byte[][] dimensions = dims.Select((d, i) => Proto.Bytes(1, d < 0 ? Proto.Message(Proto.String(2, "n" + i)) : Proto.Message(Proto.Varint(1, d)))).ToArray();
        byte[] tensorType = Proto.Message(Proto.Varint(1, OnnxTensor.Float), Proto.Bytes(2, Proto.Message(dimensions)));
        return Proto.Message(Proto.String(1, name), Proto.Bytes(2, Proto.Message(Proto.Bytes(1, tensorType))));
    }

    /// <summary>The protobuf wire format, written: enough to make test models.</summary>
    private static class Proto
    {
        public static byte[] Message(params byte[][] fields) => fields.SelectMany(f => f).ToArray();

        public static byte[] Varint(int field, long value) => Tag(field, 0).Concat(Raw((ulong)value)).ToArray();

        public static byte[] Bytes(int field, byte[] bytes) => Tag(field, 2).Concat(Raw((ulong)bytes.Length)).Concat(bytes).ToArray();

        public static byte[] String(int field, string text) => Bytes(field, System.Text.Encoding.UTF8.GetBytes(text));

        private static byte[] Tag(int field, int wireType) => Raw((ulong)((field << 3) | wireType));

        private static byte[] Raw(ulong value)
        {
            var bytes = new List<byte>();
            do
            {
                byte b = (byte)(value & 0x7F);
                value >>= 7;
                bytes.Add(value == 0 ? b : (byte)(b | 0x80));
            }
            while (value != 0);
            return bytes.ToArray();
        }
    }
}
