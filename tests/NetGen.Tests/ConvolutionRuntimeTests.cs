using System;
using NetGen.Runtime;

namespace NetGen.Tests;

/// <summary>The pools' rules at their edges, on the runtime's kernels directly: ties route the gradient to the first
/// arg-max in row-major order (PyTorch's rule), a NaN wins its window and stays, on the general path (a padded window)
/// and on the unrolled 2 x 2 one alike; and the average pool's divisor at a padded, ceil-mode border.</summary>
public class ConvolutionRuntimeTests
{
    private static readonly ConvolutionShape TwoByTwo = new(1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1, 0, 0);

    // 3 x 3 windows with stride 1 and padding 1 over 3 x 3: the general path, with bounds checks.
    private static readonly ConvolutionShape Padded = new(1, 3, 3, 1, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);

    [Fact]
    public void MaxPoolTies_RouteTheGradientToTheFirstInRowMajorOrder()
    {
        float[] x = { 5, 5, 1, 2, 5, 5, 3, 3, 0, 0, 7, 7, 0, 0, 7, 7 };
        var dx = new float[16];
        Convolution.MaxPoolBackward<float>(x, new float[] { 1, 2, 3, 4 }, TwoByTwo, dx);
        Assert.Equal(new float[] { 1, 0, 0, 0, 0, 0, 2, 0, 3, 0, 4, 0, 0, 0, 0, 0 }, dx); // the 3 at (1, 2) wins its window

        var all = new float[9];
        Array.Fill(all, 2f);
        var dPadded = new float[9];
        Convolution.MaxPoolBackward<float>(all, new float[] { 1, 1, 1, 1, 1, 1, 1, 1, 1 }, Padded, dPadded);
        // Every window's first input (row-major, padding skipped) wins: (0,0) for the four windows that hold it, ...
        Assert.Equal(new float[] { 4, 2, 0, 2, 1, 0, 0, 0, 0 }, dPadded);
    }

    [Fact]
    public void ANaN_WinsItsWindow_AndTakesTheGradient()
    {
        float[] x = { 1, float.NaN, 9, 2, 3, 4, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
        var y = new float[4];
        Convolution.MaxPool<float>(x, TwoByTwo, y);
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal(9f, y[1]);
        var dx = new float[16];
        Convolution.MaxPoolBackward<float>(x, new float[] { 1, 1, 1, 1 }, TwoByTwo, dx);
        Assert.Equal(1f, dx[1]);
        Assert.Equal(0f, dx[0]);

        float[] padded = { 1, 2, 3, 4, float.NaN, 6, 7, 8, 9 };
        var yp = new float[9];
        Convolution.MaxPool<float>(padded, Padded, yp);
        Assert.All(yp, v => Assert.True(float.IsNaN(v))); // every 3 x 3 window holds the centre
    }

    [Fact]
    public void AveragePoolDivisor_CountsPaddingUpToThePaddedEdgeOnly()
    {
        // 1 x 3 input, window 2, stride 2, padding 1, ceil mode: windows [-1, 0], [1, 2], and none starting in the end padding.
        var shape = new ConvolutionShape(1, 1, 3, 1, 1, 2, 1, 2, 1, 2, 0, 1, 1, 1, 1, 0, 1);
        float[] x = { 2, 4, 6 };
        var withPadding = new float[2];
        var without = new float[2];
        Convolution.AvgPool<float>(x, shape, countIncludePad: true, withPadding);
        Convolution.AvgPool<float>(x, shape, countIncludePad: false, without);
        Assert.Equal(new float[] { 1, 5 }, withPadding); // (0 + 2) / 2, (4 + 6) / 2
        Assert.Equal(new float[] { 2, 5 }, without);     // 2 / 1, (4 + 6) / 2
    }
}
