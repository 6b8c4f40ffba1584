using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using NetGen;
using NetGen.Data;
using NetGen.Persistence;
using NetGen.Quantization;
using NetGen.Samples.Digits;
using NetGen.Training;

// Trains LeNet-5, a generated convolutional network, to read handwritten digits and reports what it learnt.
//   dotnet run -c Release --project samples/NetGen.Samples.LeNet                         (digits it draws itself)
//   dotnet run -c Release --project samples/NetGen.Samples.LeNet -- --data ../shared/data  (MNIST: first 8,000 images to
//                                                                                           train, last 2,000 to test)
string? dataFolder = null;
string output = "lenet-output";
int seed = 1, epochs = 15;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--data" when i + 1 < args.Length: dataFolder = args[++i]; break;
        case "--out" when i + 1 < args.Length: output = args[++i]; break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], out int s): seed = s; i++; break;
        case "--epochs" when i + 1 < args.Length && int.TryParse(args[i + 1], out int e) && e > 0: epochs = e; i++; break;
        default:
            Console.Error.WriteLine("usage: NetGen.Samples.LeNet [--data <folder with mnist/>] [--out <folder>] [--seed <n>] [--epochs <n>]");
            return 2;
    }
}

Dataset<float> train, test;
string source;
if (dataFolder is not null)
{
    string folder = Directory.Exists(Path.Combine(dataFolder, "mnist")) ? Path.Combine(dataFolder, "mnist") : dataFolder;
    Dataset<float> all = IdxLoader.LoadMnist<float>(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"));
    train = all.Slice(0, 8000);
    test = all.Slice(8000, all.Count - 8000);
    source = $"MNIST from {folder}";
}
else
{
    train = Glyphs.GenerateImages(4000, seed: 1);
    test = Glyphs.GenerateImages(1000, seed: 2);
    source = "digits drawn by this sample (pass --data ../shared/data for MNIST)";
}

Console.WriteLine($"Data: {source}: {train.Count} training and {test.Count} test images of 28x28.");
var net = new LeNet5();
net.InitializeParameters(seed);
Console.WriteLine($"Network: {Topology.Describe(net)}; {LeNet5.ParameterCount} parameters.");

// The recipe: Adam at 1e-3 annealed along a cosine to 1e-5, mini-batches of 32, 15 epochs, no augmentation. The test accuracy is
// measured after each epoch for the plot only: nothing is chosen by it.
var history = new List<(EpochReport Report, double TestAccuracy)>();
var progress = new Progress(report =>
{
    double accuracy = Evaluation.Accuracy(net, test);
    history.Add((report, accuracy));
    Console.WriteLine($"epoch {report.Epoch,3}  loss {report.TrainingLoss:F4}  test accuracy {accuracy:P2}  {report.Elapsed.TotalSeconds,5:F1} s");
});
var watch = Stopwatch.StartNew();
Trainer.Train(net, new Adam<float>(1e-3), train, new TrainerOptions { Epochs = epochs, BatchSize = 32, Seed = seed, Metric = Metric.None, Schedule = LearningRateSchedule.Cosine(0.01) }, validation: null, progress);
double final = Evaluation.Accuracy(net, test);
Console.WriteLine();
Console.WriteLine($"Trained in {watch.Elapsed.TotalSeconds:F1} s. Test accuracy: {final:P2} on {test.Count} images.");
Console.WriteLine();
Console.WriteLine("Confusion matrix (rows: actual digit, columns: predicted):");
int[,] confusion = Evaluation.ConfusionMatrix(net, test);
Console.WriteLine("      " + string.Concat(Enumerable.Range(0, 10).Select(c => $"{c,5}")));
for (int r = 0; r < 10; r++)
{
    Console.WriteLine($"  {r,2}  " + string.Concat(Enumerable.Range(0, 10).Select(c => $"{confusion[r, c],5}")));
}

Directory.CreateDirectory(output);
string weightsPath = Path.Combine(output, "lenet5.json"); // PyTorch's layout: loads into the same nn.Module, or bakes with [Weights]
File.WriteAllText(weightsPath, WeightsJson.Export(net));

// The same network in int8 (docs/quantization.md): each layer's input range over 500 training images, then int8
// weights per channel, 7-bit activations, int32 sums. The file with the ranges bakes with [Network(Inference = Inference.Int8)].
Calibration calibration = Calibration.Collect(net, train.Slice(0, Math.Min(500, train.Count)).Inputs);
File.WriteAllText(Path.Combine(output, "lenet5-int8.json"), WeightsJson.Export(net, calibration));
QuantizedNetwork int8 = QuantizedNetwork.From(net, calibration);
int int8Correct = Enumerable.Range(0, test.Count).Count(i => int8.Classify(test.Input(i)) == Classification.Class<float>(test.Target(i), Activation.Softmax));
Console.WriteLine();
Console.WriteLine($"In int8 ({QuantizedNetwork.BestPath}): test accuracy {100.0 * int8Correct / test.Count:F2} %, from {int8.Bytes:N0} bytes of weights against {LeNet5.ParameterCount * 4:N0} in float.");
string plotPath = Path.Combine(output, "lenet5-training.png");
var plot = new ScottPlot.Plot();
double[] x = history.Select(h => (double)h.Report.Epoch).ToArray();
var loss = plot.Add.Scatter(x, history.Select(h => h.Report.TrainingLoss).ToArray());
loss.LegendText = "training loss";
var testAccuracy = plot.Add.Scatter(x, history.Select(h => h.TestAccuracy * 100).ToArray());
testAccuracy.LegendText = "test accuracy (%)";
testAccuracy.Axes.YAxis = plot.Axes.Right;
plot.Axes.Left.Label.Text = "cross-entropy loss";
plot.Axes.Right.Label.Text = "accuracy (%)";
plot.Axes.Bottom.Label.Text = "epoch";
plot.Title("NetGen LeNet-5, Adam 1e-3 (cosine to 1e-5), batch 32");
plot.ShowLegend(ScottPlot.Alignment.MiddleRight);
plot.SavePng(plotPath, 800, 500);
Console.WriteLine();
Console.WriteLine($"Saved the trained weights to {weightsPath} (with their int8 ranges: lenet5-int8.json) and the training curves to {plotPath}.");
return 0;

/// <summary>LeNet-5 as in the lecture's "to come next": two convolution and pooling stages, then three dense layers.</summary>
[Input(1, 28, 28)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class LeNet5;

/// <summary>Runs an action for each epoch report, on the training thread.</summary>
internal sealed class Progress(Action<EpochReport> action) : IProgress<EpochReport>
{
    public void Report(EpochReport value) => action(value);
}
