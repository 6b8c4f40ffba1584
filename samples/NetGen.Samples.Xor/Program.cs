using System;
using NetGen;

// XOR, the lecture's first network: 2 inputs, 4 tanh hidden units, 1 sigmoid output, binary cross-entropy.
var net = new XorNet();
float[][] inputs = [[0, 0], [0, 1], [1, 0], [1, 1]];
float[][] targets = [[0], [1], [1], [0]];

// Plain full-batch gradient descent: theta <- theta - eta (1/|B|) sum grad L_i.
const float learningRate = 0.5f;
float loss = 0;
for (int epoch = 1; epoch <= 2000; epoch++)
{
    net.ZeroGradients();
    loss = 0;
    for (int i = 0; i < inputs.Length; i++)
    {
        loss += net.Backward(inputs[i], targets[i]);
    }

    Span<float> p = net.Parameters, g = net.Gradients;
    for (int j = 0; j < p.Length; j++)
    {
        p[j] -= learningRate * g[j] / inputs.Length;
    }

    if (epoch % 500 == 0)
    {
        Console.WriteLine($"epoch {epoch,4}: mean loss {loss / inputs.Length:F5}");
    }
}

Span<float> y = stackalloc float[XorNet.OutputSize];
foreach (float[] x in inputs)
{
    net.Forward(x, y);
    Console.WriteLine($"xor({x[0]}, {x[1]}) = {y[0]:F3}");
}

/// <summary>The XOR network.</summary>
[Input(2)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class XorNet;
