using System;
using System.IO;
using System.Linq;
using NetGen;
using NetGen.Data;
using NetGen.Persistence;
using NetGen.Training;

// Logistic regression, the lecture's second recap: one dense layer, sigmoid, binary cross-entropy, f(x) = sigmoid(W x + b).
//   dotnet run -c Release --project samples/NetGen.Samples.LogisticRegression                        (made-up data)
//   dotnet run -c Release --project samples/NetGen.Samples.LogisticRegression -- --data ../shared/data   (room occupancy)
string? folder = args.Length == 2 && args[0] == "--data" ? args[1] : null;
Dataset<float> train, test;
string[] features;
if (folder is not null)
{
    features = ["Temperature", "Humidity", "Light", "CO2", "HumidityRatio"];
    var csv = new CsvOptions { TargetColumn = "Occupancy", FeatureColumns = features };
    train = CsvLoader.Load<float>(Path.Combine(folder, "occupancy", "datatraining.txt"), csv);
    test = CsvLoader.Load<float>(Path.Combine(folder, "occupancy", "datatest.txt"), csv);
    Console.WriteLine($"Data: UCI room occupancy, {train.Count} training and {test.Count} test rows.");
}
else
{
    // Two overlapping clouds of five readings; the label says which cloud a reading came from.
    features = ["x1", "x2", "x3", "x4", "x5"];
    train = Clouds(2000, 1);
    test = Clouds(1000, 2);
    Console.WriteLine("Data: two overlapping made-up clouds of 5 readings. Pass --data ../shared/data for room occupancy.");
}

Standardizer standardizer = Standardizer.Fit(train);
standardizer.Apply(train);
standardizer.Apply(test);
var model = new LogisticModel();
Trainer.Train(model, new Adam<float>(learningRate: 1e-2), train, new TrainerOptions { Epochs = 20, BatchSize = 64, Seed = 1 });

int[,] confusion = Evaluation.ConfusionMatrix(model, test);
Console.WriteLine($"Test accuracy {Evaluation.Accuracy(model, test):P2} on {test.Count} rows (true negatives {confusion[0, 0]}, false positives {confusion[0, 1]}, false negatives {confusion[1, 0]}, true positives {confusion[1, 1]}).");
Console.WriteLine("Weights on standardised readings (how strongly each pushes towards 1):");
for (int j = 0; j < features.Length; j++)
{
    Console.WriteLine($"  {features[j],-14} {model.Parameters[j],8:F3}");
}

ParameterFile.Save(model, "logistic-regression.ngp", standardizer);
Console.WriteLine("Saved logistic-regression.ngp (parameters and standardisation).");

static Dataset<float> Clouds(int count, int seed)
{
    var random = new Random(seed);
    var x = new float[count * 5];
    var y = new float[count];
    for (int i = 0; i < count; i++)
    {
        y[i] = i % 2;
        for (int j = 0; j < 5; j++)
        {
            x[i * 5 + j] = (float)((y[i] * (j + 1) * 0.4) + Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }
    }

    return new Dataset<float>(x, 5, y, 1);
}

/// <summary>Logistic regression on five readings.</summary>
[Input(5)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class LogisticModel;
