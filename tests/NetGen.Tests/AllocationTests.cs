using System;

namespace NetGen.Tests;

/// <summary>Forward, Backward and SgdStep allocate nothing after warm-up: all scratch is stackalloc'd.</summary>
public class AllocationTests
{
    [Fact]
    public void Xor_ForwardAndBackward_AllocateZeroBytes() =>
        AssertNoAllocation(new XorNet(), new float[XorNet.InputSize], new float[XorNet.OutputSize]);

    [Fact]
    public void Mnist_ForwardAndBackward_AllocateZeroBytes()
    {
        var target = new float[MnistNet.OutputSize];
        target[3] = 1;
        AssertNoAllocation(new MnistNet(), new float[MnistNet.InputSize], target);
    }

    private static void AssertNoAllocation(INeuralNetwork<float> net, float[] input, float[] target)
    {
        var output = new float[net.OutputSize];
        for (int i = 0; i < 10; i++)
        {
            net.Forward(input, output);
            net.Backward(input, target);
            net.SgdStep(input, target, 0f);
        }

        (long forward, string forwardRounds) = Allocations.PerRound(_ => net.Forward(input, output), calls: 100);
        (long backward, string backwardRounds) = Allocations.PerRound(_ => net.Backward(input, target), calls: 100);
        (long sgd, string sgdRounds) = Allocations.PerRound(_ => net.SgdStep(input, target, 1e-6f), calls: 100);
        Assert.True(forward == 0, $"Forward: {forwardRounds}");
        Assert.True(backward == 0, $"Backward: {backwardRounds}");
        Assert.True(sgd == 0, $"SgdStep: {sgdRounds}");
    }
}
