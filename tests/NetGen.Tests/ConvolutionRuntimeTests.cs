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

    /// <summary>Shapes for <see cref="Convolve_IsTheTapOrderedSum_BitForBit"/>: random stride-1 convolutions (read in place)
    /// with padding, dilation, groups and 1-D rows, and strided ones (im2col), with widths that do and do not fill a
    /// vector.</summary>
    public static TheoryData<int> ConvolutionShapes()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < 40; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ConvolutionShapes))]
    public void Convolve_IsTheTapOrderedSum_BitForBit(int seed)
    {
        var random = new Random(seed);
        int groups = random.Next(3) == 0 ? 2 : 1;
        int c = groups * random.Next(1, 4), o = groups * random.Next(1, 5);
        bool oneD = random.Next(4) == 0;
        int h = oneD ? 1 : random.Next(1, 20), w = random.Next(1, 40);
        int kh = oneD ? 1 : random.Next(1, 6), kw = random.Next(1, 6);
        int dh = oneD ? 1 : random.Next(1, 3), dw = random.Next(1, 3);
        int sh = seed % 4 == 3 ? 2 : 1, sw = seed % 8 == 7 ? 1 : sh;
        int pt = oneD ? 0 : random.Next(3), pl = random.Next(3), pb = oneD ? 0 : random.Next(3), pr = random.Next(3);
        int oh = ((h + pt + pb - ((kh - 1) * dh) - 1) / sh) + 1, ow = ((w + pl + pr - ((kw - 1) * dw) - 1) / sw) + 1;
        if (oh < 1 || ow < 1)
        {
            (pt, pb, pl, pr, dh, dw) = (kh, kh, kw, kw, 1, 1); // a kernel that fits its padded input
            oh = ((h + pt + pb - kh) / sh) + 1;
            ow = ((w + pl + pr - kw) / sw) + 1;
        }

        var shape = new ConvolutionShape(c, h, w, o, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, groups, pb, pr);
        float[] x = Values(random, shape.InputSize), weights = Values(random, shape.WeightCount), bias = Values(random, o);
        var a = new float[shape.OutputSize];
        Convolution.Convolve<float>(weights, bias, x, shape, a);

        int perGroup = c / groups, outPerGroup = o / groups;
        for (int oc = 0; oc < o; oc++)
        {
            int g = oc / outPerGroup;
            for (int y = 0; y < oh; y++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    // im2col's sum: every tap in (channel, row, column) order from zero, padding taps times zero, fused
                    // where the hardware fuses; then the bias.
                    float sum = 0;
                    int k = 0;
                    for (int ci = 0; ci < perGroup; ci++)
                    {
                        for (int i = 0; i < kh; i++)
                        {
                            for (int j = 0; j < kw; j++, k++)
                            {
                                int iy = (y * sh) + (i * dh) - pt, ix = (ox * sw) + (j * dw) - pl;
                                float input = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[((((g * perGroup) + ci) * h) + iy) * w + ix] : 0f;
                                sum = Simd.MultiplyAdd(weights[(oc * shape.Taps) + k], input, sum);
                            }
                        }
                    }

                    float expected = sum + bias[oc], actual = a[(((oc * oh) + y) * ow) + ox];
                    Assert.True(
                        BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
                        $"{shape}: output ({oc}, {y}, {ox}) is {actual:R}, the tap-ordered sum {expected:R}");
                }
            }
        }
    }

    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    /// <summary>The 2 x 2, stride-2 max pool runs in vectors when an output row fills one (4 or 8 floats): it must give the
    /// scalar rule's bits (first NaN wins and stays, a strictly larger value replaces, so of +0 and -0 the first stays) on
    /// rows that fill a vector, overlap at the end, or fall back to scalars.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(11)]
    [InlineData(14)]
    [InlineData(16)]
    [InlineData(21)]
    public void MaxPool2x2_InVectors_GivesTheScalarRulesBits(int outWidth)
    {
        var random = new Random(outWidth);
        int width = (2 * outWidth) + (outWidth % 2), height = 6; // an odd width leaves a column no window reads
        var shape = new ConvolutionShape(3, height, width, 3, height / 2, outWidth, 2, 2, 2, 2, 0, 0, 1, 1, 1, 0, 0);
        float[] choices = { 0f, -0f, 1f, -1f, 2f, float.NaN, BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001)) }; // two NaNs
        var x = new float[shape.InputSize];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = choices[random.Next(choices.Length)];
        }

        var a = new float[shape.OutputSize];
        Convolution.MaxPool<float>(x, shape, a);
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < height / 2; y++)
            {
                for (int ox = 0; ox < outWidth; ox++)
                {
                    int at = (((c * height) + (2 * y)) * width) + (2 * ox);
                    float largest = x[at];
                    foreach (float value in new[] { x[at + 1], x[at + width], x[at + width + 1] })
                    {
                        if (!float.IsNaN(largest) && (value > largest || float.IsNaN(value)))
                        {
                            largest = value;
                        }
                    }

                    float actual = a[(((c * (height / 2)) + y) * outWidth) + ox];
                    Assert.True(
                        BitConverter.SingleToInt32Bits(largest) == BitConverter.SingleToInt32Bits(actual),
                        $"width {outWidth}: output ({c}, {y}, {ox}) is {actual:R} ({BitConverter.SingleToInt32Bits(actual):X8}), the rule gives {largest:R} ({BitConverter.SingleToInt32Bits(largest):X8})");
                }
            }
        }
    }
}
