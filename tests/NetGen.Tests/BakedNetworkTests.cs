using System;
using System.IO;
using NetGen.Persistence;

namespace NetGen.Tests;

/// <summary>A network baked through the real build (MSBuild AdditionalFiles, the generator as an analyzer) computes
/// bit for bit what a trainable network computes after importing the same file at run time, allocates nothing, and
/// checks its spans. scripts/test.sh runs this on the AVX-512, AVX2 and scalar kernels.</summary>
public class BakedNetworkTests
{
    private static readonly string WeightsPath = Path.Combine(NetGen.TestSupport.Repository.Root, "samples", "NetGen.Samples.AotBaked", "digits.json");

    [Fact]
    public void Baked_IsBitIdenticalToTheImportedTrainableNetwork()
    {
        var trainable = new DigitsTrainable();
        WeightsJson.Import(trainable, File.ReadAllText(WeightsPath));
        Assert.Equal(trainable.Parameters.ToArray(), DigitsBaked.Parameters.ToArray());

        var random = new Random(3);
        var x = new float[64];
        var expected = new float[10];
        var actual = new float[10];
        for (int sample = 0; sample < 1000; sample++)
        {
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (float)(random.NextDouble() * 16);
            }

            trainable.Forward(x, expected);
            DigitsBaked.Forward(x, actual);
            for (int k = 0; k < 10; k++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(expected[k]), BitConverter.SingleToInt32Bits(actual[k]));
            }

            Assert.Equal(System.Numerics.Tensors.TensorPrimitives.IndexOfMax<float>(expected), DigitsBaked.Classify(x));
        }
    }

    [Fact]
    public void BakedForwardAndClassify_AllocateNothing_AndRejectWrongLengths()
    {
        var x = new float[64];
        var y = new float[10];
        DigitsBaked.Forward(x, y);
        _ = DigitsBaked.Classify(x);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            DigitsBaked.Forward(x, y);
            _ = DigitsBaked.Classify(x);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Contains("input", Assert.Throws<ArgumentException>(() => DigitsBaked.Forward(new float[63], y)).Message, StringComparison.Ordinal);
        Assert.Contains("output", Assert.Throws<ArgumentException>(() => DigitsBaked.Forward(x, new float[9])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => DigitsBaked.Classify(new float[65]));
        Assert.Equal(64 * 32 + 32 + 32 * 10 + 10, DigitsBaked.ParameterCount);
    }
}

[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class DigitsTrainable;

/// <summary>Baked from the file the AOT sample bakes; the path is relative to this source file.</summary>
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Weights("../../samples/NetGen.Samples.AotBaked/digits.json")]
public static partial class DigitsBaked;
