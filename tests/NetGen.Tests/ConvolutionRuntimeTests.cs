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

    /// <summary>Forward and ForwardBatch take a ReLU convolution's ReLU after the max pool that follows it: the bits must
    /// be those of ReLU then pool, as the training passes compute them, with negative sums, zeros and NaNs in the windows
    /// and a padded, overlapping pool.</summary>
    [Fact]
    public void InferencePasses_PoolBeforeReLU_GiveReLUThenPoolsBits()
    {
        var net = new PooledReLUNet();
        var random = new Random(11);
        int n = PooledReLUNet.InputSize, m = PooledReLUNet.OutputSize;
        float[] x = Values(random, 2 * n);
        x[5] = float.NaN;
        x[n + 40] = BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00123)); // a NaN with a payload
        for (int i = 0; i < 2 * n; i += 7)
        {
            x[i] = -Math.Abs(x[i]); // more windows where every sum is negative
        }

        LayerInfo conv = PooledReLUNet.Layers[0], pool = PooledReLUNet.Layers[1];
        ReadOnlySpan<float> p = net.Parameters;
        var a1 = new float[conv.Convolution!.Shape.OutputSize];
        var h1 = new float[a1.Length];
        var expected = new float[2 * m];
        for (int r = 0; r < 2; r++)
        {
            Convolution.Convolve<float>(p.Slice(conv.WeightOffset, conv.WeightCount), p.Slice(conv.BiasOffset, conv.BiasCount), x.AsSpan(r * n, n), conv.Convolution.Shape, a1);
            Activations.ReLU<float>(a1, h1);
            Convolution.MaxPool<float>(h1, pool.Convolution!.Shape, expected.AsSpan(r * m, m));
        }

        var single = new float[2 * m];
        var batched = new float[2 * m];
        net.Forward(x.AsSpan(0, n), single.AsSpan(0, m));
        net.Forward(x.AsSpan(n, n), single.AsSpan(m, m));
        net.ForwardBatch(x, batched);
        Assert.Contains(expected, float.IsNaN);
        Assert.Contains(expected, v => v == 0);
        for (int i = 0; i < expected.Length; i++)
        {
            AssertSameBits(expected[i], single[i], $"Forward output {i}");
            AssertSameBits(expected[i], batched[i], $"ForwardBatch output {i}");
        }
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

    /// <summary>A random convolution for seed <paramref name="seed"/>: see <see cref="ConvolutionShapes"/>; a quarter of
    /// them have 8 to 12 output channels per group (the backward pass's vector path across channels), and another quarter
    /// 5 to 17 (the product's blocks of eight and six rows, and what they leave).</summary>
    private static ConvolutionShape RandomShape(int seed, Random random)
    {
        int groups = random.Next(3) == 0 ? 2 : 1;
        int c = groups * random.Next(1, 4), o = groups * ((seed % 4) switch { 1 => random.Next(8, 13), 3 => random.Next(5, 18), _ => random.Next(1, 5) });
        bool oneD = random.Next(4) == 0;
        int h = oneD ? 1 : random.Next(1, 20), w = random.Next(1, 40);
        int kh = oneD ? 1 : random.Next(1, 6), kw = random.Next(1, 6);
        int dh = oneD ? 1 : random.Next(1, 3), dw = random.Next(1, 3);
        int sh = seed % 8 is 3 or 6 ? 2 : 1, sw = seed % 8 == 6 ? 1 : sh;
        int pt = oneD ? 0 : random.Next(3), pl = random.Next(3), pb = oneD ? 0 : random.Next(3), pr = random.Next(3);
        int oh = ((h + pt + pb - ((kh - 1) * dh) - 1) / sh) + 1, ow = ((w + pl + pr - ((kw - 1) * dw) - 1) / sw) + 1;
        if (oh < 1 || ow < 1)
        {
            (pt, pb, pl, pr, dh, dw) = (kh, kh, kw, kw, 1, 1); // a kernel that fits its padded input
            oh = ((h + pt + pb - kh) / sh) + 1;
            ow = ((w + pl + pr - kw) / sw) + 1;
        }

        return new ConvolutionShape(c, h, w, o, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, groups, pb, pr);
    }

    /// <summary>The input of output (oc, y, ox)'s tap k, or -1 in the padding.</summary>
    private static int TapInput(in ConvolutionShape s, int oc, int y, int ox, int k)
    {
        int perGroup = s.InChannels / s.Groups, g = oc / (s.OutChannels / s.Groups);
        int ci = k / (s.KernelHeight * s.KernelWidth), i = k / s.KernelWidth % s.KernelHeight, j = k % s.KernelWidth;
        int iy = (y * s.StrideHeight) + (i * s.DilationHeight) - s.PadTop, ix = (ox * s.StrideWidth) + (j * s.DilationWidth) - s.PadLeft;
        return iy >= 0 && iy < s.InHeight && ix >= 0 && ix < s.InWidth ? ((((g * perGroup) + ci) * s.InHeight) + iy) * s.InWidth + ix : -1;
    }

    private static void AssertSameBits(float expected, float actual, string what) =>
        Assert.True(
            BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
            $"{what} is {actual:R}, expected {expected:R}");

    [Theory]
    [MemberData(nameof(ConvolutionShapes))]
    public void Convolve_IsTheTapOrderedSum_BitForBit(int seed)
    {
        var random = new Random(seed);
        ConvolutionShape shape = RandomShape(seed, random);
        int c = shape.InChannels, o = shape.OutChannels, oh = shape.OutHeight, ow = shape.OutWidth;
        float[] x = Values(random, shape.InputSize), weights = Values(random, shape.WeightCount), bias = Values(random, o);
        var a = new float[shape.OutputSize];
        Convolution.Convolve<float>(weights, bias, x, shape, a);

        for (int oc = 0; oc < o; oc++)
        {
            for (int y = 0; y < oh; y++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    // im2col's sum: every tap in (channel, row, column) order from zero, padding taps times zero, fused
                    // where the hardware fuses; then the bias.
                    float sum = 0;
                    for (int k = 0; k < shape.Taps; k++)
                    {
                        int at = TapInput(shape, oc, y, ox, k);
                        sum = Simd.MultiplyAdd(weights[(oc * shape.Taps) + k], at < 0 ? 0f : x[at], sum);
                    }

                    AssertSameBits(sum + bias[oc], a[(((oc * oh) + y) * ow) + ox], $"{shape}: output ({oc}, {y}, {ox})");
                }
            }
        }
    }

    /// <summary>The backward pass's input gradient is im2col's bits (<c>W^T dA</c> summed over the channels in order,
    /// then added onto the inputs tap by tap, in tap order); its weight gradient is each weight's multiply-add chain over
    /// the positions in order where a group has 8 or more output channels (the vector path across channels), and within
    /// rounding of it otherwise (dot products summed per vector lane).</summary>
    [Theory]
    [MemberData(nameof(ConvolutionShapes))]
    public void ConvolveBackward_GivesIm2colsBits(int seed)
    {
        var random = new Random(seed);
        ConvolutionShape s = RandomShape(seed, random);
        float[] x = Values(random, s.InputSize), weights = Values(random, s.WeightCount), da = Values(random, s.OutputSize);
        float[] dw = Values(random, s.WeightCount), db = new float[s.OutChannels], dx = Values(random, s.InputSize);
        float[] dw0 = (float[])dw.Clone();
        Convolution.ConvolveBackward<float>(weights, x, da, s, dw, db, dx);

        int outPerGroup = s.OutChannels / s.Groups, positions = s.Positions;
        var expectedDx = new float[s.InputSize];
        for (int k = 0; k < s.Taps; k++)
        {
            for (int ic = 0; ic < s.Groups; ic++)
            {
                for (int p = 0; p < positions; p++)
                {
                    int at = TapInput(s, ic * outPerGroup, p / s.OutWidth, p % s.OutWidth, k);
                    float column = 0;
                    for (int o = ic * outPerGroup; o < (ic + 1) * outPerGroup; o++)
                    {
                        column = Simd.MultiplyAdd(weights[(o * s.Taps) + k], da[(o * positions) + p], column);
                    }

                    if (at >= 0)
                    {
                        expectedDx[at] += column;
                    }
                }
            }
        }

        for (int i = 0; i < dx.Length; i++)
        {
            AssertSameBits(expectedDx[i], dx[i], $"{s}: dx[{i}]");
        }

        for (int o = 0; o < s.OutChannels; o++)
        {
            for (int k = 0; k < s.Taps; k++)
            {
                float chain = 0;
                double exact = 0, magnitude = 0;
                for (int p = 0; p < positions; p++)
                {
                    int at = TapInput(s, o, p / s.OutWidth, p % s.OutWidth, k);
                    float input = at < 0 ? 0f : x[at];
                    chain = Simd.MultiplyAdd(input, da[(o * positions) + p], chain);
                    exact += (double)input * da[(o * positions) + p];
                    magnitude += Math.Abs((double)input * da[(o * positions) + p]);
                }

                float actual = dw[(o * s.Taps) + k];
                if (s.StrideHeight == 1 && s.StrideWidth == 1 && outPerGroup >= 8 && Convolution.ReadsInPlace(s))
                {
                    AssertSameBits(dw0[(o * s.Taps) + k] + chain, actual, $"{s}: dw[{o}, {k}]");
                }
                else
                {
                    Assert.True(
                        Math.Abs(actual - (dw0[(o * s.Taps) + k] + exact)) <= 1e-5 * (magnitude + Math.Abs(dw0[(o * s.Taps) + k]) + 1),
                        $"{s}: dw[{o}, {k}] is {actual:R}, the exact sum {dw0[(o * s.Taps) + k] + exact:R}");
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

    /// <summary>A block of samples through <see cref="Convolution.ConvolveBatchBackward{T}"/> gives each sample's input
    /// gradient and the bias gradient bit for bit as one call per sample, and the weight gradient within rounding (on the
    /// in-place path its chains run on across the samples and are added once).</summary>
    [Theory]
    [MemberData(nameof(ConvolutionShapes))]
    public void ConvolveBatchBackward_MatchesOneCallPerSample(int seed)
    {
        var random = new Random(seed);
        ConvolutionShape s = RandomShape(seed, random);
        const int Samples = 5;
        int n = s.InputSize, m = s.OutputSize;
        float[] x = Values(random, Samples * n), weights = Values(random, s.WeightCount), da = Values(random, Samples * m);
        float[] dw0 = Values(random, s.WeightCount), db0 = Values(random, s.OutChannels);
        float[] dw = (float[])dw0.Clone(), db = (float[])db0.Clone(), dx = Values(random, Samples * n);
        Convolution.ConvolveBatchBackward<float>(weights, x, da, s, dw, db, dx, Samples);

        float[] dwOne = (float[])dw0.Clone(), dbOne = (float[])db0.Clone(), dxOne = new float[Samples * n];
        for (int r = 0; r < Samples; r++)
        {
            Convolution.ConvolveBackward<float>(weights, x.AsSpan(r * n, n), da.AsSpan(r * m, m), s, dwOne, dbOne, dxOne.AsSpan(r * n, n));
        }

        for (int i = 0; i < dx.Length; i++)
        {
            AssertSameBits(dxOne[i], dx[i], $"{s}: dx[{i}]");
        }

        for (int i = 0; i < db.Length; i++)
        {
            AssertSameBits(dbOne[i], db[i], $"{s}: db[{i}]");
        }

        for (int i = 0; i < dw.Length; i++)
        {
            Assert.True(Math.Abs(dw[i] - dwOne[i]) <= 1e-4 * (1 + Math.Abs(dwOne[i])), $"{s}: dw[{i}] is {dw[i]:R}, one call per sample gives {dwOne[i]:R}");
        }
    }

    /// <summary>The 2 x 2 max pool with stride 2 across runs in vectors when an output row fills one (4 or 8 floats),
    /// forward and backward: it must give the scalar rule's bits (the first NaN wins and stays, a strictly larger value
    /// replaces, so of +0 and -0 the first stays; the gradient goes to the winner, and rows shared by two windows when the
    /// stride down is 1 add in output order) on rows that fill a vector, overlap at the end, or fall back to scalars. With
    /// AVX-512 a row narrower than 16 outputs takes one 16-lane vector spilling into the next row's, and a window without
    /// a NaN takes <c>vmaxps</c>: the rows without NaNs check that its ties of zeros keep the earlier value.</summary>
    [Theory]
    [InlineData(2, 2)]
    [InlineData(4, 2)]
    [InlineData(5, 2)]
    [InlineData(8, 2)]
    [InlineData(11, 2)]
    [InlineData(14, 2)]
    [InlineData(16, 2)]
    [InlineData(21, 2)]
    [InlineData(5, 1)]
    [InlineData(14, 1)]
    [InlineData(5, 2, false)]
    [InlineData(14, 2, false)]
    [InlineData(21, 2, false)]
    [InlineData(14, 1, false)]
    public void MaxPool2x2_InVectors_GivesTheScalarRulesBits(int outWidth, int strideDown, bool nans = true)
    {
        var random = new Random(outWidth + (100 * strideDown));
        int width = (2 * outWidth) + (outWidth % 2), height = 6; // an odd width leaves a column no window reads
        int outHeight = ((height - 2) / strideDown) + 1;
        var shape = new ConvolutionShape(3, height, width, 3, outHeight, outWidth, 2, 2, strideDown, 2, 0, 0, 1, 1, 1, 0, 0);
        float[] choices = nans
            ? new[] { 0f, -0f, 1f, -1f, 2f, float.NaN, BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001)) } // two NaNs
            : new[] { 0f, -0f, -0f, 0f, -1f }; // no NaN: the vectors' fast path, where ties of zeros decide the bits
        var x = new float[shape.InputSize];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = choices[random.Next(choices.Length)];
        }

        float[] da = Values(random, shape.OutputSize);
        da[0] = -0f;
        var a = new float[shape.OutputSize];
        var dx = new float[shape.InputSize];
        Convolution.MaxPool<float>(x, shape, a);
        Convolution.MaxPoolBackward<float>(x, da, shape, dx);
        var expectedDx = new float[shape.InputSize];
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < outHeight; y++)
            {
                for (int ox = 0; ox < outWidth; ox++)
                {
                    int at = (((c * height) + (strideDown * y)) * width) + (2 * ox), winner = at;
                    float largest = x[at];
                    foreach (int next in new[] { at + 1, at + width, at + width + 1 })
                    {
                        if (!float.IsNaN(largest) && (x[next] > largest || float.IsNaN(x[next])))
                        {
                            (largest, winner) = (x[next], next);
                        }
                    }

                    int o = (((c * outHeight) + y) * outWidth) + ox;
                    AssertSameBits(largest, a[o], $"width {outWidth}, stride down {strideDown}: output ({c}, {y}, {ox})");
                    expectedDx[winner] += da[o];
                }
            }
        }

        for (int i = 0; i < dx.Length; i++)
        {
            AssertSameBits(expectedDx[i], dx[i], $"width {outWidth}, stride down {strideDown}: dx[{i}]");
        }
    }
}
