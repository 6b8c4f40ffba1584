using System;
using NetGen;
using NetGen.Data;
using NetGen.Samples.Digits;
using NetGen.Training;

// Inference with the weights baked into the executable: no file to ship, no loader, nothing parsed at start-up.
// digits.json is what the digits sample writes (dotnet run -c Release --project samples/NetGen.Samples.Digits, then
// copy digits-output/digits.json here; not with --data, whose network takes standardised inputs); the generator turns it
// into read-only data at compile time.
//   dotnet publish -c Release -r linux-x64 samples/NetGen.Samples.AotBaked -o aot-baked
//   aot-baked/NetGen.Samples.AotBaked
Dataset<float> test = Glyphs.Generate(1000, seed: 2);
int correct = 0;
for (int i = 0; i < test.Count; i++)
{
    correct += DigitsBaked.Classify(test.Input(i)) == Classification.Class<float>(test.Target(i), Activation.Softmax) ? 1 : 0;
}

Console.WriteLine($"Baked {DigitsBaked.ParameterCount} parameters for 64-32-10 (ReLU, softmax).");
Console.WriteLine($"Test accuracy: {(double)correct / test.Count:P2} on {test.Count} images.");

// The same network in int8, quantised at compile time from digits-int8.json (the weights and their calibration, which
// the digits sample writes beside digits.json): a quarter of the weight bytes.
int int8Correct = 0, agree = 0;
for (int i = 0; i < test.Count; i++)
{
    int read = DigitsInt8.Classify(test.Input(i));
    int8Correct += read == Classification.Class<float>(test.Target(i), Activation.Softmax) ? 1 : 0;
    agree += read == DigitsBaked.Classify(test.Input(i)) ? 1 : 0;
}

Console.WriteLine($"Int8: test accuracy {(double)int8Correct / test.Count:P2}; the same digit as float on {agree} of {test.Count} images; {DigitsInt8.Int8Bytes} bytes against {DigitsBaked.ParameterCount * 4} in float.");

Span<float> y = stackalloc float[DigitsBaked.OutputSize];
for (int i = 0; i < 10; i++)
{
    DigitsBaked.Forward(test.Input(i), y);
    Console.WriteLine($"image {i}: digit {Classification.Class<float>(test.Target(i), Activation.Softmax)}, read as {Classification.Class<float>(y, Activation.Softmax)} ({y[Classification.Class<float>(y, Activation.Softmax)]:P0} sure)");
}

/// <summary>The same network in int8 (docs/quantization.md).</summary>
[Network(Inference = Inference.Int8)]
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Weights("digits-int8.json")]
public static partial class DigitsInt8;

/// <summary>The digits sample's network with its trained parameters baked in.</summary>
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Weights("digits.json")]
public static partial class DigitsBaked;
