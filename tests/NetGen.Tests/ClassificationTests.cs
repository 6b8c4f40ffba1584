using System;
using System.Linq;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.Tests;

/// <summary>The one classification rule: arg-max for several outputs, a per-activation threshold for one.</summary>
public class ClassificationTests
{
    [Theory]
    [InlineData(Activation.Sigmoid, 0.49, 0)]
    [InlineData(Activation.Sigmoid, 0.5, 1)]
    [InlineData(Activation.Sigmoid, 0.9, 1)]
    [InlineData(Activation.Identity, 0.4999, 0)]
    [InlineData(Activation.Identity, 0.5, 1)]
    [InlineData(Activation.Identity, -3, 0)]
    [InlineData(Activation.ReLU, 0, 0)]
    [InlineData(Activation.ReLU, 0.5, 1)]
    [InlineData(Activation.ReLU, 0.3, 0)]
    [InlineData(Activation.LeakyReLU, 0.3, 0)]
    [InlineData(Activation.ELU, 0.7, 1)]
    [InlineData(Activation.Tanh, -0.01, 0)]
    [InlineData(Activation.Tanh, 0, 1)]
    [InlineData(Activation.Tanh, 0.3, 1)]
    [InlineData(Activation.Tanh, -1, 0)]
    public void OneOutput_IsThresholdedPerActivation(Activation activation, double output, int expected)
    {
        Assert.Equal(expected, Classification.Class<double>([output], activation));
        Assert.Equal(expected, Classification.Class<float>([(float)output], activation));
    }

    [Fact]
    public void Thresholds_AreZeroForTanh_AndOneHalfOtherwise()
    {
        Assert.Equal(0, Classification.Threshold(Activation.Tanh));
        foreach (Activation activation in Enum.GetValues<Activation>().Where(a => a != Activation.Tanh))
        {
            Assert.Equal(0.5, Classification.Threshold(activation));
        }
    }

    [Theory]
    [InlineData(Activation.Softmax)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Identity)]
    public void SeveralOutputs_TakeTheArgMax_WhateverTheActivation(Activation activation)
    {
        Assert.Equal(2, Classification.Class<float>([0.1f, 0.2f, 0.6f, 0.1f], activation));
        Assert.Equal(0, Classification.Class<float>([-0.1f, -0.2f, -0.6f], activation));
    }

    [Fact]
    public void Ties_GoToTheFirstLargest()
    {
        Assert.Equal(1, Classification.Class<float>([0.1f, 0.45f, 0.45f], Activation.Softmax));
        Assert.Equal(0, Classification.Class<double>([0.5, 0.5], Activation.Softmax));
        Assert.Equal(0, Classification.Class<double>([0, 0, 0, 0], Activation.Identity));
    }

    [Fact]
    public void AnEmptySpan_IsRefused() =>
        Assert.Throws<ArgumentException>(() => Classification.Class<float>(ReadOnlySpan<float>.Empty, Activation.Sigmoid));

    [Fact]
    public void TheNetworkOverload_UsesTheLastLayersActivation()
    {
        var xor = new XorNet(); // sigmoid output
        Assert.Equal(1, Classification.Class<float>(xor, [0.5f]));
        Assert.Equal(0, Classification.Class<float>(xor, [0.25f]));
        var tanh = new TanhOutputNet();
        Assert.Equal(1, Classification.Class<float>(tanh, [0.25f]));
        Assert.Equal(0, Classification.Class<float>(tanh, [-0.25f]));
    }

    [Fact]
    public void Evaluation_ClassifiesAOneOutputTanhNetwork_AtZero_ForOutputsAndPlusMinusOneTargets()
    {
        // Weight 1, bias 0: y = tanh(x). Inputs 0.3 and -0.2 are right for targets 1 and -1; 0.1 with target -1 is wrong.
        var net = new TanhOutputNet();
        net.Parameters[0] = 1;
        net.Parameters[1] = 0;
        var data = new Dataset<float>([0.3f, -0.2f, 0.1f], 1, [1f, -1f, -1f], 1);

        int[,] confusion = Evaluation.ConfusionMatrix(net, data);

        Assert.Equal(new[,] { { 1, 1 }, { 0, 1 } }, confusion);
        Assert.Equal(2.0 / 3, Evaluation.Accuracy(net, data), 12);
    }

    [Fact]
    public void Evaluation_ClassifiesAOneOutputIdentityNetwork_AtOneHalf()
    {
        // y = x with 0/1 targets: 0.6 -> 1 (right), 0.4 -> 0 (right), 0.2 with target 1 -> 0 (wrong).
        var net = new IdentityOutputNet();
        net.Parameters[0] = 1;
        net.Parameters[1] = 0;
        var data = new Dataset<float>([0.6f, 0.4f, 0.2f], 1, [1f, 0f, 1f], 1);

        Assert.Equal(new[,] { { 1, 0 }, { 1, 1 } }, Evaluation.ConfusionMatrix(net, data));
    }
}

/// <summary>One tanh output, trained on -1/1 targets.</summary>
[Input(1)]
[Dense(1, Activation.Tanh)]
[Loss(LossFunction.MeanSquaredError)]
public partial class TanhOutputNet;

/// <summary>One identity output, trained on 0/1 targets.</summary>
[Input(1)]
[Dense(1)]
[Loss(LossFunction.MeanSquaredError)]
public partial class IdentityOutputNet;
