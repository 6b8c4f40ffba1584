using System;
using System.IO;
using NetGen.Persistence;

namespace NetGen.Tests;

/// <summary>Weights files that NetGen did not write: <c>alpha</c> left out (the activation's default, as <c>[Dense]</c>
/// and baking take it) and activation names in another case.</summary>
public class WeightsInteropTests
{
    /// <summary>A hand-written file for <see cref="DefaultAlphaNet"/> (2 -> ELU 3 -> LeakyReLU 2 -> sigmoid 1): no
    /// <c>alpha</c> anywhere, activations and types in lower case, as Keras and PyTorch exporters write them. The baked
    /// half of the interop test reuses this text.</summary>
    public static readonly string LowerCaseNoAlphaJson =
        File.ReadAllText(Path.Combine(NetGen.TestSupport.Repository.Root, "tests", "NetGen.Tests", "TestData", "lower-case-no-alpha.json"));

    [Fact]
    public void TheSameFile_BakedByTheBuild_GivesIdenticalParameters_AndOutputs()
    {
        var net = new DefaultAlphaNet();
        WeightsJson.Import(net, LowerCaseNoAlphaJson);
        Assert.Equal(net.Parameters.ToArray(), DefaultAlphaBaked.Parameters.ToArray());
        float[] trained = new float[1], baked = new float[1];
        for (int i = -4; i <= 4; i++)
        {
            float[] x = [i * 0.75f, 1.5f - i];
            net.Forward(x, trained);
            DefaultAlphaBaked.Forward(x, baked);
            Assert.Equal(BitConverter.SingleToInt32Bits(trained[0]), BitConverter.SingleToInt32Bits(baked[0]));
            Assert.Equal(net.Classify(x), DefaultAlphaBaked.Classify(x));
        }
    }

    [Fact]
    public void ALayerWithoutBias_ExportsNoBias_AndImportsBack()
    {
        var net = new NoBiasNet();
        string json = WeightsJson.Export(net);
        using (var document = System.Text.Json.JsonDocument.Parse(json))
        {
            var layers = document.RootElement.GetProperty("layers");
            Assert.False(layers[0].TryGetProperty("bias", out _));
            Assert.True(layers[1].TryGetProperty("bias", out _));
        }

        var copy = new NoBiasNet();
        copy.InitializeParameters(7);
        WeightsJson.Import(copy, json);
        Assert.Equal(net.Parameters.ToArray(), copy.Parameters.ToArray());
        Assert.Equal(3 * 4 + 4 * 2 + 2, NoBiasNet.ParameterCount);
        Assert.Equal("dense 3 -> 4 Tanh no bias", NoBiasNet.Layers[0].ToString());
    }

