using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Data;
using NetGen.Quantization;
using NetGen.Training;
using Xunit.Abstractions;

namespace NetGen.Tests;

/// <summary>Generated networks trained on public data sets reach the accuracy the literature reports.</summary>
public class RealDataTests
{
    private readonly ITestOutputHelper _output;

    public RealDataTests(ITestOutputHelper output) => _output = output;

    /// <summary>Issue 3's bar, 97% on optdigits.tes with 64-32-10 and Adam. Plain training stops short of it, and PyTorch
    /// does too (NetGen.Reference.Tests' OptdigitsAgreementTests: 95.6 to 95.8% for both on the same batches, 96.5 to 97.0%
    /// with AdamW). Gaussian input noise (0.7 of each standardised feature's spread) is what lifts this small network past
    /// it: over seeds 1 to 10 the runs end between 97.11% and 98.33%, mean 97.77%.</summary>
    [SkippableFact]
    public void Optdigits_64_32_10_WithAdam_ReachesAtLeast97PercentOnTheTestSet()
    {
        var options = new CsvOptions { Classes = 10 };
        Dataset<float> train = CsvLoader.Load<float>(SharedData.PathOf("optdigits/optdigits.tra"), options);
        Dataset<float> test = CsvLoader.Load<float>(SharedData.PathOf("optdigits/optdigits.tes"), options);
        Assert.Equal(3823, train.Count);
        Assert.Equal(1797, test.Count);
        Standardizer standardizer = Standardizer.Fit(train);
        standardizer.Apply(train);
        standardizer.Apply(test);

        var net = new DigitsNet();
        net.InitializeParameters(1);
        Trainer.Train(net, new Adam<float>(2e-3), train, new TrainerOptions { Epochs = 150, BatchSize = 16, Seed = 1, InputNoise = 0.7, Schedule = LearningRateSchedule.Cosine(1e-5 / 2e-3) });

        double accuracy = Evaluation.Accuracy(net, test);
        _output.WriteLine($"optdigits test accuracy {accuracy:P2}");
        Assert.True(accuracy >= 0.97, $"accuracy {accuracy:P2}");
    }

    [SkippableFact]
    public void Occupancy_LogisticRegression_ReachesAtLeast97PercentOnDatatest()
    {
        var options = new CsvOptions { TargetColumn = "Occupancy", FeatureColumns = ["Temperature", "Humidity", "Light", "CO2", "HumidityRatio"] };
        Dataset<float> train = CsvLoader.Load<float>(SharedData.PathOf("occupancy/datatraining.txt"), options);
        Dataset<float> test = CsvLoader.Load<float>(SharedData.PathOf("occupancy/datatest.txt"), options);
        Assert.Equal(8143, train.Count);
        Assert.Equal(2665, test.Count);
        Standardizer standardizer = Standardizer.Fit(train);
        standardizer.Apply(train);
        standardizer.Apply(test);

        var net = new OccupancyLogistic();
        Trainer.Train(net, new Adam<float>(1e-2), train, new TrainerOptions { Epochs = 20, BatchSize = 64, Seed = 1 });

        double accuracy = Evaluation.Accuracy(net, test);
        _output.WriteLine($"occupancy test accuracy {accuracy:P2}");
        Assert.True(accuracy >= 0.97, $"accuracy {accuracy:P2}");
    }

    [SkippableFact]
    public void Airfoil_MlpBeats2dB_WhileLinearRegressionStaysAbove4_5dB()
    {
        Dataset<float> all = CsvLoader.Load<float>(SharedData.PathOf("airfoil/airfoil_self_noise.dat"), new CsvOptions { Delimiter = '\t' });
        Assert.Equal(1503, all.Count);
        Dataset<float>[] parts = all.Split(seed: 2026, 0.8);
        Dataset<float> train = parts[0], test = parts[1];
        Standardizer inputs = Standardizer.Fit(train);
        inputs.Apply(train);
        inputs.Apply(test);

        // Targets in dB, centred and scaled on the training set; RMSE is reported back in dB.
        double mean = train.Targets.Average(), std = Math.Sqrt(train.Targets.Average(t => (t - mean) * (t - mean)));
        Dataset<float> trainScaled = ScaleTargets(train, mean, std), testScaled = ScaleTargets(test, mean, std);

        var mlp = new AirfoilMlp();
        Trainer.Train(mlp, new Adam<float>(3e-3), trainScaled, new TrainerOptions { Epochs = 600, BatchSize = 32, Seed = 3, Schedule = LearningRateSchedule.Cosine(1e-4 / 3e-3), Metric = Metric.RootMeanSquaredError });
        double mlpRmse = Evaluation.RootMeanSquaredError(mlp, testScaled) * std;

        var linear = new AirfoilLinear();
        Trainer.Train(linear, new Adam<float>(1e-2), trainScaled, new TrainerOptions { Epochs = 200, BatchSize = 32, Seed = 3, Metric = Metric.RootMeanSquaredError });
        double linearRmse = Evaluation.RootMeanSquaredError(linear, testScaled) * std;

        _output.WriteLine($"airfoil test RMSE: MLP {mlpRmse:F2} dB, linear {linearRmse:F2} dB");
        Assert.True(mlpRmse <= 2.0, $"MLP RMSE {mlpRmse:F2} dB");
        Assert.True(linearRmse > 4.5, $"linear RMSE {linearRmse:F2} dB");
    }

