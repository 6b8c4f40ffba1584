using System;
using System.IO;
using NetGen;
using NetGen.Data;
using NetGen.Persistence;
using NetGen.Samples.Digits;
using NetGen.Training;

// Inference in a NativeAOT executable: loads parameters trained by the digits sample and reads digits with them.
//   dotnet run -c Release --project samples/NetGen.Samples.Digits           (writes digits-output/digits.ngp)
//   dotnet publish -c Release -r linux-x64 samples/NetGen.Samples.Aot -o aot
//   aot/NetGen.Samples.Aot digits-output/digits.ngp
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: NetGen.Samples.Aot <digits.ngp written by NetGen.Samples.Digits>");
    return 2;
}

var net = new DigitsNet();
try
{
    ParameterFile.Load(net, args[0]);
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"Cannot load {args[0]}: {e.Message}");
    return 1;
}

Console.WriteLine($"Loaded {DigitsNet.ParameterCount} parameters for {Topology.Describe(net)}.");
Dataset<float> test = Glyphs.Generate(1000, seed: 2);
Console.WriteLine($"Test accuracy: {Evaluation.Accuracy(net, test):P2} on {test.Count} images.");

Span<float> y = stackalloc float[DigitsNet.OutputSize];
for (int i = 0; i < 10; i++)
{
    net.Forward(test.Input(i), y);
    Console.WriteLine($"image {i}: digit {Classification.Class<float>(test.Target(i), Activation.Softmax)}, read as {Classification.Class<float>(y, Activation.Softmax)} ({y[Classification.Class<float>(y, Activation.Softmax)]:P0} sure)");
}

return 0;

/// <summary>The digits network, declared as in the digits sample: 64 inputs, 32 ReLU units, 10-way softmax.</summary>
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class DigitsNet;
