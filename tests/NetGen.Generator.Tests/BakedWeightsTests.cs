using System;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using NetGen.Persistence;
using NetGen.Training;
using static NetGen.Generator.Tests.GeneratorHarness;

namespace NetGen.Generator.Tests;

/// <summary>[Weights]: a network trained in NetGen, exported to JSON and baked in at compile time computes exactly what
/// the trained network computes, for every layer kind and both precisions.</summary>
public class BakedWeightsTests
{
    public static TheoryData<string, string> Topologies => new()
    {
        { "Xor", "[Input(2)] [Dense(4, Activation.Tanh)] [Dense(1, Activation.Sigmoid)] [Loss(LossFunction.BinaryCrossEntropy)]" },
        { "Mixed", "[Input(7)] [Maxout(5, 3)] [Dense(9, Activation.LeakyReLU, Alpha = 0.2)] [Dense(6, Activation.ELU)] [Dense(3, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)]" },
        { "Regression", "[Network(Precision = Precision.Double)] [Input(5)] [Dense(17, Activation.Sigmoid)] [Dense(2)] [Loss(LossFunction.MeanSquaredError)]" },
        { "Mnist", "[Input(784)] [Dense(128, Activation.ReLU)] [Dense(10, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)]" },
        { "LayerNorm", "[Input(6)] [LayerNorm] [Dense(12)] [LayerNorm(Activation = Activation.ReLU, Epsilon = 1e-3)] [Dense(3, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)]" },
        { "LayerNormDouble", "[Network(Precision = Precision.Double)] [Input(4)] [Dense(9, Activation.Tanh)] [LayerNorm(Activation = Activation.ELU, Alpha = 0.5)] [Dense(2)] [Loss(LossFunction.MeanSquaredError)]" },
        { "Unrolled", "[Network(Kernels = KernelStyle.UnrolledScalar)] [Input(3)] [Dense(8, Activation.ReLU)] [Dense(2)] [Loss(LossFunction.MeanSquaredError)]" },
        { "UnrolledLayerNorm", "[Network(Kernels = KernelStyle.UnrolledScalar)] [Input(3)] [Dense(8)] [LayerNorm(Activation = Activation.Tanh, NormalizedSize = 4)] [Dense(2)] [Loss(LossFunction.MeanSquaredError)]" },
    };

    [Theory]
    [MemberData(nameof(Topologies))]
    public void TrainedThenBaked_IsBitIdenticalToTheTrainedNetwork(string name, string attributes)
    {
        bool isDouble = attributes.Contains("Precision.Double", StringComparison.Ordinal);
        Assembly trainable = CompileAndLoad($"using NetGen;\n{attributes}\npublic partial class {name};");
        object network = Activator.CreateInstance(trainable.GetType(name)!)!;
        string json = isDouble ? TrainAndExport((INeuralNetwork<double>)network) : TrainAndExport((INeuralNetwork<float>)network);

        Assembly baked = CompileAndLoad(
            new[] { $"using NetGen;\n{attributes.Replace("[Loss(", "[Weights(\"weights.json\")] [Loss(", StringComparison.Ordinal)}\npublic static partial class {name}Baked;" },
            new AdditionalText[] { new InMemoryText("/project/weights.json", json) });
        Type bakedType = baked.GetType(name + "Baked")!;

        if (isDouble)
        {
            AssertSameOutputs<double>((INeuralNetwork<double>)network, bakedType);
        }
        else
        {
            AssertSameOutputs<float>((INeuralNetwork<float>)network, bakedType);
        }
    }

    /// <summary>A few epochs of Adam on random data, so that the parameters are a trained network's, not an initialisation's.</summary>
    private static string TrainAndExport<T>(INeuralNetwork<T> network)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(7);
        int count = 64;
        T[] inputs = Enumerable.Range(0, count * network.InputSize).Select(_ => T.CreateChecked((random.NextDouble() * 2) - 1)).ToArray();
        T[] targets = new T[count * network.OutputSize];
        for (int i = 0; i < count; i++)
        {
            targets[(i * network.OutputSize) + random.Next(network.OutputSize)] = T.One; // one-hot, or 0/1 for one output
        }

        var data = new NetGen.Data.Dataset<T>(inputs, network.InputSize, targets, network.OutputSize);
        Trainer.Train(network, new Adam<T>(0.01), data, new TrainerOptions { Epochs = 3, BatchSize = 16, Seed = 1 });
        return WeightsJson.Export(network);
    }

    private delegate void ForwardFunction<T>(ReadOnlySpan<T> input, Span<T> output);

    private delegate int ClassifyFunction<T>(ReadOnlySpan<T> input);

    private static void AssertSameOutputs<T>(INeuralNetwork<T> trained, Type baked)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var forward = baked.GetMethod("Forward")!.CreateDelegate<ForwardFunction<T>>();
        var classify = baked.GetMethod("Classify")!.CreateDelegate<ClassifyFunction<T>>();
        Assert.Equal(trained.ParameterCount, (int)baked.GetField("ParameterCount")!.GetValue(null)!);

        var random = new Random(11);
        var input = new T[trained.InputSize];
        var expected = new T[trained.OutputSize];
        var actual = new T[trained.OutputSize];
        for (int sample = 0; sample < 500; sample++)
        {
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = T.CreateChecked((random.NextDouble() * 4) - 2);
            }

            trained.Forward(input, expected);
            forward(input, actual);
            for (int i = 0; i < actual.Length; i++)
            {
                Assert.True(Bits(expected[i]) == Bits(actual[i]), $"sample {sample}, output {i}: trained {expected[i]}, baked {actual[i]}");
            }

            int expectedClass = expected.Length == 1
                ? (expected[0] >= T.CreateChecked(Threshold(trained)) ? 1 : 0)
                : System.Numerics.Tensors.TensorPrimitives.IndexOfMax<T>(expected);
            Assert.Equal(expectedClass, classify(input));
        }
    }

