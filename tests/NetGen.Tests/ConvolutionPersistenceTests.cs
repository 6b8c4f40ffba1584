using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using NetGen.Persistence;
using NetGen.TestSupport;

namespace NetGen.Tests;

/// <summary>Convolutional networks through the weights JSON (PyTorch's layout) and the binary parameter file: round trips
/// that keep every bit, the documented fields, and refusals that name the layer and leave the parameters as they were.</summary>
public class ConvolutionPersistenceTests
{
    [Fact]
    public void LeNet5_RoundTripsThroughTheWeightsJson_BitForBit_InPyTorchsLayout()
    {
        var net = new LeNet5();
        net.InitializeParameters(7);
        string json = WeightsJson.Export(net);

        using (JsonDocument document = JsonDocument.Parse(json))
        {
            JsonElement root = document.RootElement;
            Assert.Equal(new[] { 1, 28, 28 }, root.GetProperty("input").EnumerateArray().Select(e => e.GetInt32()));
            JsonElement conv = root.GetProperty("layers")[0];
            Assert.Equal("conv2d", conv.GetProperty("type").GetString());
            Assert.Equal(new[] { 5, 5 }, conv.GetProperty("kernel").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(new[] { 2, 2 }, conv.GetProperty("padding").EnumerateArray().Select(e => e.GetInt32()));
            // Conv2d.weight's shape, [out][in/groups][kh][kw], and its first value where NetGen keeps it.
            JsonElement weight = conv.GetProperty("weight");
            Assert.Equal(6, weight.GetArrayLength());
            Assert.Equal(1, weight[0].GetArrayLength());
            Assert.Equal(5, weight[0][0].GetArrayLength());
            Assert.Equal(5, weight[0][0][0].GetArrayLength());
            Assert.Equal(net.Parameters[(((2 * 1 * 5) + 3) * 5) + 4], weight[2][0][3][4].GetSingle());
            Assert.Equal("maxpool2d", root.GetProperty("layers")[1].GetProperty("type").GetString());
            Assert.Equal(16, root.GetProperty("layers")[2].GetProperty("weight").GetArrayLength());
        }

        var copy = new LeNet5();
        WeightsJson.Import(copy, json);
        Assert.Equal(net.Parameters.ToArray(), copy.Parameters.ToArray());
    }

    [Fact]
    public void KeywordNet_RoundTripsThroughBothFormats_WithItsCausalPadding()
    {
        var net = new KeywordNet();
        net.InitializeParameters(3);
        string json = WeightsJson.Export(net);
        Assert.Contains("\"causal\"", json, StringComparison.Ordinal);
        Assert.Contains("\"globalavgpool\"", json, StringComparison.Ordinal);
        var copy = new KeywordNet();
        WeightsJson.Import(copy, json);
        Assert.Equal(net.Parameters.ToArray(), copy.Parameters.ToArray());

        string path = Path.Combine(Path.GetTempPath(), $"netgen-keyword-{Guid.NewGuid():N}.ngp");
        try
        {
            ParameterFile.Save(net, path);
            var loaded = new KeywordNet();
            ParameterFile.Load(loaded, path);
            Assert.Equal(net.Parameters.ToArray(), loaded.Parameters.ToArray());
            // A file saved from another topology is refused by name.
            var lenet = new LeNet5();
            Assert.ThrowsAny<Exception>(() => ParameterFile.Load(lenet, path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PReluSlopes_StartAtAlpha_AndRoundTripAsAlphaLists()
    {
        var net = new PReluNet();
        LayerInfo conv = PReluNet.Layers[0], dense = PReluNet.Layers[2];
        Assert.Equal(4, conv.SlopeCount);
        Assert.Equal(5, dense.SlopeCount);
        Assert.All(net.Parameters.Slice(conv.SlopeOffset, 4).ToArray(), s => Assert.Equal(0.25f, s)); // nn.PReLU's default
        Assert.All(net.Parameters.Slice(dense.SlopeOffset, 5).ToArray(), s => Assert.Equal(0.1f, s));
        Assert.Equal(PReluNet.ParameterCount, dense.SlopeOffset + 5 + (5 * 2) + 2);

        var random = new Random(4);
        for (int i = 0; i < net.Parameters.Length; i++)
        {
            net.Parameters[i] = (float)(random.NextDouble() - 0.5);
        }

        string json = WeightsJson.Export(net);
        using (JsonDocument document = JsonDocument.Parse(json))
        {
            Assert.Equal(4, document.RootElement.GetProperty("layers")[0].GetProperty("alpha").GetArrayLength());
        }

        var copy = new PReluNet();
        WeightsJson.Import(copy, json);
        Assert.Equal(net.Parameters.ToArray(), copy.Parameters.ToArray());

        // Slopes of the wrong count are refused, and nothing changes.
        System.Text.Json.Nodes.JsonNode root = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        root["layers"]![2]!["alpha"]!.AsArray().RemoveAt(0);
        var target = new PReluNet();
        float[] before = target.Parameters.ToArray();
        var error = Assert.Throws<InvalidDataException>(() => WeightsJson.Import(target, root.ToJsonString()));
        Assert.Contains("expected alpha (the PReLU slopes) of shape [5]", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, target.Parameters.ToArray());
    }

    [Theory]
    [InlineData("\"kernel\": [\n        5,\n        5\n      ]", "\"kernel\": [3, 3]", "expected \"kernel\" [5,5], found [3,3]")]
    [InlineData("\"padding\": [\n        2,\n        2\n      ]", "\"padding\": \"same\"", "expected padding [2,2], found \"same\"")]
    [InlineData("\"groups\": 1", "\"groups\": 2", "expected 1 groups, found 2")]
    [InlineData("\"type\": \"maxpool2d\"", "\"type\": \"avgpool2d\"", "the file has a avgpool2d layer")]
    public void AMismatchedConvolution_IsRefused_NamingTheLayer_AndLeavesTheParameters(string original, string replacement, string problem)
    {
        var net = new LeNet5();
        net.InitializeParameters(7);
        string json = WeightsJson.Export(net);
        Assert.Contains(original, json, StringComparison.Ordinal);
        string broken = ReplaceFirst(json, original, replacement);

        var target = new LeNet5();
        float[] before = target.Parameters.ToArray();
        var error = Assert.Throws<InvalidDataException>(() => WeightsJson.Import(target, broken));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains("layer ", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, target.Parameters.ToArray());
    }

    /// <summary>Padding in ONNX's pads order (every axis's start, then every axis's end), the form an imported model with
    /// different padding on the two sides of an axis is written in, is read too, and must match both sides.</summary>
    [Fact]
    public void PaddingInOnnxsPadsOrder_IsRead_AndMustMatchBothSides()
    {
        var net = new LeNet5();
        net.InitializeParameters(7);
        string json = WeightsJson.Export(net);
        const string Symmetric = "\"padding\": [\n        2,\n        2\n      ]";
        var copy = new LeNet5();
        WeightsJson.Import(copy, ReplaceFirst(json, Symmetric, "\"padding\": [2, 2, 2, 2]"));
        Assert.Equal(net.Parameters.ToArray(), copy.Parameters.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => WeightsJson.Import(new LeNet5(), ReplaceFirst(json, Symmetric, "\"padding\": [2, 2, 2, 3]")));
        Assert.Contains("expected \"padding\" [2,2,2,2], found [2,2,2,3]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AConvolutionWeightOfTheWrongShape_IsRefused_WithTheExpectedShape()
    {
        var net = new LeNet5();
        string json = WeightsJson.Export(net);
        // Drop the last kernel row of the first filter: [6][1][5][5] becomes ragged.
        System.Text.Json.Nodes.JsonNode root = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        root["layers"]![0]!["weight"]![0]![0]!.AsArray().RemoveAt(4);
        string broken = root.ToJsonString();
        var target = new LeNet5();
        float[] before = target.Parameters.ToArray();
        var error = Assert.Throws<InvalidDataException>(() => WeightsJson.Import(target, broken));
        Assert.Contains("expected weight of shape [6, 1, 5, 5]", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, target.Parameters.ToArray());
    }

    private static string ReplaceFirst(string text, string old, string replacement)
    {
        int at = text.IndexOf(old, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{old}' is not in the text");
        return text.Substring(0, at) + replacement + text.Substring(at + old.Length);
    }
}

/// <summary>Convolutional models trained in PyTorch and written by scripts/make-onnx-models.py as weights JSON: imported
/// into the same architectures declared in NetGen, they give PyTorch's outputs (its softmax of the logits).</summary>
public class ConvolutionFromPyTorchTests
{
    [Theory]
    [InlineData("lenet5_op13")]
    [InlineData("keyword_conv1d_op13")]
    [InlineData("depthwise_op13")]
    public void WeightsJsonFromPyTorch_GivesPyTorchsOutputs(string name)
    {
        INeuralNetwork<float> net = name switch
        {
            "lenet5_op13" => new LeNet5(),
            "keyword_conv1d_op13" => new TorchKeywordNet(),
            _ => new TorchDepthwiseNet(),
        };
        string folder = Path.Combine(Repository.Root, "tests", "NetGen.Tests", "TestData", "onnx");
        WeightsJson.Import(net, File.ReadAllText(Path.Combine(folder, name + ".json")));
        using JsonDocument references = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "references.json")));
        JsonElement model = references.RootElement.GetProperty("models").GetProperty(name);
        float[][] inputs = model.GetProperty("inputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        float[][] expected = model.GetProperty("softmaxOutputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        var y = new float[net.OutputSize];
        for (int s = 0; s < inputs.Length; s++)
        {
            net.Forward(inputs[s], y);
            for (int k = 0; k < y.Length; k++)
            {
                Assert.True(Math.Abs(y[k] - expected[s][k]) <= 1e-5, $"{name}, sample {s}, output {k}: NetGen {y[k]:R}, PyTorch {expected[s][k]:R}");
            }
        }
    }
}
