using System;
using NetGen.Training;

namespace NetGen.Tests;

/// <summary>Optimizer arithmetic against hand-computed steps in PyTorch's conventions (docs/maths.md#optimizers).</summary>
public class OptimizerTests
{
    // One parameter theta = 1, gradient sums over a batch of 2 of 4 (so G = 2), learning rate 0.1.
    private static double[] Run(IOptimizer<double> optimizer, int steps)
    {
        double[] theta = [1.0];
        var trace = new double[steps];
        for (int t = 0; t < steps; t++)
        {
            optimizer.Step(theta, [4.0], 2, 0.1);
            trace[t] = theta[0];
        }

        return trace;
    }

    private static void Close(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12, $"step {i + 1}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    [Fact]
    public void Sgd_Plain() => Close([0.8, 0.6], Run(new Sgd<double>(), 2));

    [Fact]
    public void Sgd_HeavyBallMomentum()
    {
        // v1 = 2, theta = 1 - 0.2 = 0.8; v2 = 0.9 * 2 + 2 = 3.8, theta = 0.8 - 0.38 = 0.42
        Close([0.8, 0.42], Run(new Sgd<double>(0.9), 2));
    }

    [Fact]
    public void Sgd_Nesterov()
    {
        // v1 = 2, theta = 1 - 0.1 (2 + 1.8) = 0.62; v2 = 3.8, theta = 0.62 - 0.1 (2 + 3.42) = 0.078
        Close([0.62, 0.078], Run(new Sgd<double>(0.9, nesterov: true), 2));
    }

    [Fact]
    public void Sgd_WeightDecayAddsLambdaThetaToTheGradient()
    {
        // G = 2 + 0.5 * 1 = 2.5, theta = 1 - 0.25
        Close([0.75], Run(new Sgd<double>(weightDecay: 0.5), 1));
    }

    [Fact]
    public void Adam_FirstStepsMoveByTheLearningRate()
    {
        // With a constant gradient, m_hat = G and v_hat = G^2 at every step: each step is eta G / (|G| + eps).
        double step = 0.1 * 2 / (2 + 1e-8);
        Close([1 - step, 1 - (2 * step)], Run(new Adam<double>(), 2));
    }

    [Fact]
    public void AdamW_DecaysTheParameterBeforeTheAdamStep()
    {
        double step = 0.1 * 2 / (2 + 1e-8);
        Close([(1 * (1 - (0.1 * 0.01))) - step], Run(Adam<double>.W(0.01), 1));
    }

    [Fact]
    public void Schedules_StepDecayAndCosine()
    {
        Assert.Equal(0.025, LearningRateSchedule.StepDecay(0.1, 2, 0.5).At(4, 10), 12);
        Assert.Equal(0.1, LearningRateSchedule.Cosine(0.1).At(0, 10), 12);
        Assert.Equal(0.05, LearningRateSchedule.Cosine(0.1).At(5, 10), 12);
    }

    [Fact]
    public void AMismatchedGradient_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new Adam<double>().Step(new double[3], new double[2], 1, 0.1));
}
