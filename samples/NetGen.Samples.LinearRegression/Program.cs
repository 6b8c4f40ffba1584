using System;
using System.IO;
using System.Linq;
using NetGen;
using NetGen.Data;
using NetGen.Persistence;
using NetGen.Training;

// Linear regression, the lecture's first recap: one dense layer, identity, mean squared error, f(x) = W x + b.
//   dotnet run -c Release --project samples/NetGen.Samples.LinearRegression                       (made-up data)
//   dotnet run -c Release --project samples/NetGen.Samples.LinearRegression -- --data ../shared/data  (airfoil noise)
string? folder = args.Length == 2 && args[0] == "--data" ? args[1] : null;
Dataset<double> all;
if (folder is not null)
{
    all = CsvLoader.Load<double>(Path.Combine(folder, "airfoil", "airfoil_self_noise.dat"), new CsvOptions { Delimiter = '\t' });
    Console.WriteLine($"Data: NASA airfoil self-noise, {all.Count} rows; predicting the sound pressure level in dB from 5 measurements.");
}
else
{
    // y = 3 x1 - 2 x2 + 0.5 x3 + 0 x4 + 1 x5 + 10, plus noise of standard deviation 0.5.
    double[] w = [3, -2, 0.5, 0, 1];
    var random = new Random(1);
    double[] x = Enumerable.Range(0, 1000 * 5).Select(_ => random.NextDouble() * 4 - 2).ToArray();
    double[] y = Enumerable.Range(0, 1000).Select(i => Enumerable.Range(0, 5).Sum(j => w[j] * x[i * 5 + j]) + 10 + 0.5 * Gaussian(random)).ToArray();
    all = new Dataset<double>(x, 5, y, 1);
    Console.WriteLine("Data: 1000 made-up rows, y = 3 x1 - 2 x2 + 0.5 x3 + 0 x4 + 1 x5 + 10 + noise(0.5). Pass --data ../shared/data for airfoil.");
}

Dataset<double>[] parts = all.Split(seed: 2026, 0.8);
Dataset<double> train = parts[0], test = parts[1];
Standardizer standardizer = Standardizer.Fit(train);
standardizer.Apply(train);
standardizer.Apply(test);

var model = new LinearModel();
Trainer.Train(model, new Sgd<double>(learningRate: 1e-2, momentum: 0.9), train, new TrainerOptions { Epochs = 100, BatchSize = 32, Seed = 1, Metric = Metric.RootMeanSquaredError });

Console.WriteLine($"Test RMSE {Evaluation.RootMeanSquaredError(model, test):F3}, R² {Evaluation.RSquared(model, test):F3} on {test.Count} held-out rows.");
// Weights in the original units: the model sees standardised x, so w_j = w'_j / std_j and b = b' - sum w_j mean_j.
double[] weights = Enumerable.Range(0, 5).Select(j => model.Parameters[j] / standardizer.StandardDeviation[j]).ToArray();
double bias = model.Parameters[5] - Enumerable.Range(0, 5).Sum(j => weights[j] * standardizer.Mean[j]);
Console.WriteLine($"Learnt f(x) = {string.Join(" + ", weights.Select((v, j) => $"{v:G4} x{j + 1}"))} + {bias:G4}");
ParameterFile.Save(model, "linear-regression.ngp", standardizer);
Console.WriteLine("Saved linear-regression.ngp (parameters and standardisation).");

static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

/// <summary>Linear regression on five features.</summary>
[Network(Precision = Precision.Double)]
[Input(5)]
[Dense(1)]
[Loss(LossFunction.MeanSquaredError)]
public partial class LinearModel;
