using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.Tests;

/// <summary>Trainer, Step and Evaluation on the batched passes: results independent of the thread count, agreement with
/// the per-sample passes, no allocation per step (DataParallel's waves included), and the metric switch.</summary>
[Collection(nameof(ShardCrewCollection))]
public class BatchedTrainingTests
{
    /// <summary>Digits-shaped data: 64 inputs, one-hot targets over 10 classes, a class that depends on the inputs.</summary>
    internal static Dataset<float> Digits(int count, int seed)
    {
        var random = new Random(seed);
        var inputs = new float[count * 64];
        var targets = new float[count * 10];
        for (int i = 0; i < count; i++)
        {
            int label = i % 10;
            for (int j = 0; j < 64; j++)
            {
                inputs[(i * 64) + j] = (float)((random.NextDouble() * 2) - 1 + (j % 10 == label ? 1.5 : 0));
            }

            targets[(i * 10) + label] = 1;
        }

        return new Dataset<float>(inputs, 64, targets, 10);
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    /// <summary>Batches of 1,536 (three shards of 512) and a ragged last batch of 700 (two shards, the second short):
    /// 1, 2 and 3 threads give bit-identical parameters and losses, with Adam, clipping and input noise.</summary>
    [Fact]
    public void Threads_DoNotChangeTheParameters_WithThreeShardBatchesAndARaggedLastOne()
    {
        Dataset<float> data = Digits((2 * 1536) + 700, 4);
        (float[] Parameters, double[] Losses) Run(int threads)
        {
            var net = new DigitsNet();
            net.InitializeParameters(2);
            TrainingResult result = Trainer.Train(net, new Adam<float>(1e-2), data, new TrainerOptions
            {
                Epochs = 3, BatchSize = 1536, Seed = 7, ClipNorm = 1, InputNoise = 0.1, Threads = threads, Metric = Metric.None,
            });
            return (net.Parameters.ToArray(), result.Epochs.Select(e => e.TrainingLoss).ToArray());
        }

        (float[] one, double[] oneLosses) = Run(1);
        foreach (int threads in new[] { 2, 3 })
        {
            (float[] many, double[] manyLosses) = Run(threads);
            Assert.Equal(Bits(one), Bits(many));
            Assert.Equal(oneLosses, manyLosses);
        }

        Assert.True(oneLosses[^1] < oneLosses[0], $"the loss did not fall: {string.Join(", ", oneLosses)}");
    }

    /// <summary>Trainer.Step on a batch of more than one shard sums it exactly as Train does (DataParallel's shards, in
    /// order), and its mean loss is the per-sample losses' mean.</summary>
    [Fact]
    public void Step_OnALargeBatch_EqualsTrainsStep_AndReturnsTheMeanLoss()
    {
        Dataset<float> data = Digits(1600, 5);
        int[] all = Enumerable.Range(0, data.Count).ToArray();
        var stepped = new DigitsNet();
        stepped.InitializeParameters(3);
        double expected = all.Average(i => (double)stepped.ComputeLoss(data.Input(i), data.Target(i)));
        double loss = Trainer.Step(stepped, new Sgd<float>(0.1), data, all);
        Assert.True(Math.Abs(expected - loss) <= 1e-5 * Math.Max(1, expected), $"expected {expected:R}, got {loss:R}");

        // Train with one batch holding every sample (full batch): the set is taken in its stored order, unshuffled.
        var trained = new DigitsNet();
        trained.InitializeParameters(3);
        Trainer.Train(trained, new Sgd<float>(0.1), data, new TrainerOptions { Epochs = 1, BatchSize = data.Count, Seed = 1, Threads = 2, Metric = Metric.None });
        Assert.Equal(Bits(stepped.Parameters.ToArray()), Bits(trained.Parameters.ToArray()));
    }

    /// <summary>Mini-batches of several shards are gathered shard by shard on the threads that run them: the result is
    /// Step's on the same shuffled order (one serial gather), batch by batch, ragged last batch included.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Train_GatheringInShards_EqualsStepOnTheShuffledBatches(int threads)
    {
        Dataset<float> data = Digits(1600, 7);
        const int BatchSize = 1100; // three shards, then a ragged batch of 500 (one shard)
        var trained = new DigitsNet();
        trained.InitializeParameters(4);
        Trainer.Train(trained, new Sgd<float>(0.1), data, new TrainerOptions { Epochs = 2, BatchSize = BatchSize, Seed = 9, Threads = threads, Metric = Metric.None });

        var reference = new DigitsNet();
        reference.InitializeParameters(4);
        var optimizer = new Sgd<float>(0.1);
        int[] order = Enumerable.Range(0, data.Count).ToArray();
        var random = new SplitMix64(9);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            Shuffle.InPlace(order, ref random);
            for (int start = 0; start < order.Length; start += BatchSize)
            {
                Trainer.Step(reference, optimizer, data, order.AsSpan(start, Math.Min(BatchSize, order.Length - start)));
            }
        }

        Assert.Equal(Bits(reference.Parameters.ToArray()), Bits(trained.Parameters.ToArray()));
    }

