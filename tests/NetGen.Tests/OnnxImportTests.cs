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

    private static byte[] Node(string op, string[] inputs, string output, params byte[][] attributes) => Proto.Bytes(1, Proto.Message(
        inputs.Select(i => Proto.String(1, i)).Append(Proto.String(2, output)).Append(Proto.String(3, op.ToLowerInvariant() + "_" + output)).Append(Proto.String(4, op))
            .Concat(attributes.Select(a => Proto.Bytes(5, a))).ToArray()));

    /// <summary>An INTS attribute (AttributeProto: name 1, ints 8, type 20 = INTS).</summary>
    private static byte[] Ints(string name, params long[] values) =>
        Proto.Message(new[] { Proto.String(1, name) }.Concat(values.Select(v => Proto.Varint(8, v))).Append(Proto.Varint(20, 7)).ToArray());

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

    private static double[] Evaluate(JsonElement weights, double[] x) => ReferenceLayer.Evaluate(
        weights.GetProperty("layers").EnumerateArray().Select((layer, k) => new ReferenceLayer(
            layer.GetProperty("type").GetString() == "layernorm"
                ? new[] { layer.GetProperty("weight").EnumerateArray().Select(v => v.GetDouble()).ToArray() }
                : Rows(layer.GetProperty("weight")),
            layer.GetProperty("bias").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
            // A graph that ends in LogSoftmax: its last layer is Identity, and the "onnx" section says so.
            k == weights.GetProperty("layers").GetArrayLength() - 1 && weights.GetProperty("onnx").TryGetProperty("output", out JsonElement output) && output.GetString() == "LogSoftmax"
                ? "LogSoftmax"
                : layer.GetProperty("activation").GetString()!,
            layer.TryGetProperty("alpha", out JsonElement alpha) ? alpha.GetDouble() : 0,
            layer.TryGetProperty("epsilon", out JsonElement epsilon) ? epsilon.GetDouble() : 0,
            layer.TryGetProperty("softmaxSize", out JsonElement softmax) ? softmax.GetInt32() : 0)),
        x);

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
