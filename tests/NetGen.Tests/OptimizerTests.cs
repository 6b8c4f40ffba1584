using System;
using NetGen.Training;

namespace NetGen.Tests;

/// <summary>Optimizer arithmetic against hand-computed steps in PyTorch's conventions (docs/maths.md#optimizers).</summary>
public class OptimizerTests
{
    // One parameter theta = 1, gradient sums over a batch of 2 of 4 (so G = 2); the optimizers are made with learning rate 0.1.
    private static double[] Run(IOptimizer<double> optimizer, int steps)
    {
        double[] theta = [1.0];
        var trace = new double[steps];
        for (int t = 0; t < steps; t++)
        {
            optimizer.Step(theta, [4.0], 2);
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
    public void Sgd_Plain() => Close([0.8, 0.6], Run(new Sgd<double>(0.1), 2));

    [Fact]
    public void Sgd_HeavyBallMomentum()
    {
        // v1 = 2, theta = 1 - 0.2 = 0.8; v2 = 0.9 * 2 + 2 = 3.8, theta = 0.8 - 0.38 = 0.42
        Close([0.8, 0.42], Run(new Sgd<double>(0.1, 0.9), 2));
    }

    [Fact]
    public void Sgd_Nesterov()
    {
        // v1 = 2, theta = 1 - 0.1 (2 + 1.8) = 0.62; v2 = 3.8, theta = 0.62 - 0.1 (2 + 3.42) = 0.078
        Close([0.62, 0.078], Run(new Sgd<double>(0.1, 0.9, nesterov: true), 2));
    }

    [Fact]
    public void Sgd_WeightDecayAddsLambdaThetaToTheGradient()
    {
        // G = 2 + 0.5 * 1 = 2.5, theta = 1 - 0.25
        Close([0.75], Run(new Sgd<double>(0.1, weightDecay: 0.5), 1));
    }

    [Fact]
    public void Adam_FirstStepsMoveByTheLearningRate()
    {
        // With a constant gradient, m_hat = G and v_hat = G^2 at every step: each step is eta G / (|G| + eps).
        double step = 0.1 * 2 / (2 + 1e-8);
        Close([1 - step, 1 - (2 * step)], Run(new Adam<double>(0.1), 2));
    }

    [Fact]
    public void AdamW_DecaysTheParameterBeforeTheAdamStep()
    {
        double step = 0.1 * 2 / (2 + 1e-8);
        Close([(1 * (1 - (0.1 * 0.01))) - step], Run(new AdamW<double>(0.1, weightDecay: 0.01), 1));
    }

    [Fact]
    public void Schedules_StepDecayAndCosine()
    {
        // Factors of the optimizer's rate; with a rate of 0.1 these are the rates 0.025, 0.1 and 0.05 they were.
        Assert.Equal(0.025, 0.1 * LearningRateSchedule.StepDecay(2, 0.5).Factor(4, 10), 12);
        Assert.Equal(0.1, 0.1 * LearningRateSchedule.Cosine().Factor(0, 10), 12);
        Assert.Equal(0.05, 0.1 * LearningRateSchedule.Cosine().Factor(5, 10), 12);
        Assert.Equal(1, LearningRateSchedule.Constant().Factor(7, 10));
        Assert.Equal(0.5, LearningRateSchedule.Constant(0.5).Factor(0, 10));
    }

    [Fact]
    public void CosineSchedule_AnnealsTowardsAFractionOfTheRate()
    {
        // PyTorch's CosineAnnealingLR(eta_min = 0.005 lr): halfway is the mean of 1 and the minimum; the end is the minimum.
        LearningRateSchedule cosine = LearningRateSchedule.Cosine(0.005);
        Assert.Equal(1, cosine.Factor(0, 10), 15);
        Assert.Equal((1 + 0.005) / 2, cosine.Factor(5, 10), 15);
        Assert.Equal(0.005, cosine.Factor(10, 10), 15);
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Cosine(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.StepDecay(0, 0.5));
    }

    [Fact]
    public void TheRateFactor_ScalesTheOptimizersRate()
    {
        // A factor of 0.5 on a rate of 0.2 is the plain step at 0.1: theta = 1 - 0.1 * 2.
        double[] theta = [1.0];
        var sgd = new Sgd<double>(0.2);
        sgd.Step(theta, [4.0], 2, rateFactor: 0.5);
        Assert.Equal(0.8, theta[0], 15);
        Assert.Equal(0.2, sgd.LearningRate);
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.Step(theta, [4.0], 2, rateFactor: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.Step(theta, [4.0], 2, rateFactor: double.NaN));
    }

    [Fact]
    public void Defaults_AreRatesOfOneThousandth_AsInPyTorch()
    {
        Assert.Equal(1e-3, new Adam<float>().LearningRate);
        Assert.Equal(0, new Adam<float>().WeightDecay);
        Assert.Equal(1e-3, new AdamW<float>().LearningRate);
        Assert.Equal(0.01, new AdamW<float>().WeightDecay);
        Assert.Equal(0.05, new Sgd<float>(0.05).LearningRate);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<float>(double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW<float>(double.NaN));
    }

    [Fact]
    public void AMismatchedGradient_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new Adam<double>(0.1).Step(new double[3], new double[2], 1));
}
