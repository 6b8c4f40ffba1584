using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using NetGen.Data;
using NetGen.Persistence;
using NetGen.Runtime;
using NetGen.Training;

namespace NetGen.Tests;

/// <summary>Cases found in review: large scratch, the last batch of an epoch diverging, float norm overflow, and inputs
/// of the wrong kind to the loaders.</summary>
public sealed class HardeningTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-hardening-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ANetworkBeyondTheStackBudget_UsesThePerThreadBuffer_WritesEveryValueBeforeReading_AndAllocatesNothing()
    {
        var net = new BigScratchNet();
        var random = new Random(4);
        float[] x = Enumerable.Range(0, 16).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] d = [0.1f, -0.2f, 0.3f, 0f];
        float[] p = net.Parameters.ToArray();

        // Naive reference: h1 = tanh(W1 x + b1), y = W2 h1 + b2; db2 = y - d; db1 = (W2^T (y - d)) * (1 - h1^2).
        const int hidden = 4096, w2 = (16 * hidden) + hidden, b2 = w2 + (hidden * 4);
        double[] h1 = Enumerable.Range(0, hidden).Select(i => Math.Tanh(p[(16 * hidden) + i] + Enumerable.Range(0, 16).Sum(j => (double)p[(j * hidden) + i] * x[j]))).ToArray();
        double[] y = Enumerable.Range(0, 4).Select(i => p[b2 + i] + Enumerable.Range(0, hidden).Sum(j => (double)p[w2 + (j * 4) + i] * h1[j])).ToArray();

        Scratch<float>.Get(100_000).Fill(float.NaN); // garbage left by "an earlier pass"
        var output = new float[4];
        net.Forward(x, output);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(y[i], output[i], 3);
        }

        Scratch<float>.Get(100_000).Fill(float.NaN);
        net.Backward(x, d);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(y[i] - d[i], net.Gradients[b2 + i], 3);
        }

        for (int j = 0; j < hidden; j += 97)
        {
            double expected = Enumerable.Range(0, 4).Sum(i => p[w2 + (j * 4) + i] * (y[i] - d[i])) * (1 - (h1[j] * h1[j]));
            Assert.Equal(expected, net.Gradients[(16 * hidden) + j], 3);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            net.Forward(x, output);
            net.Backward(x, d);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void AnUpdateThatOverflowsInTheLastBatchOfAnEpoch_IsCaught_AndTheParametersRestored()
    {
        // One batch per epoch: no later batch would see the overflow.
        var data = new Dataset<float>(Enumerable.Range(0, 8 * 5).Select(i => (float)(i % 7)).ToArray(), 5, new float[8], 1);
        var net = new AirfoilLinear();
        float[] before = net.Parameters.ToArray();

        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Train(net, new Sgd<float>(1e38), data, new TrainerOptions { Epochs = 2, BatchSize = 32 }));

        Assert.Equal(1, e.Epoch);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    /// <summary>A batch whose loss is finite but whose summed gradient overflows: Step refuses it before any update; Train,
    /// which checks only the loss per batch, finds the overflow in the next batch's loss (or the end-of-epoch check)
    /// and restores the epoch's starting parameters all the same.</summary>
    [Fact]
    public void AGradientThatOverflowsUnderAFiniteLoss_IsCaught_AndTheParametersRestored()
    {
        (LogisticRegression net, Dataset<double> data) = OverflowingGradient();
        double[] before = net.Parameters.ToArray();

        var stepped = Assert.Throws<TrainingDivergedException>(() => Trainer.Step(net, new Sgd<double>(1e-3), data, [0, 1]));
        Assert.Contains("gradient", stepped.Message, StringComparison.Ordinal);
        Assert.Equal(before, net.Parameters.ToArray());

        var trained = Assert.Throws<TrainingDivergedException>(() => Trainer.Train(net, new Sgd<double>(1e-3), data, new TrainerOptions { Epochs = 1, BatchSize = 2 }));
        Assert.Equal(1, trained.Epoch);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    /// <summary>An optimizer that is not one of NetGen's might absorb a non-finite gradient (this one clamps each step),
    /// so Train checks the gradient before such an optimizer's update, as Step does.</summary>
    [Fact]
    public void WithAnotherOptimizer_TrainChecksTheGradientBeforeTheUpdate()
    {
        (LogisticRegression net, Dataset<double> data) = OverflowingGradient();
        double[] before = net.Parameters.ToArray();

        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Train(net, new ClampingSgd(1e-3), data, new TrainerOptions { Epochs = 1, BatchSize = 2 }));

        Assert.Equal(1, e.Batch);
        Assert.Contains("gradient", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    /// <summary>Logistic regression whose batches of two have a finite loss and an infinite gradient: w1 = 1e-300 and
    /// x1 = 1e308 give a = 1e8, so each loss is about 1e8, but each gradient dW1 = (y - d) x1 = 1e308 and the sum of two
    /// is infinite.</summary>
    private static (LogisticRegression Net, Dataset<double> Data) OverflowingGradient()
    {
        double[] x = Enumerable.Range(0, 4).SelectMany(_ => new[] { 1e308, 0, 0, 0 }).ToArray();
        var net = new LogisticRegression();
        net.Parameters.Clear();
        net.Parameters[0] = 1e-300;
        return (net, new Dataset<double>(x, 4, new double[4], 1));
    }

    /// <summary>SGD whose every change of a parameter is clamped to [-1, 1]: an infinite gradient moves it by 1.</summary>
    private sealed class ClampingSgd(double learningRate) : IOptimizer<double>
    {
        public double LearningRate => learningRate;

        public void Step(Span<double> parameters, ReadOnlySpan<double> gradientSum, int batchSize, double rateFactor = 1)
        {
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i] -= Math.Clamp(learningRate * rateFactor * gradientSum[i] / batchSize, -1, 1);
            }
        }

        public void Reset()
        {
        }
    }

    [Fact]
    public void ClipNorm_StillWorks_WhenTheFloatSumOfSquaresOverflows()
    {
        // Inputs of 1e12: the loss (about 1e24) is finite, the gradient (about 1e24 per weight) too, but its sum of squares is not.
        var data = new Dataset<float>(Enumerable.Repeat(1e12f, 5).ToArray(), 5, [0f], 1);
        var net = new AirfoilLinear();
        double loss = Trainer.Step(net, new Sgd<float>(1e-3), data, [0], clipNorm: 1.0);

        Assert.True(double.IsFinite(loss));
        Assert.All(net.Parameters.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Activations_RefuseMismatchedSpans()
    {
        Assert.Throws<ArgumentException>(() => Activations.TanhBackward<float>(new float[64], new float[1], new float[64]));
        Assert.Throws<ArgumentException>(() => Activations.MaxoutBackward<float>(new float[6], new float[3], new float[3], 3, new float[6]));
    }

    [Fact]
    public void Idx_AZeroDimension_IsRefused()
    {
        string path = Path.Combine(_folder, "zero.idx");
        File.WriteAllBytes(path, [0, 0, 8, 3, 0x0B, 0xEB, 0xC2, 0x00, 0, 0, 0, 0, 0, 0, 0, 28]); // 200M images of 0 x 28
        var e = Assert.Throws<DataFormatException>(() => IdxLoader.Read(path, 2051, 3));
        Assert.Contains("dimension 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Idx_AGzipBombBehindASmallClaim_IsReadOnlyAsFarAsTheClaim()
    {
        string path = Path.Combine(_folder, "bomb.gz");
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.SmallestSize))
        {
            gzip.Write([0, 0, 8, 1, 0, 0, 0, 10]); // 10 labels claimed
            gzip.Write(new byte[50_000_000]);      // 50 MB follow
        }

        var e = Assert.Throws<DataFormatException>(() => IdxLoader.Read(path, 2049, 1));
        Assert.Contains("but more bytes follow it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_AValueTooLargeForFloat_IsRefused()
    {
        string path = Path.Combine(_folder, "big.csv");
        File.WriteAllText(path, "a,b\n1e300,1\n");
        var e = Assert.Throws<DataFormatException>(() => CsvLoader.Load<float>(path));
        Assert.Equal(2, e.Line);
        Assert.Equal(1, e.Column);
        Assert.Equal(1e300, CsvLoader.Load<double>(path).Inputs[0]);
    }

    [Theory]
    [InlineData("\"in\": 2", "\"in\": \"2\"")]
    [InlineData("\"out\": 4", "\"out\": 4.5")]
    public void Json_AValueOfTheWrongKind_GivesInvalidDataException(string find, string replace)
    {
        var net = new XorNet();
        string json = WeightsJson.Export(net).Replace(find, replace, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => WeightsJson.Import(net, json));
    }

    [Fact]
    public void Json_AWeightTooLargeForFloat_IsRefused()
    {
        var net = new XorNet();
        string json = WeightsJson.Export(net);
        int at = json.IndexOf("\"bias\": [", StringComparison.Ordinal) + 9;
        int end = json.IndexOfAny([',', ']'], at);
        json = json[..at] + "1e39" + json[end..];
        var e = Assert.Throws<InvalidDataException>(() => WeightsJson.Import(net, json));
        Assert.Contains("too large", e.Message, StringComparison.Ordinal);
    }
}
