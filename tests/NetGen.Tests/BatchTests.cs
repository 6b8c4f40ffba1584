using System;
using System.Linq;
using NetGen.Training;

namespace NetGen.Tests;

/// <summary>The batched passes and data-parallel training on the networks built by the real build, including the wide
/// layers whose kernels loop over column groups (784-128-10, 300-1000-70x3).</summary>
[Collection(nameof(ShardCrewCollection))]
public class BatchTests
{
    [Fact]
    public void Mnist_BatchedPasses_MatchThePerSamplePasses() => AssertBatchMatches(new MnistNet(), 70, oneHot: true);

    [Fact]
    public void Wide_BatchedPasses_MatchThePerSamplePasses() => AssertBatchMatches(new WideNet(), 37, oneHot: false);

    [Fact]
    public void SimpleChains_BatchedPasses_MatchThePerSamplePasses() => AssertBatchMatches(new SimpleChainsNet(), 1000, oneHot: false);

    private static void AssertBatchMatches(INeuralNetwork<float> net, int count, bool oneHot)
    {
        (float[] x, float[] d) = Batch(net, count, seed: count, oneHot);
        int n = net.InputSize, m = net.OutputSize;
        var expected = new float[count * m];
        net.ZeroGradients();
        double expectedLoss = 0;
        for (int s = 0; s < count; s++)
        {
            net.Forward(x.AsSpan(s * n, n), expected.AsSpan(s * m, m));
            expectedLoss += net.Backward(x.AsSpan(s * n, n), d.AsSpan(s * m, m));
        }

        float[] expectedGradient = net.Gradients.ToArray();
        var actual = new float[count * m];
        net.ForwardBatch(x, actual);
        net.ZeroGradients();
        float loss = net.BackwardBatch(x, d);

        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"output {i}: batched {actual[i]}, per sample {expected[i]}");
        }

        double scale = Math.Max(expectedGradient.Max(Math.Abs), 1e-3);
        for (int i = 0; i < expectedGradient.Length; i++)
        {
            Assert.True(Math.Abs(net.Gradients[i] - expectedGradient[i]) <= 1e-4 * scale, $"gradient {i}: batched {net.Gradients[i]}, per sample {expectedGradient[i]}");
        }

        Assert.Equal(expectedLoss, loss, 1e-4 * Math.Max(1, Math.Abs(expectedLoss)));
    }

    [Fact]
    public void DataParallel_GivesBitIdenticalTrainingOnAnyThreadCount()
    {
        (float[] x, float[] d) = Batch(new SimpleChainsNet(), 2300, seed: 5, oneHot: false); // 5 shards, the last partial
        float[] Train(int threads)
        {
            var net = new SimpleChainsNet();
            var parallel = new DataParallel<float>(net, threads);
            var adam = new Adam<float>(1e-3);
            for (int step = 0; step < 20; step++)
            {
                net.ZeroGradients();
                parallel.Backward(x, d);
                adam.Step(net.Parameters, net.Gradients, 2300);
            }

            return net.Parameters.ToArray();
        }

        float[] one = Train(1);
        Assert.Equal(one, Train(2));
        Assert.Equal(one, Train(3));
        Assert.NotEqual(new SimpleChainsNet().Parameters.ToArray(), one); // it trained
    }

    /// <summary>MNIST's gradient buffers (407 KB each) fit ten to a wave of DataParallel.WaveBytes, so 11 shards take
    /// two waves: the gradient is still bit-identical on 1, 2 and 3 threads, and equals the shards' batched passes
    /// added up in shard order.</summary>
    [Fact]
    public void DataParallel_OverSeveralWaves_GivesTheShardOrderSum_OnAnyThreadCount()
    {
        const int Shards = 11, Samples = (Shards - 1) * DataParallel<float>.ShardSize + 100;
        Assert.InRange(DataParallel<float>.WaveBytes / (MnistNet.ParameterCount * sizeof(float)), Shards / 2, Shards - 1); // two waves
        (float[] x, float[] d) = Batch(new MnistNet(), Samples, seed: 9, oneHot: true);
        float[] Gradient(int threads)
        {
            var net = new MnistNet();
            new DataParallel<float>(net, threads).Backward(x, d);
            return net.Gradients.ToArray();
        }

        var reference = new MnistNet();
        var shard = new float[MnistNet.ParameterCount];
        for (int start = 0; start < Samples; start += DataParallel<float>.ShardSize)
        {
            int rows = Math.Min(DataParallel<float>.ShardSize, Samples - start);
            Array.Clear(shard);
            reference.BackwardBatch(x.AsSpan(start * MnistNet.InputSize, rows * MnistNet.InputSize), d.AsSpan(start * MnistNet.OutputSize, rows * MnistNet.OutputSize), shard);
            System.Numerics.Tensors.TensorPrimitives.Add(reference.Gradients, shard, reference.Gradients);
        }

        float[] one = Gradient(1);
        Assert.Equal(reference.Gradients.ToArray(), one);
        Assert.Equal(one, Gradient(2));
        Assert.Equal(one, Gradient(3));
    }

    [Fact]
    public void DataParallel_MatchesOneBatchedPass()
    {
        (float[] x, float[] d) = Batch(new SimpleChainsNet(), 1500, seed: 6, oneHot: false);
        var net = new SimpleChainsNet();
        net.BackwardBatch(x, d);
        float[] expected = net.Gradients.ToArray();
        net.ZeroGradients();
        new DataParallel<float>(net, 2).Backward(x, d);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(net.Gradients[i] - expected[i]) <= 1e-5 * scale, $"gradient {i}: {net.Gradients[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void BatchedPasses_AllocateNothingAfterWarmUp()
    {
        var net = new MnistNet();
        (float[] x, float[] d) = Batch(net, 40, seed: 1, oneHot: true);
        var y = new float[40 * MnistNet.OutputSize];
        net.ForwardBatch(x, y);
        net.BackwardBatch(x, d);
        (long fewest, string rounds) = Allocations.PerRound(_ =>
        {
            net.ForwardBatch(x, y);
            net.BackwardBatch(x, d);
        });
        Assert.True(fewest == 0, rounds);
    }

    [Fact]
    public void BatchedPasses_RejectWrongLengths_AndWriteNothing()
    {
        var net = new XorNet();
        float[] before = net.Gradients.ToArray();
        var error = Assert.Throws<ArgumentException>(() => net.BackwardBatch(new float[5], new float[2]));
        Assert.Contains("multiple of 2", error.Message, StringComparison.Ordinal);
        Assert.Equal("inputs", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => net.BackwardBatch(new float[6], new float[2]));
        Assert.Equal("targets", error.ParamName);
        Assert.Contains("3 samples", error.Message, StringComparison.Ordinal);
        Assert.Equal("gradients", Assert.Throws<ArgumentException>(() => net.BackwardBatch(new float[6], new float[3], new float[16])).ParamName);
        Assert.Equal("outputs", Assert.Throws<ArgumentException>(() => net.ForwardBatch(new float[6], new float[4])).ParamName);
        Assert.Equal(before, net.Gradients.ToArray());
        Assert.Throws<ArgumentException>(() => new DataParallel<float>(net).Backward(new float[6], new float[4]));
    }

    private static (float[] X, float[] D) Batch(INeuralNetwork<float> net, int count, int seed, bool oneHot)
    {
        var random = new Random(seed);
        float[] x = Enumerable.Range(0, count * net.InputSize).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        var d = new float[count * net.OutputSize];
        for (int s = 0; s < count; s++)
        {
            if (oneHot)
            {
                d[(s * net.OutputSize) + random.Next(net.OutputSize)] = 1;
            }
            else
            {
                for (int k = 0; k < net.OutputSize; k++)
                {
                    d[(s * net.OutputSize) + k] = (float)((random.NextDouble() * 2) - 1);
                }
            }
        }

        return (x, d);
    }
}
