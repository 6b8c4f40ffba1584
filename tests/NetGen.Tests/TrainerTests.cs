using System;
using System.Linq;
using System.Threading;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.Tests;

/// <summary>The trainer: determinism, divergence, cancellation, early stopping, progress, and allocation-free steps.</summary>
public class TrainerTests
{
    /// <summary>Two interleaved spirals: needs a hidden layer, trains in well under a second.</summary>
    private static Dataset<float> Spirals(int count, int seed)
    {
        var random = new Random(seed);
        var inputs = new float[count * 2];
        var targets = new float[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % 2;
            double t = random.NextDouble() * 3 * Math.PI;
            double r = 0.1 + (t / (3 * Math.PI));
            inputs[2 * i] = (float)((r * Math.Cos(t + (label * Math.PI))) + (0.02 * random.NextDouble()));
            inputs[(2 * i) + 1] = (float)((r * Math.Sin(t + (label * Math.PI))) + (0.02 * random.NextDouble()));
            targets[i] = label;
        }

        return new Dataset<float>(inputs, 2, targets, 1);
    }

    [Fact]
    public void TwoRunsWithTheSameSeed_GiveBitIdenticalParameters()
    {
        float[] Run()
        {
            var net = new SpiralNet();
            net.InitializeParameters(5);
            Trainer.Train(net, new Adam<float>(1e-2), Spirals(400, 1), new TrainerOptions { Epochs = 5, BatchSize = 16, Seed = 9 });
            return net.Parameters.ToArray();
        }

        float[] first = Run(), second = Run();
        Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), second.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void InputNoise_IsReproducibleForASeed_AndChangesTraining()
    {
        float[] Run(double noise, int seed)
        {
            var net = new SpiralNet();
            net.InitializeParameters(5);
            Trainer.Train(net, new Adam<float>(1e-2), Spirals(400, 1), new TrainerOptions { Epochs = 3, BatchSize = 16, Seed = seed, InputNoise = noise });
            return net.Parameters.ToArray();
        }

        float[] first = Run(0.1, 9);
        Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), Run(0.1, 9).Select(BitConverter.SingleToInt32Bits));
        Assert.NotEqual(first, Run(0, 9));
        Assert.NotEqual(first, Run(0.1, 10));

        // Noise far below a float's resolution rounds away: the run equals one without noise, so the noise stream
        // leaves the shuffles alone.
        Assert.Equal(Run(0, 9).Select(BitConverter.SingleToInt32Bits), Run(1e-30, 9).Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void InputNoise_ThatIsNegativeOrNotFinite_IsRejectedBeforeTraining(double noise)
    {
        var net = new SpiralNet();
        float[] before = net.Parameters.ToArray();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Train(net, new Sgd<float>(0.01), Spirals(40, 1), new TrainerOptions { InputNoise = noise }));
        Assert.Contains("InputNoise", error.Message);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    /// <summary>Box-Muller over SplitMix64: mean 0, standard deviation 1, 68.27% within one deviation, 95.45% within two,
    /// and consecutive values uncorrelated (the pair's second value is used, not thrown away).</summary>
    [Fact]
    public void GaussianNoise_IsStandardNormal()
    {
        var noise = new GaussianNoise<float>(1, seed: 3, size: 1);
        const int N = 400_000;
        double sum = 0, squares = 0, lag = 0, previous = 0;
        int withinOne = 0, withinTwo = 0;
        for (int i = 0; i < N; i++)
        {
            double z = noise.NextStandardNormal();
            sum += z;
            squares += z * z;
            lag += z * previous;
            previous = z;
            withinOne += Math.Abs(z) < 1 ? 1 : 0;
            withinTwo += Math.Abs(z) < 2 ? 1 : 0;
        }

        // Bounds of about five standard errors: 1/sqrt(N) = 0.0016.
        Assert.InRange(sum / N, -0.008, 0.008);
        Assert.InRange(Math.Sqrt(squares / N), 0.99, 1.01);
        Assert.InRange(lag / N, -0.008, 0.008);
        Assert.InRange(withinOne / (double)N, 0.6827 - 0.004, 0.6827 + 0.004);
        Assert.InRange(withinTwo / (double)N, 0.9545 - 0.002, 0.9545 + 0.002);

        var scaled = new GaussianNoise<float>(0.5, seed: 3, size: 4);
        float[] input = [1, 2, 3, 4];
        float[] perturbed = scaled.Perturb(input).ToArray();
        Assert.All(perturbed.Zip(input), p => Assert.InRange(p.First - p.Second, -3f, 3f)); // 6 deviations
        Assert.NotEqual(input, perturbed);
        Assert.Equal([1f, 2f, 3f, 4f], input); // the data set is never written
    }

    /// <summary>The fused SGD step refuses bad arguments and a non-finite loss before it writes anything.</summary>
    [Fact]
    public void SgdStep_RefusesBadInput_AndLeavesTheParametersAsTheyWere()
    {
        var net = new SpiralNet();
        net.InitializeParameters(2);
        float[] before = net.Parameters.ToArray();
        float[] x = [0.3f, -0.2f], d = [1f];

        Assert.Throws<ArgumentException>(() => net.SgdStep(new float[3], d, 0.1f));
        Assert.Throws<ArgumentException>(() => net.SgdStep(x, new float[2], 0.1f));
        foreach (float rate in new[] { -0.1f, float.NaN, float.PositiveInfinity })
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => net.SgdStep(x, d, rate));
        }

        var error = Assert.Throws<ArithmeticException>(() => net.SgdStep([float.NaN, 0f], d, 0.1f));
        Assert.Contains("NaN", error.Message);
        Assert.Contains("parameters are as they were", error.Message);
        Assert.Equal(before, net.Parameters.ToArray());

        float loss = net.SgdStep(x, d, 0.1f);
        Assert.True(float.IsFinite(loss));
        Assert.NotEqual(before, net.Parameters.ToArray());
    }

    [Fact]
    public void AHugeLearningRate_RaisesTrainingDiverged_AndRestoresTheParameters()
    {
        // Linear regression with a learning rate far past 2 / lambda_max: the parameters grow geometrically until the
        // loss overflows. (A saturating network would not: its stable losses stay finite.)
        var random = new Random(2);
        var data = new Dataset<float>(Enumerable.Range(0, 200 * 5).Select(_ => (float)random.NextDouble()).ToArray(), 5, Enumerable.Range(0, 200).Select(_ => (float)random.NextDouble()).ToArray(), 1);
        var net = new AirfoilLinear();
        float[] before = net.Parameters.ToArray();

        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Train(net, new Sgd<float>(1e4), data, new TrainerOptions { Epochs = 3, BatchSize = 10 }));

        Assert.Equal(1, e.Epoch);
        Assert.True(e.Batch >= 2, $"batch {e.Batch}");
        Assert.Contains("epoch 1", e.Message, StringComparison.Ordinal);
        Assert.Contains($"batch {e.Batch}", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.All(net.Gradients.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Cancellation_LeavesTheParametersOfTheLastCompletedStep()
    {
        var net = new SpiralNet();
        using var cancel = new CancellationTokenSource();
        int reports = 0;
        var progress = new SynchronousProgress<EpochReport>(_ =>
        {
            if (++reports == 2)
            {
                cancel.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Train(net, new Adam<float>(0.01), Spirals(200, 3), new TrainerOptions { Epochs = 50, Seed = 1 }, progress: progress, cancellationToken: cancel.Token));

        // Replaying exactly two epochs gives the same parameters: the cancelled run stopped on a step boundary.
        var replay = new SpiralNet();
        Trainer.Train(replay, new Adam<float>(0.01), Spirals(200, 3), new TrainerOptions { Epochs = 2, Seed = 1 });
        Assert.Equal(2, reports);
        Assert.Equal(replay.Parameters.ToArray(), net.Parameters.ToArray());
        Assert.All(net.Gradients.ToArray(), g => Assert.Equal(0f, g));
        Assert.All(net.Parameters.ToArray(), p => Assert.True(float.IsFinite(p)));
    }

    [Fact]
    public void EarlyStopping_RestoresTheParametersOfTheBestValidationEpoch()
    {
        // A tiny training set and a long run: validation loss bottoms out, then rises as the network overfits.
        Dataset<float> train = Spirals(24, 4), validation = Spirals(400, 5);
        var net = new SpiralNet();
        float[]? bestParameters = null;
        double bestLoss = double.PositiveInfinity;
        var progress = new SynchronousProgress<EpochReport>(r =>
        {
            if (r.ValidationLoss < bestLoss)
            {
                bestLoss = r.ValidationLoss;
                bestParameters = net.Parameters.ToArray();
            }
        });

        TrainingResult result = Trainer.Train(net, new Adam<float>(3e-2), train, new TrainerOptions { Epochs = 2000, BatchSize = 4, Seed = 2, Patience = 20, RestoreBestWeights = true }, validation, progress);

        Assert.True(result.StoppedEarly);
        Assert.Equal(result.BestEpoch + 20, result.Epochs.Count);
        Assert.Equal(bestLoss, result.Epochs.Min(e => e.ValidationLoss));
        Assert.Equal(bestParameters, net.Parameters.ToArray());
        Assert.Equal(bestLoss, Evaluation.MeanLoss(net, validation), 6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EarlyStopping_KeepsTheLastEpoch_UnlessRestoreBestWeightsIsSet(bool restoreBestWeights)
    {
        // As above: validation loss bottoms out, then rises. Patience stops the run either way; only the setting decides
        // which parameters the network keeps.
        Dataset<float> train = Spirals(24, 4), validation = Spirals(400, 5);
        var net = new SpiralNet();
        float[]? bestParameters = null, lastParameters = null;
        double bestLoss = double.PositiveInfinity;
        var progress = new SynchronousProgress<EpochReport>(r =>
        {
            lastParameters = net.Parameters.ToArray();
            if (r.ValidationLoss < bestLoss)
            {
                bestLoss = r.ValidationLoss;
                bestParameters = lastParameters;
            }
        });
        var options = new TrainerOptions { Epochs = 2000, BatchSize = 4, Seed = 2, Patience = 20 } with { RestoreBestWeights = restoreBestWeights };

        TrainingResult result = Trainer.Train(net, new Adam<float>(3e-2), train, options, validation, progress);

        Assert.True(result.StoppedEarly);
        Assert.Equal(result.BestEpoch + 20, result.Epochs.Count);
        Assert.NotEqual(bestParameters, lastParameters);
        Assert.Equal(restoreBestWeights ? bestParameters : lastParameters, net.Parameters.ToArray());
        Assert.Equal(restoreBestWeights ? bestLoss : result.Epochs[^1].ValidationLoss, Evaluation.MeanLoss(net, validation), 6);
    }

    [Fact]
    public void WithoutPatience_RestoreBestWeightsStillPicksTheBestEpochAtTheEnd()
    {
        Dataset<float> train = Spirals(24, 4), validation = Spirals(400, 5);
        var options = new TrainerOptions { Epochs = 150, BatchSize = 4, Seed = 2 };
        var last = new SpiralNet();
        var best = new SpiralNet();

        TrainingResult lastResult = Trainer.Train(last, new Adam<float>(3e-2), train, options, validation);
        TrainingResult bestResult = Trainer.Train(best, new Adam<float>(3e-2), train, options with { RestoreBestWeights = true }, validation);

        Assert.False(bestResult.StoppedEarly);
        Assert.Equal(150, bestResult.Epochs.Count);
        Assert.Equal(lastResult.BestEpoch, bestResult.BestEpoch);
        Assert.True(bestResult.BestEpoch < 150, $"best epoch {bestResult.BestEpoch}: the run should overfit");
        Assert.Equal(lastResult.Epochs[^1].ValidationLoss, Evaluation.MeanLoss(last, validation), 6);
        Assert.Equal(bestResult.Epochs.Min(e => e.ValidationLoss), Evaluation.MeanLoss(best, validation), 6);
    }

    [Fact]
    public void TrainerOptions_IsARecord_SoWithMakesVariants()
    {
        var options = new TrainerOptions { Epochs = 40, Seed = 1, Schedule = LearningRateSchedule.Cosine(0.005) };

        TrainerOptions longer = options with { Epochs = 150 };

        Assert.Equal(150, longer.Epochs);
        Assert.Equal(1, longer.Seed);
        Assert.Same(options.Schedule, longer.Schedule);
        Assert.Equal(options, longer with { Epochs = 40 });
        Assert.False(new TrainerOptions().RestoreBestWeights);
        Assert.Null(new TrainerOptions().Schedule);
    }

    [Fact]
    public void Step_ReturnsTheBatchsMeanLoss_AndUpdates()
    {
        var net = new SpiralNet();
        Dataset<float> data = Spirals(8, 3);
        int[] batch = [0, 2, 5];
        double expected = batch.Sum(i => (double)net.ComputeLoss(data.Input(i), data.Target(i))) / batch.Length;
        float[] before = net.Parameters.ToArray();

        double loss = Trainer.Step(net, new Sgd<float>(0.1), data, batch);

        Assert.True(Math.Abs(expected - loss) <= 1e-6 * Math.Max(1, expected), $"expected {expected:R}, got {loss:R}");
        Assert.NotEqual(before, net.Parameters.ToArray());
    }

    [Fact]
    public void Step_ThatDiverges_Throws_AndLeavesTheParametersAsTheyWere()
    {
        // Inputs of 1e30: the output is about 1e30, and its squared error overflows float.
        var data = new Dataset<float>(Enumerable.Repeat(1e30f, 5).ToArray(), 5, [0f], 1);
        var net = new AirfoilLinear();
        net.InitializeParameters(1);
        float[] before = net.Parameters.ToArray();

        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Step(net, new Sgd<float>(1e-3), data, [0]));

        Assert.Contains("the loss is", e.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was updated", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, e.Epoch);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void Progress_ReportsEveryEpochsLossMetricRateAndTime()
    {
        var reports = new System.Collections.Generic.List<EpochReport>();
        var net = new SpiralNet();
        Trainer.Train(net, new Adam<float>(0.02), Spirals(300, 6), new TrainerOptions { Epochs = 4, Schedule = LearningRateSchedule.StepDecay(2, 0.5) }, Spirals(100, 7), new SynchronousProgress<EpochReport>(reports.Add));

        Assert.Equal([1, 2, 3, 4], reports.Select(r => r.Epoch));
        Assert.Equal([0.02, 0.02, 0.01, 0.01], reports.Select(r => r.LearningRate));
        Assert.All(reports, r => Assert.True(double.IsFinite(r.TrainingLoss) && double.IsFinite(r.ValidationLoss) && r.Metric is >= 0 and <= 1));
        Assert.True(reports[^1].Elapsed >= reports[0].Elapsed);
        Assert.True(reports[^1].TrainingLoss < reports[0].TrainingLoss);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    [InlineData("adam+noise")]
    public void ATrainingStep_BackwardPlusOptimizerUpdate_AllocatesNothing(string optimizerName)
    {
        var net = new MnistNet();
        GaussianNoise<float>? noise = optimizerName.EndsWith("+noise", StringComparison.Ordinal) ? new GaussianNoise<float>(0.1, 1, 784) : null;
        IOptimizer<float> optimizer = optimizerName == "sgd" ? new Sgd<float>(1e-3, 0.9, nesterov: true, weightDecay: 1e-4) : new AdamW<float>(1e-3);
        var data = new Dataset<float>(new float[32 * 784], 784, Enumerable.Range(0, 32 * 10).Select(i => i % 10 == 3 ? 1f : 0f).ToArray(), 10);
        int[] batch = Enumerable.Range(0, 32).ToArray();
        for (int i = 0; i < 3; i++)
        {
            Trainer.StepWithNoise(net, optimizer, data, batch, clipNorm: 1.0, rateFactor: 1, noise);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            Trainer.StepWithNoise(net, optimizer, data, batch, clipNorm: 1.0, rateFactor: 1, noise);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Calls back on the training thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

[Input(2)]
[Dense(16, Activation.Tanh)]
[Dense(16, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class SpiralNet;