    private static double Threshold<T>(INeuralNetwork<T> network)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        network.Layers[^1] is { IsMaxout: false, Activation: Activation.Sigmoid } ? 0.5 : 0.0;

    private static long Bits<T>(T value)
        where T : unmanaged => value is float f ? BitConverter.SingleToInt32Bits(f) : BitConverter.DoubleToInt64Bits((double)(object)value);

    [Fact]
    public void BakedParameters_AreTheFileInTheNetworksLayout_AndForwardAllocatesNothing()
    {
        const string Json = """
            { "format": "netgen-weights", "version": 1, "input": 2, "layers": [
              { "type": "dense", "in": 2, "out": 3, "activation": "ReLU", "weight": [[1, 2], [3, 4], [5, 6]], "bias": [0.5, -0.5, 1e-3] },
              { "type": "dense", "in": 3, "out": 1, "activation": "Identity", "weight": [[-1, 0.25, 2]], "bias": [7] } ] }
            """;
        Assembly assembly = CompileAndLoad(
            new[] { "using NetGen;\n[Input(2)] [Dense(3, Activation.ReLU)] [Dense(1)] [Weights(\"tiny.json\")]\npublic partial class Tiny;" },
            new AdditionalText[] { new InMemoryText("/p/tiny.json", Json) });
        Type type = assembly.GetType("Tiny")!;
        float[] expected = { 1, 3, 5, 2, 4, 6, 0.5f, -0.5f, 1e-3f, -1, 0.25f, 2, 7 };
        Assert.Equal(expected, GetParameters(type));

        var forward = type.GetMethod("Forward")!.CreateDelegate<ForwardFunction<float>>();
        float[] input = { 1, -1 };
        float[] output = new float[1];
        forward(input, output); // warm-up
        long before = GC.GetAllocatedBytesForCurrentThread();
        forward(input, output);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // a = (1-2+0.5, 3-4-0.5, 5-6+0.001) = (-0.5, -1.5, -0.999); relu -> 0; y = 7
        Assert.Equal(7f, output[0]);
        Assert.Equal(0, allocated);
        Assert.Throws<ArgumentException>(() => forward(new float[3], output));
    }

    private delegate ReadOnlySpan<float> ReadOnlySpanFloat();

    private static float[] GetParameters(Type type) =>
        type.GetProperty("Parameters")!.GetGetMethod()!.CreateDelegate<ReadOnlySpanFloat>()().ToArray();
}
