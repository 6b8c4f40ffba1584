using System;
using System.IO;
using System.Linq;
using NetGen.Data;
using NetGen.Persistence;

namespace NetGen.Tests;

/// <summary>Saved parameters load back bit for bit; any wrong or damaged file is refused and changes nothing.</summary>
public sealed class PersistenceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-persistence-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void SaveThenLoad_GivesBitIdenticalParametersPredictionsAndStandardizer()
    {
        var net = new XorNet();
        net.InitializeParameters(17);
        var standardizer = new Standardizer([1.5, -2], [0.5, 3]);
        string path = Path.Combine(_folder, "xor.ngp");
        ParameterFile.Save(net, path, standardizer);

        var loaded = new XorNet();
        Standardizer? restored = ParameterFile.Load(loaded, path);

        Assert.Equal(net.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits), loaded.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits));
        Assert.NotNull(restored);
        Assert.Equal(standardizer.Mean, restored.Mean);
        Assert.Equal(standardizer.StandardDeviation, restored.StandardDeviation);
        float[] y1 = new float[1], y2 = new float[1];
        net.Forward([0.3f, 0.9f], y1);
        loaded.Forward([0.3f, 0.9f], y2);
        Assert.Equal(BitConverter.SingleToInt32Bits(y1[0]), BitConverter.SingleToInt32Bits(y2[0]));
    }

    [Fact]
    public void AFileForAnotherTopology_IsRefused_NamingBoth_AndChangesNothing()
    {
        string path = Path.Combine(_folder, "spiral.ngp");
        ParameterFile.Save(new SpiralNet(), path);
        var net = new XorNet();
        float[] before = net.Parameters.ToArray();

        var e = Assert.Throws<InvalidDataException>(() => ParameterFile.Load(net, path));

        Assert.Contains("different topology", e.Message, StringComparison.Ordinal);
        Assert.Contains("dense 2 -> 16 Tanh", e.Message, StringComparison.Ordinal);
        Assert.Contains("dense 2 -> 4 Tanh", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void ATruncatedFile_IsRefusedAtEveryLength_AndChangesNothing()
    {
        var saved = new XorNet();
        saved.InitializeParameters(3);
        byte[] bytes = ParameterFile.ToBytes(saved);
        var net = new XorNet();
        float[] before = net.Parameters.ToArray();
        for (int length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<InvalidDataException>(() => ParameterFile.FromBytes(net, bytes.AsSpan(0, length)));
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            Assert.Equal(before, net.Parameters.ToArray());
        }
    }

    [Fact]
    public void AnyOneFlippedByte_IsRefused_AndChangesNothing()
    {
        var saved = new XorNet();
        saved.InitializeParameters(3);
        byte[] bytes = ParameterFile.ToBytes(saved);
        var net = new XorNet();
        float[] before = net.Parameters.ToArray();
        for (int i = 0; i < bytes.Length; i++)
        {
            byte[] corrupt = (byte[])bytes.Clone();
            corrupt[i] ^= 0x5A;
            Assert.Throws<InvalidDataException>(() => ParameterFile.FromBytes(net, corrupt));
            Assert.Equal(before, net.Parameters.ToArray());
        }
    }

    [Fact]
    public void ADoubleFile_IsRefusedByAFloatNetwork()
    {
        byte[] bytes = ParameterFile.ToBytes(new LinearRegression());
        var e = Assert.Throws<InvalidDataException>(() => ParameterFile.FromBytes(new XorNet(), bytes));
        Assert.Contains("64-bit", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_RoundTrips_InPyTorchOrder()
    {
        var net = new XorNet();
        net.InitializeParameters(8);
        string json = WeightsJson.Export(net);

        var loaded = new XorNet();
        WeightsJson.Import(loaded, json);

        Assert.Equal(net.Parameters.ToArray(), loaded.Parameters.ToArray());
        // nn.Linear order: weight[i][j] is unit i's weight from input j, stored input-major at j * 4 + i.
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var weight = document.RootElement.GetProperty("layers")[0].GetProperty("weight");
        Assert.Equal(4, weight.GetArrayLength());
        Assert.Equal(net.Parameters[1 * 4 + 2], weight[2][1].GetSingle());
    }

    [Theory]
    [InlineData("\"out\": 4", "\"out\": 5", "expected 4 x 2, found 5 x 2")]
    [InlineData("\"activation\": \"Tanh\"", "\"activation\": \"ReLU\"", "expected activation Tanh, found ReLU")]
    [InlineData("\"format\"", "\"formaat\"", "has no \"format\"")]
    public void Json_ThatDoesNotFit_IsRefusedNamingTheProblem_AndChangesNothing(string find, string replace, string expected)
    {
        var net = new XorNet();
        string json = WeightsJson.Export(net).Replace(find, replace, StringComparison.Ordinal);
        net.InitializeParameters(99);
        float[] before = net.Parameters.ToArray();

        var e = Assert.Throws<InvalidDataException>(() => WeightsJson.Import(net, json));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void Json_OfALayerNorm_RoundTrips_AsNnLayerNormsWeightAndBias()
    {
        var net = new LayerNormNet();
        net.InitializeParameters(3);
        for (int i = 0; i < 5; i++)
        {
            net.Parameters[20 + i] = 1 + (0.1f * i); // gamma, away from its initial 1
            net.Parameters[25 + i] = -0.05f * i;     // beta
        }

        string json = WeightsJson.Export(net);
        var loaded = new LayerNormNet();
        WeightsJson.Import(loaded, json);

        Assert.Equal(net.Parameters.ToArray(), loaded.Parameters.ToArray());
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var layer = document.RootElement.GetProperty("layers")[1];
        Assert.Equal("layernorm", layer.GetProperty("type").GetString());
        Assert.Equal(1e-4, layer.GetProperty("epsilon").GetDouble());
        Assert.Equal(5, layer.GetProperty("weight").GetArrayLength()); // one-dimensional, as nn.LayerNorm's state_dict
        Assert.Equal(net.Parameters[23], layer.GetProperty("weight")[3].GetSingle());
        Assert.Equal(net.Parameters[28], layer.GetProperty("bias")[3].GetSingle());
        Assert.Contains("layernorm 5 eps 0.0001 ReLU", Topology.Describe(net), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"epsilon\": 0.0001", "\"epsilon\": 1E-05", "expected epsilon 0.0001, found 1E-05")]
    [InlineData("\"type\": \"layernorm\"", "\"type\": \"dense\"", "the file has a dense layer")]
    [InlineData("\"epsilon\": 0.0001,", "", "has no \"epsilon\"")]
    public void Json_OfALayerNorm_ThatDoesNotFit_IsRefused_AndChangesNothing(string find, string replace, string expected)
    {
        var net = new LayerNormNet();
        string json = WeightsJson.Export(net);
        Assert.Contains(find, json, StringComparison.Ordinal);
        json = json.Replace(find, replace, StringComparison.Ordinal);
        net.InitializeParameters(99);
        float[] before = net.Parameters.ToArray();

        var e = Assert.Throws<InvalidDataException>(() => WeightsJson.Import(net, json));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void Json_OfALayerNorm_WithAGammaOfTheWrongLength_IsRefused()
    {
        var net = new LayerNormNet();
        string json = WeightsJson.Export(net);
        int start = json.IndexOf("\"layernorm\"", StringComparison.Ordinal);
        int weight = json.IndexOf("\"weight\": [", start, StringComparison.Ordinal) + "\"weight\": [".Length;
        json = json.Insert(weight, "1.5, ");

        var e = Assert.Throws<InvalidDataException>(() => WeightsJson.Import(net, json));

        Assert.Contains("layer 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected weight of shape [5], found [6]", e.Message, StringComparison.Ordinal);
    }
}