    [SkippableFact]
    public void Mnist_784_128_10_ReachesAtLeast95PercentOnTheLast2000()
    {
        Dataset<float> all = IdxLoader.LoadMnist<float>(SharedData.PathOf("mnist/t10k-images-idx3-ubyte.gz"), SharedData.PathOf("mnist/t10k-labels-idx1-ubyte.gz"));
        Assert.Equal(10000, all.Count);
        Dataset<float> train = all.Slice(0, 8000), test = all.Slice(8000, 2000);

        var net = new MnistNet();
        Trainer.Train(net, new Adam<float>(1e-3), train, new TrainerOptions { Epochs = 10, BatchSize = 32, Seed = 1 });

        double accuracy = Evaluation.Accuracy(net, test);
        _output.WriteLine($"MNIST test accuracy {accuracy:P2}");
        Assert.True(accuracy >= 0.95, $"accuracy {accuracy:P2}");
    }

    /// <summary>Issue 17's bar: LeNet-5 on the first 8,000 MNIST images, tested on the last 2,000, with the Trainer and
    /// Adam (1e-3 annealed along a cosine to 1e-5, batch 32, 15 epochs, no augmentation): a mean of at least 98.0% over
    /// seeds 1 to 5, each at least 97.5%; and issue 16's: each in int8 at most half a point below its float accuracy.</summary>
    [SkippableFact]
    public void LeNet5_OnMnist_AveragesAtLeast98PercentOverFiveSeeds_AndInt8LosesAtMostHalfAPoint()
    {
        // Asserted on the default instruction set, as the issue asks; the reduced-ISA runs of scripts/test.sh check the
        // convolution kernels' numerics instead (ConvolutionNumericTests), where five trainings would take minutes each.
        Skip.If(
            new[] { "DOTNET_EnableHWIntrinsic", "DOTNET_EnableAVX2", "DOTNET_EnableAVX512", "DOTNET_EnableAVX512F" }.Any(v => Environment.GetEnvironmentVariable(v) == "0"),
            "LeNet-5's accuracy is asserted on the default instruction set");
        Dataset<float> all = IdxLoader.LoadMnist<float>(SharedData.PathOf("mnist/t10k-images-idx3-ubyte.gz"), SharedData.PathOf("mnist/t10k-labels-idx1-ubyte.gz"));
        Dataset<float> train = all.Slice(0, 8000), test = all.Slice(8000, 2000);
        var accuracies = new List<double>();
        var int8 = new List<double>();
        var lost = new List<int>(); // test images float classifies right and int8 does not, less the reverse
        for (int seed = 1; seed <= 5; seed++)
        {
            var net = new LeNet5();
            net.InitializeParameters(seed);
            var options = new TrainerOptions { Epochs = 15, BatchSize = 32, Seed = seed, Metric = Metric.None, Schedule = LearningRateSchedule.Cosine(0.01) };
            Trainer.Train(net, new Adam<float>(1e-3), train, options);
            accuracies.Add(Evaluation.Accuracy(net, test));

            // Issue 16: the same network in int8, calibrated on 500 training images, loses at most half a point.
            QuantizedNetwork quantized = QuantizedNetwork.From(net, train.Slice(0, 500).Inputs);
            int right = 0, agree = 0;
            double worst = 0;
            var y = new float[10];
            var z = new float[10];
            for (int s = 0; s < test.Count; s++)
            {
                net.Forward(test.Input(s), y);
                quantized.Forward(test.Input(s), z);
                int label = test.Target(s).IndexOf(1f), expected = ArgMax(y), actual = ArgMax(z);
                right += actual == label ? 1 : 0;
                agree += actual == expected ? 1 : 0;
                worst = Math.Max(worst, y.Zip(z, (a, b) => Math.Abs(a - b)).Max());
            }

            int8.Add((double)right / test.Count);
            lost.Add((int)Math.Round(accuracies[^1] * test.Count) - right);
            _output.WriteLine($"seed {seed}: float {accuracies[^1]:P2}, int8 {int8[^1]:P2} ({QuantizedNetwork.BestPath}), {agree} of {test.Count} classes agree, worst probability difference {worst:G3}, {quantized.Bytes:N0} bytes of int8 weights against {LeNet5.ParameterCount * 4:N0}");
        }

        _output.WriteLine($"LeNet-5 MNIST test accuracy by seed: {string.Join(", ", accuracies.Select(a => a.ToString("P2", CultureInfo.InvariantCulture)))}; mean {accuracies.Average():P2}, spread {accuracies.Max() - accuracies.Min():P2}");
        _output.WriteLine($"in int8: {string.Join(", ", int8.Select(a => a.ToString("P2", CultureInfo.InvariantCulture)))}; mean {int8.Average():P2}");
        Assert.True(accuracies.Average() >= 0.98, $"mean accuracy {accuracies.Average():P2}");
        Assert.All(accuracies, a => Assert.True(a >= 0.975, $"a seed reached {a:P2}"));
        // Half a point of 2,000 images is 10: counted in images, not compared as doubles.
        Assert.All(lost, images => Assert.True(images <= test.Count / 200, $"int8 classifies {images} fewer of {test.Count} images right"));
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }

        return best;
    }

    private static Dataset<float> ScaleTargets(Dataset<float> data, double mean, double std) =>
        new(data.Inputs, data.InputSize, data.Targets.Select(t => (float)((t - mean) / std)).ToArray(), data.TargetSize);
}
