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

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            net.Forward(input, output);
        }

        long afterForward = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            net.Backward(input, target);
        }

        long afterBackward = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            net.SgdStep(input, target, 1e-6f);
        }

        long afterSgd = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, afterForward - before);
        Assert.Equal(0, afterBackward - afterForward);
        Assert.Equal(0, afterSgd - afterBackward);
    }
}