    [Fact]
    public void ABiasInTheFile_ForALayerWithoutBias_IsRefused_AndLeavesTheParameters()
    {
        var net = new NoBiasNet();
        float[] before = net.Parameters.ToArray();
        string json = WeightsJson.Export(net).Replace("\"weight\"", "\"bias\": [0, 0, 0, 0], \"weight\"", StringComparison.Ordinal);

        var e = Assert.Throws<InvalidDataException>(() => WeightsJson.Import(net, json));

        Assert.Contains("layer 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("has no bias", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void AParameterFile_RoundTrips_AndRefusesANetworkThatHasBiases()
    {
        string path = Path.Combine(Path.GetTempPath(), $"netgen-nobias-{Guid.NewGuid():N}.ngp");
        try
        {
            var net = new NoBiasNet();
            NetGen.Persistence.ParameterFile.Save(net, path);
            var copy = new NoBiasNet();
            copy.InitializeParameters(5);
            NetGen.Persistence.ParameterFile.Load(copy, path);
            Assert.Equal(net.Parameters.ToArray(), copy.Parameters.ToArray());

            var withBias = new WithBiasNet();
            float[] before = withBias.Parameters.ToArray();
            var e = Assert.Throws<InvalidDataException>(() => NetGen.Persistence.ParameterFile.Load(withBias, path));
            Assert.Contains("no bias", e.Message, StringComparison.Ordinal);
            Assert.Equal(before, withBias.Parameters.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The parameters <see cref="LowerCaseNoAlphaJson"/> holds, in the network's layout: per layer the
    /// weights input-major (<c>W[j * out + i]</c> is weight[i][j]), then the bias.</summary>
    public static readonly float[] LowerCaseNoAlphaParameters =
    [
        0.5f, 2.0f, -0.5f, -1.25f, 0.75f, 1.5f, 0.1f, -0.2f, 0.0f,
        1.5f, -0.75f, -2.0f, 1.0f, 0.25f, 0.5f, -0.5f, 0.25f,
        1.0f, -1.0f, 0.125f,
    ];

    [Fact]
    public void AFileWithoutAlpha_AndWithLowerCaseActivations_Imports()
    {
        var net = new DefaultAlphaNet();

        WeightsJson.Import(net, LowerCaseNoAlphaJson);

        Assert.Equal(LowerCaseNoAlphaParameters, net.Parameters.ToArray());
        Assert.Equal(1.0, DefaultAlphaNet.Layers[0].Alpha);
        Assert.Equal(0.01, DefaultAlphaNet.Layers[1].Alpha);
    }

    [Fact]
    public void TheImportedNetwork_ComputesWithTheDefaultAlphas()
    {
        var net = new DefaultAlphaNet();
        WeightsJson.Import(net, LowerCaseNoAlphaJson);
        float[] y = new float[1];

        net.Forward([1f, 2f], y);

        // By hand: a1 = W1 x + b1 = [-1.9, 3.3, 2.5], ELU with alpha 1; a2 = W2 h1 + b2, LeakyReLU with alpha 0.01;
        // y = sigmoid(h2[0] - h2[1] + 0.125). The negative a1[0] and a2[0] exercise both alphas.
        double[] a1 = [(0.5 * 1) - (1.25 * 2) + 0.1, (2.0 * 1) + (0.75 * 2) - 0.2, (-0.5 * 1) + (1.5 * 2) + 0.0];
        double[] h1 = [a1[0] > 0 ? a1[0] : Math.Exp(a1[0]) - 1, a1[1], a1[2]];
        double[] a2 = [(1.5 * h1[0]) - (2.0 * h1[1]) + (0.25 * h1[2]) - 0.5, (-0.75 * h1[0]) + h1[1] + (0.5 * h1[2]) + 0.25];
        double[] h2 = [a2[0] > 0 ? a2[0] : 0.01 * a2[0], a2[1] > 0 ? a2[1] : 0.01 * a2[1]];
        double expected = 1 / (1 + Math.Exp(-(h2[0] - h2[1] + 0.125)));
        Assert.True(Math.Abs(expected - y[0]) <= 1e-6, $"expected {expected:R}, got {y[0]:R}");
    }

    [Fact]
    public void AnAlphaThatIsGiven_MustStillMatch()
    {
        var net = new DefaultAlphaNet();
        float[] before = net.Parameters.ToArray();
        string json = LowerCaseNoAlphaJson.Replace("\"activation\": \"leakyrelu\",", "\"activation\": \"leakyrelu\", \"alpha\": 0.2,", StringComparison.Ordinal);

        var e = Assert.Throws<InvalidDataException>(() => WeightsJson.Import(net, json));

        Assert.Contains("expected alpha 0.01, found 0.2", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void AnExportedFile_WritesTheDefaultAlphas_AndReadsBack()
    {
        var net = new DefaultAlphaNet();
        WeightsJson.Import(net, LowerCaseNoAlphaJson);
        var copy = new DefaultAlphaNet();

        WeightsJson.Import(copy, WeightsJson.Export(net));

        Assert.Equal(net.Parameters.ToArray(), copy.Parameters.ToArray());
    }

    [Fact]
    public void AnotherVersion_IsRefused()
    {
        var e = Assert.Throws<InvalidDataException>(() => WeightsJson.Import(new DefaultAlphaNet(), LowerCaseNoAlphaJson.Replace("\"version\": 1", "\"version\": 2", StringComparison.Ordinal)));

        Assert.Contains("version 1 only", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>ELU and LeakyReLU at their default alphas (1 and 0.01), for <see cref="WeightsInteropTests"/>.</summary>
[Input(2)]
[Dense(3, Activation.ELU)]
[Dense(2, Activation.LeakyReLU)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class DefaultAlphaNet;

/// <summary>The same lower-case, alpha-less file baked at build time (AdditionalFiles in the project).</summary>
[Input(2)]
[Dense(3, Activation.ELU)]
[Dense(2, Activation.LeakyReLU)]
[Dense(1, Activation.Sigmoid)]
[Weights("TestData/lower-case-no-alpha.json")]
public static partial class DefaultAlphaBaked;

/// <summary>A first layer without bias (nn.Linear(bias=False)), then one with.</summary>
[Input(3)]
[Dense(4, Activation.Tanh, Bias = false)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
public partial class NoBiasNet;

/// <summary>The same topology with every bias.</summary>
[Input(3)]
[Dense(4, Activation.Tanh)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
public partial class WithBiasNet;
