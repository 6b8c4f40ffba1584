using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using NetGen;
using NetGen.Data;
using NetGen.Persistence;
using NetGen.Quantization;
using NetGen.Samples.Digits;
using NetGen.Training;

// Trains a generated 64-32-10 network to read handwritten digits and reports what it learnt.
//   dotnet run -c Release --project samples/NetGen.Samples.Digits                      (digits it draws itself)
//   dotnet run -c Release --project samples/NetGen.Samples.Digits -- --data ../shared/data   (UCI optdigits)
string? dataFolder = null;
string output = "digits-output";
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--data" when i + 1 < args.Length: dataFolder = args[++i]; break;
        case "--out" when i + 1 < args.Length: output = args[++i]; break;
        default:
            Console.Error.WriteLine("usage: NetGen.Samples.Digits [--data <folder with optdigits/>] [--out <folder>]");
            return 2;
    }
}

Dataset<float> train, test;
string source;
Standardizer? standardizer = null;
// Adam at 2e-3, annealed along a cosine towards 1e-5 (a factor of 0.005); keep the epoch with the lowest validation loss.
var optimizer = new Adam<float>(learningRate: 2e-3);
var options = new TrainerOptions { Epochs = 40, BatchSize = 16, Seed = 1, Patience = 8, RestoreBestWeights = true, Schedule = LearningRateSchedule.Cosine(1e-5 / 2e-3) };
if (dataFolder is not null)
{
    string folder = Directory.Exists(Path.Combine(dataFolder, "optdigits")) ? Path.Combine(dataFolder, "optdigits") : dataFolder;
    var csv = new CsvOptions { Classes = 10 };
    train = CsvLoader.Load<float>(Path.Combine(folder, "optdigits.tra"), csv);
    test = CsvLoader.Load<float>(Path.Combine(folder, "optdigits.tes"), csv);

    // Real digits vary more than the drawn ones: standardised inputs (fitted on the training set, saved with the
    // parameters) and Gaussian input noise regularise the small network; 150 epochs, keeping the best validation epoch.
    standardizer = Standardizer.Fit(train);
    standardizer.Apply(train);
    standardizer.Apply(test);
    options = options with { Epochs = 150, Patience = null, InputNoise = 0.7 };
    source = $"UCI optdigits from {folder}";
}
else
{
    train = Glyphs.Generate(3000, seed: 1);
    test = Glyphs.Generate(1000, seed: 2);
    source = "digits drawn by this sample (pass --data ../shared/data for UCI optdigits)";
}

Console.WriteLine($"Data: {source}: {train.Count} training and {test.Count} test images of 8x8.");
Dataset<float>[] parts = train.Split(seed: 3, 0.9);
Dataset<float> fit = parts[0], validation = parts[1];

var net = new DigitsNet();
Console.WriteLine($"Network: {Topology.Describe(net)}; {DigitsNet.ParameterCount} parameters.");
var watch = Stopwatch.StartNew();
var history = new System.Collections.Generic.List<EpochReport>();
var progress = new ConsoleProgress(history);
TrainingResult result = Trainer.Train(
    net,
    optimizer,
    fit,
    options,
    validation,
    progress);

double accuracy = Evaluation.Accuracy(net, test);
Console.WriteLine();
Console.WriteLine($"Kept epoch {result.BestEpoch} (lowest validation loss){(result.StoppedEarly ? ", stopped early" : string.Empty)}; trained in {watch.Elapsed.TotalSeconds:F1} s.");
Console.WriteLine($"Test accuracy: {accuracy:P2} on {test.Count} images.");
Console.WriteLine();
Console.WriteLine("Confusion matrix (rows: actual digit, columns: predicted):");
int[,] confusion = Evaluation.ConfusionMatrix(net, test);
Console.WriteLine("      " + string.Concat(Enumerable.Range(0, 10).Select(c => $"{c,5}")));
for (int r = 0; r < 10; r++)
{
    Console.WriteLine($"  {r,2}  " + string.Concat(Enumerable.Range(0, 10).Select(c => $"{confusion[r, c],5}")));
}

Directory.CreateDirectory(output);
string parametersPath = Path.Combine(output, "digits.ngp");
ParameterFile.Save(net, parametersPath, standardizer);
string weightsPath = Path.Combine(output, "digits.json"); // for interop, and for baking with [Weights]
File.WriteAllText(weightsPath, WeightsJson.Export(net));

// The same weights with each layer's input range over 500 training samples, for an int8 form: at run time
// (QuantizedNetwork) or baked with [Network(Inference = Inference.Int8)] (samples/NetGen.Samples.AotBaked).
Calibration calibration = Calibration.Collect(net, train.Inputs.AsSpan(0, Math.Min(500, train.Count) * train.InputSize));
File.WriteAllText(Path.Combine(output, "digits-int8.json"), WeightsJson.Export(net, calibration));
QuantizedNetwork int8 = QuantizedNetwork.From(net, calibration);
int int8Correct = Enumerable.Range(0, test.Count).Count(i => int8.Classify(test.Input(i)) == Classification.Class<float>(test.Target(i), Activation.Softmax));
Console.WriteLine($"In int8 ({QuantizedNetwork.BestPath}): test accuracy {100.0 * int8Correct / test.Count:F2} %.");
string plotPath = Path.Combine(output, "digits-training.png");
Plot.Curves(history, plotPath);
Console.WriteLine();
Console.WriteLine($"Saved the trained parameters to {parametersPath} (and as JSON to {weightsPath}) and the training curves to {plotPath}.");
if (standardizer is not null)
{
    Console.WriteLine($"The network takes standardised inputs: {parametersPath} holds the standardisation; the JSON does not.");
}
return 0;

/// <summary>The digits network: 64 inputs (8x8 blocks), 32 ReLU units, 10-way softmax.</summary>
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class DigitsNet;

/// <summary>Prints each epoch as it ends and keeps the history for the plot.</summary>
internal sealed class ConsoleProgress(System.Collections.Generic.List<EpochReport> history) : IProgress<EpochReport>
{
    public void Report(EpochReport r)
    {
        history.Add(r);
        Console.WriteLine($"epoch {r.Epoch,3}  loss {r.TrainingLoss:F4}  validation loss {r.ValidationLoss:F4}  validation accuracy {r.Metric:P1}  lr {r.LearningRate:E1}  {r.Elapsed.TotalSeconds,5:F1} s");
    }
}
