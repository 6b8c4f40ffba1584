using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Tests;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Reference.Tests;

/// <summary>Import from PyTorch, the whole path: a model trained in TorchSharp, its state_dict written to NetGen's
/// weights JSON exactly as docs/weights-format.md's Python snippet writes it, baked by the generator, and the baked
/// network's outputs compared with TorchSharp's (float32, one thread): within 1e-6.</summary>
public class BakedFromTorchTests
{
    private const double Tolerance = 1e-6;
    private readonly ITestOutputHelper _output;

    public BakedFromTorchTests(ITestOutputHelper output)
    {
        _output = output;
        torch.set_num_threads(1);
    }

    public static TheoryData<string> Models => new() { "S_Tanh", "Digits_ReluSoftmax", "Mixed_LeakyEluSigmoid" };

    [Theory]
    [MemberData(nameof(Models))]
    public void TorchModel_ExportedAndBaked_MatchesTorchSharpWithin1e6(string name)
    {
        torch.manual_seed(20261129);
        (Sequential model, string declaration, string[] activations, int inputs) = Create(name);
        using var _ = model;
        Train(model, inputs);

        string json = ExportNetGen(model.state_dict(), activations);
        Assembly baked = GeneratorHarness.CompileAndLoad(
            new[] { "using NetGen;\n" + declaration + " [Weights(\"model.json\")]\npublic static partial class Baked;" },
            new AdditionalText[] { new GeneratorHarness.InMemoryText("/models/model.json", json) });
        MethodInfo forward = baked.GetType("Baked")!.GetMethod("Forward")!;
        var run = forward.CreateDelegate<Forward>();

        const int Samples = 256;
        using Tensor x = torch.rand(Samples, inputs) * 4 - 2;
        float[] expected;
        using (torch.no_grad())
        {
            using Tensor y = model.forward(x);
            expected = y.data<float>().ToArray();
        }

        float[] input = x.data<float>().ToArray();
        int outputs = expected.Length / Samples;
        var actual = new float[outputs];
        double worst = 0;
        for (int s = 0; s < Samples; s++)
        {
            run(input.AsSpan(s * inputs, inputs), actual);
            for (int k = 0; k < outputs; k++)
            {
                double error = Math.Abs(actual[k] - expected[(s * outputs) + k]);
                worst = Math.Max(worst, error);
                Assert.True(error <= Tolerance, $"{name}: sample {s}, output {k}: baked {actual[k]:R}, TorchSharp {expected[(s * outputs) + k]:R}");
            }
        }

        _output.WriteLine($"{name}: baked vs TorchSharp, worst absolute difference {worst:E2} over {Samples} samples");
    }

    private delegate void Forward(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>The model in TorchSharp and the same topology as NetGen attributes.</summary>
    private static (Sequential Model, string Declaration, string[] Activations, int Inputs) Create(string name) => name switch
    {
        "S_Tanh" => (
            nn.Sequential(("fc1", nn.Linear(8, 16)), ("tanh1", nn.Tanh()), ("fc2", nn.Linear(16, 16)), ("tanh2", nn.Tanh()), ("fc3", nn.Linear(16, 1))),
            "[Input(8)] [Dense(16, Activation.Tanh)] [Dense(16, Activation.Tanh)] [Dense(1)]",
            new[] { "Tanh", "Tanh", "Identity" },
            8),
        "Digits_ReluSoftmax" => (
            nn.Sequential(("fc1", nn.Linear(64, 32)), ("relu", nn.ReLU()), ("fc2", nn.Linear(32, 10)), ("softmax", nn.Softmax(1))),
            "[Input(64)] [Dense(32, Activation.ReLU)] [Dense(10, Activation.Softmax)]",
            new[] { "ReLU", "Softmax" },
            64),
        _ => (
            nn.Sequential(("fc1", nn.Linear(5, 12)), ("leaky", nn.LeakyReLU(0.01)), ("fc2", nn.Linear(12, 7)), ("elu", nn.ELU()), ("fc3", nn.Linear(7, 3)), ("sigmoid", nn.Sigmoid())),
            "[Input(5)] [Dense(12, Activation.LeakyReLU)] [Dense(7, Activation.ELU)] [Dense(3, Activation.Sigmoid)]",
            new[] { "LeakyReLU", "ELU", "Sigmoid" },
            5),
    };

    /// <summary>Fifty Adam steps on random regression targets, so the weights are a trained model's.</summary>
    private static void Train(Sequential model, int inputs)
    {
        using Tensor x = torch.randn(64, inputs);
        using Tensor probe = model.forward(x);
        using Tensor target = torch.rand_like(probe);
        using var optimizer = torch.optim.Adam(model.parameters(), lr: 1e-2);
        for (int step = 0; step < 50; step++)
        {
            optimizer.zero_grad();
            using Tensor loss = nn.functional.mse_loss(model.forward(x), target);
            loss.backward();
            optimizer.step();
        }
    }

    /// <summary>docs/weights-format.md's <c>export_netgen</c>, line for line: every "*.weight" of the state_dict in
    /// order with its bias, as doubles (Python's json writes the shortest round-trip text of a double).</summary>
    private static string ExportNetGen(Dictionary<string, Tensor> stateDict, string[] activations)
    {
        string[] names = stateDict.Keys.Where(k => k.EndsWith("weight", StringComparison.Ordinal)).ToArray();
        Assert.Equal(activations.Length, names.Length);
        var layers = new List<string>();
        int input = 0;
        for (int k = 0; k < names.Length; k++)
        {
            Tensor w = stateDict[names[k]].detach().to_type(ScalarType.Float64);
            Tensor b = stateDict[names[k][..^"weight".Length] + "bias"].detach().to_type(ScalarType.Float64);
            int rows = (int)w.shape[0], columns = (int)w.shape[1];
            input = k == 0 ? columns : input;
            double[] weights = w.data<double>().ToArray();
            string matrix = "[" + string.Join(", ", Enumerable.Range(0, rows).Select(r => "[" + string.Join(", ", weights.Skip(r * columns).Take(columns).Select(Number)) + "]")) + "]";
            string bias = "[" + string.Join(", ", b.data<double>().ToArray().Select(Number)) + "]";
            layers.Add($"{{\"type\": \"dense\", \"in\": {columns}, \"out\": {rows}, \"activation\": \"{activations[k]}\", \"weight\": {matrix}, \"bias\": {bias}}}");
        }

        var document = new StringBuilder();
        document.Append("{\"format\": \"netgen-weights\", \"version\": 1, \"input\": ").Append(input).Append(", \"layers\": [");
        document.Append(string.Join(", ", layers)).Append("]}");
        return document.ToString();
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
