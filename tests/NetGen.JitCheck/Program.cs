using System;
using System.Diagnostics;
using System.Threading;
using NetGen;

// Calls every public pass of a few generated networks (trainable and baked) for about two seconds, long enough for
// tiered compilation to promote what it starts at Tier0, then waits for the background compilations to finish.
// NetGen.Package.Tests/JitTests runs it with DOTNET_JitStdOutFile and DOTNET_JitDisasmSummary=1.
INeuralNetwork<float>[] networks = { new Xor(), new Mnist(), new Wide(), new Maxout() };
var clock = Stopwatch.StartNew();
while (clock.Elapsed < TimeSpan.FromSeconds(2))
{
    foreach (INeuralNetwork<float> net in networks)
    {
        var x = new float[net.InputSize * 3];
        var y = new float[net.OutputSize * 3];
        net.Forward(x.AsSpan(0, net.InputSize), y.AsSpan(0, net.OutputSize));
        net.Backward(x.AsSpan(0, net.InputSize), y.AsSpan(0, net.OutputSize));
        net.ComputeLoss(x.AsSpan(0, net.InputSize), y.AsSpan(0, net.OutputSize));
        net.ForwardBatch(x, y);
        net.BackwardBatch(x, y);
        net.ZeroGradients();
    }

    float[] input = new float[2], output = new float[1];
    XorBaked.Forward(input, output);
    XorBaked.Classify(input);
}

Thread.Sleep(1000);
Console.WriteLine("exercised");

[Input(2)] [Dense(4, Activation.Tanh)] [Dense(1, Activation.Sigmoid)] [Loss(LossFunction.BinaryCrossEntropy)]
public partial class Xor;

[Input(784)] [Dense(128, Activation.ReLU)] [Dense(10, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)]
public partial class Mnist;

[Input(300)] [Dense(1000, Activation.ELU)] [Maxout(70, 3)] [Loss(LossFunction.MeanSquaredError)]
public partial class Wide;

[Input(6)] [Maxout(5, 3)] [Dense(8, Activation.LeakyReLU)] [Dense(3)] [Loss(LossFunction.MeanSquaredError)]
public partial class Maxout;

[Input(2)] [Dense(2, Activation.Tanh)] [Dense(1, Activation.Sigmoid)] [Weights("xor.json")]
public static partial class XorBaked;