    /// <summary>The shard-gathering backward allocates nothing per step either.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ABackwardGatheringInShards_AllocatesNothing(int threads)
    {
        var net = new DigitsNet();
        Dataset<float> data = Digits(1536 + 100, 6);
        int[] order = Enumerable.Range(0, data.Count).Reverse().ToArray();
        var batch = new BatchBuffer<float>(data.Count, 64, 10);
        var parallel = new DataParallel<float>(net, threads);
        ShardCrew.Hold();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                parallel.Backward(batch, data, order);
            }

            // Per step, as in the test below, so that a failure says which step allocated and whether the crew grew.
            var allocated = new long[10];
            int workers = ShardCrew.Workers;
            for (int i = 0; i < allocated.Length; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                parallel.Backward(batch, data, order);
                allocated[i] = GC.GetAllocatedBytesForCurrentThread() - before;
            }

            Assert.True(allocated.All(bytes => bytes == 0), $"bytes allocated per step: {string.Join(", ", allocated)}; crew workers {workers} before, {ShardCrew.Workers} after");
        }
        finally
        {
            ShardCrew.Release();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ATrainingStepOverSeveralShards_AllocatesNothing(int threads)
    {
        var net = new DigitsNet();
        Dataset<float> data = Digits(1536 + 100, 6);
        var batch = new BatchBuffer<float>(data.Count, 64, 10);
        batch.Gather(data, Enumerable.Range(0, data.Count).ToArray(), new GaussianNoise<float>(0.1, 1, 64));
        var parallel = new DataParallel<float>(net, threads);
        var optimizer = new AdamW<float>(1e-4);
        ShardCrew.Hold(); // as during Train: workers spin between steps
        try
        {
            for (int i = 0; i < 3; i++)
            {
                Assert.Null(Trainer.TryStep(net, optimizer, batch, parallel, clipNorm: 1.0, rateFactor: 1, out _));
            }

            // Per step, so that a failure says which step allocated and whether the crew grew meanwhile. Two clean-clone
            // CI runs on 2026-12-04 saw 7,848 bytes here and 8,160 in the test above, each once, with 2 threads, under
            // DOTNET_EnableAVX512=0, while other test classes ran beside them; 14 runs of these tests alone never did.
            var allocated = new long[10];
            int workers = ShardCrew.Workers;
            for (int i = 0; i < allocated.Length; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                Trainer.TryStep(net, optimizer, batch, parallel, clipNorm: 1.0, rateFactor: 1, out _);
                allocated[i] = GC.GetAllocatedBytesForCurrentThread() - before;
            }

            Assert.True(allocated.All(bytes => bytes == 0), $"bytes allocated per step: {string.Join(", ", allocated)}; crew workers {workers} before, {ShardCrew.Workers} after");
        }
        finally
        {
            ShardCrew.Release();
        }
    }

    [Fact]
    public void PublicStep_GatheringAndNoiseIncluded_AllocatesNothingAfterTheFirst()
    {
        var net = new DigitsNet();
        Dataset<float> data = Digits(1200, 8);
        int[] large = Enumerable.Range(0, 1200).ToArray(), small = large[..40];
        var noise = new GaussianNoise<float>(0.1, 1, 64);
        var sgd = new Sgd<float>(1e-3, 0.9);
        Trainer.StepWithNoise(net, sgd, data, large, 1.0, 1, noise);
        Trainer.StepWithNoise(net, sgd, data, small, 1.0, 1, noise);
        Trainer.Step(net, sgd, data, small); // the first of each call the loop makes happens before the count

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            Trainer.StepWithNoise(net, sgd, data, large, 1.0, 1, noise);
            Trainer.Step(net, sgd, data, small);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>The batched evaluation against the per-sample passes: the same classes, and losses and errors to rounding.</summary>
    [Fact]
    public void Evaluation_MatchesThePerSamplePasses()
    {
        var net = new DigitsNet();
        net.InitializeParameters(9);
        Dataset<float> data = Digits(700, 10); // two whole chunks of 256 and a ragged one
        var y = new float[10];
        double loss = 0, squares = 0;
        var matrix = new int[10, 10];
        for (int i = 0; i < data.Count; i++)
        {
            net.Forward(data.Input(i), y);
            loss += net.ComputeLoss(data.Input(i), data.Target(i));
            matrix[Classification.Class(data.Target(i), Activation.Softmax), Classification.Class<float>(y, Activation.Softmax)]++;
            squares += y.Select((v, k) => Math.Pow(v - data.Target(i)[k], 2)).Sum();
        }

        Assert.Equal(matrix, Evaluation.ConfusionMatrix(net, data));
        Assert.Equal(Enumerable.Range(0, 10).Sum(c => matrix[c, c]) / 700.0, Evaluation.Accuracy(net, data));
        Assert.Equal(loss / data.Count, Evaluation.MeanLoss(net, data), 1e-5);
        Assert.Equal(Math.Sqrt(squares / 7000), Evaluation.RootMeanSquaredError(net, data), 1e-6);
    }

    /// <summary>A logit gap so large that softmax's output for the target class underflows to 0: the batched mean loss
    /// falls back to the stable logit form for that sample and stays finite and exact.</summary>
    [Fact]
    public void MeanLoss_WhenASoftmaxOutputUnderflows_UsesTheStableForm()
    {
        var net = new DigitsNet();
        net.InitializeParameters(1);
        Dataset<float> data = Digits(30, 11);
        for (int i = 0; i < data.Inputs.Length; i++)
        {
            data.Inputs[i] *= 1e4f;
        }

        double expected = Enumerable.Range(0, data.Count).Average(i => (double)net.ComputeLoss(data.Input(i), data.Target(i)));
        Assert.True(expected > 100, $"the test needs an underflowing output; the mean loss is only {expected}");
        Assert.Equal(expected, Evaluation.MeanLoss(net, data), 1e-3 * expected);
    }

    [Fact]
    public void MetricNone_SkipsTheMetric_AndChangesNoParameter()
    {
        Dataset<float> data = Digits(300, 12);
        (float[], TrainingResult) Run(Metric metric, Dataset<float>? validation)
        {
            var net = new DigitsNet();
            net.InitializeParameters(4);
            TrainingResult result = Trainer.Train(net, new Adam<float>(1e-2), data, new TrainerOptions { Epochs = 3, Seed = 3, Metric = metric }, validation);
            return (net.Parameters.ToArray(), result);
        }

        (float[] withMetric, TrainingResult measured) = Run(Metric.Accuracy, null);
        (float[] without, TrainingResult skipped) = Run(Metric.None, null);
        Assert.Equal(Bits(withMetric), Bits(without));
        Assert.All(measured.Epochs, e => Assert.InRange(e.Metric, 0, 1));
        Assert.All(skipped.Epochs, e => Assert.True(double.IsNaN(e.Metric)));
        Assert.Equal(measured.Epochs.Select(e => e.TrainingLoss), skipped.Epochs.Select(e => e.TrainingLoss));

        // With a validation set the loss is still measured; only the metric is skipped.
        (_, TrainingResult validated) = Run(Metric.None, Digits(50, 13));
        Assert.All(validated.Epochs, e => Assert.True(double.IsFinite(e.ValidationLoss) && double.IsNaN(e.Metric)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Threads_BelowOne_AreRejected(int threads)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Trainer.Train(new DigitsNet(), new Sgd<float>(0.1), Digits(10, 1), new TrainerOptions { Threads = threads }));
        Assert.Contains("Threads", error.Message);
    }
}

/// <summary>The test classes that run work on the process's one shard crew. They run one after another: while one holds
/// the crew, another's <c>DataParallel</c> falls back to the thread pool, which allocates, and the tests that measure zero
/// allocation through the crew would measure that instead. They also run with no other test class beside them: the
/// zero-allocation tests of the crew twice counted about 8 KB in the whole-suite run that they never allocate alone
/// (cause not found; see the tests).</summary>
[CollectionDefinition(nameof(ShardCrewCollection), DisableParallelization = true)]
public sealed class ShardCrewCollection;

/// <summary>Runs alone (no other test class in parallel), so the process's CPU time measures the idle crew only.</summary>
[CollectionDefinition(nameof(IdleCrewCollection), DisableParallelization = true)]
public sealed class IdleCrewCollection;

/// <summary>After Train returns, the crew's workers block: an application that trains now and then pays nothing between runs.</summary>
[Collection(nameof(IdleCrewCollection))]
public class IdleCrewTests
{
    [Fact]
    public void AfterTrainReturns_TheProcessUsesNoCpuForAnIdleSecond()
    {
        Dataset<float> data = BatchedTrainingTests.Digits(3 * 1536, 14);
        var options = new TrainerOptions { Epochs = 2, BatchSize = 1536, Seed = 1, Threads = 3, Metric = Metric.None };
        // The runtime recompiles methods that have been called often (30 calls per tier) on its own background thread, a
        // little after the calls: that CPU time is the JIT's, not the crew's. So call everything Train calls (once per run
        // included) many times, train once more, and let the JIT finish before the idle second. A crew that kept spinning
        // after the run, or woke up now and then, would still be running then.
        Dataset<float> small = BatchedTrainingTests.Digits(1100, 15); // three shards: 512, 512, 76
        for (int run = 0; run < 100; run++)
        {
            Trainer.Train(new DigitsNet(), new Sgd<float>(0.01), small, options with { Epochs = 1, BatchSize = 1100 });
        }

        Trainer.Train(new DigitsNet(), new Sgd<float>(0.01), data, options);
        WaitForTheJit();

        if (Environment.ProcessorCount > 1)
        {
            Assert.True(ShardCrew.Workers >= 1, "the crew never started a worker");
        }

        using Process process = Process.GetCurrentProcess();
        TimeSpan before = process.TotalProcessorTime;
        Thread.Sleep(1000);
        process.Refresh();
        TimeSpan used = process.TotalProcessorTime - before;
        Assert.True(used < TimeSpan.FromMilliseconds(20), $"the idle process used {used.TotalMilliseconds:F1} ms of CPU in one second");
    }

    /// <summary>Waits (at most 30 s) until the JIT has compiled nothing for two whole seconds.</summary>
    private static void WaitForTheJit()
    {
        var watch = Stopwatch.StartNew();
        (TimeSpan, long) last = (TimeSpan.MinValue, -1);
        int quiet = 0;
        while (quiet < 2 && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(1000);
            (TimeSpan, long) now = (System.Runtime.JitInfo.GetCompilationTime(), System.Runtime.JitInfo.GetCompiledMethodCount());
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
    }
}
