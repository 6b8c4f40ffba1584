using System;
using System.Linq;
using NetGen.Quantization;
using NetGen.Runtime;
using Xunit.Abstractions;

namespace NetGen.Tests;

/// <summary>Ends in a convolution: its output is C x H x W, dequantised channel by channel.</summary>
[Input(2, 9, 9)]
[Conv2D(4, 3, Activation.ReLU, Padding = 1)]
[Conv2D(3, 3, Activation.Tanh, Stride = 2)]
[Loss(LossFunction.MeanSquaredError)]
public partial class Int8ConvolutionOutputNet;

/// <summary>Ends in a pool after a float activation (ELU): the pool's codes are dequantised at its input's scale.</summary>
[Input(3, 20)]
[Conv1D(5, 3, Activation.ELU, Dilation = 2, Padding = 2)]
[AvgPool1D(3, Stride = 2, Padding = 1, CountIncludePad = false)]
[Loss(LossFunction.MeanSquaredError)]
public partial class Int8PoolOutputNet;

/// <summary>Starts with a pool of the quantised input (its codes at the input's scale), then a convolution and a dense
/// output without activation.</summary>
[Input(2, 8, 8)]
[AvgPool2D(2, CeilMode = true, Stride = 3)]
[Conv2D(3, 2, Activation.ReLU)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
public partial class Int8PoolFirstNet;

/// <summary>Maxout layers in int8: the pieces' sums dequantised and the largest kept in float, hidden (then quantised
/// for the next layer) and at the output.</summary>
[Input(12)]
[Maxout(10, 3)]
[Dense(8, Activation.ReLU)]
[Maxout(4, 2)]
[Loss(LossFunction.MeanSquaredError)]
public partial class Int8MaxoutNet;

/// <summary>Issue 16 for convolutional networks: the int8 convolution and pools equal plain references on every path,
/// and quantised convolutional networks (LeNet-5, a 1-D keyword net, a depthwise net, nets ending in a convolution and
/// a pool) stay close to float and give the same bits on every path. Real-data accuracy: RealDataTests' LeNet-5.</summary>
public class Int8ConvolutionTests(ITestOutputHelper output)
{
    private static Int8Path[] Paths() => Enum.GetValues<Int8Path>().Where(QuantizedNetwork.Supports).ToArray();

    /// <summary>Random geometries: 1-D and 2-D, strides, dilations, padding on each side, groups (depthwise too).</summary>
    private static ConvolutionShape RandomShape(Random random, bool pool)
    {
        int groups = pool ? 1 : new[] { 1, 1, 2, 3 }[random.Next(4)];
        int perGroupIn = random.Next(1, 4), perGroupOut = random.Next(1, 10);
        int channels = groups * perGroupIn;
        bool oneD = random.Next(3) == 0;
        int kh = oneD ? 1 : random.Next(1, 5), kw = random.Next(1, 6);
        int sh = oneD ? 1 : random.Next(1, 3), sw = random.Next(1, 4);
        int dh = oneD ? 1 : random.Next(1, 3), dw = random.Next(1, 3);
        int pt = oneD ? 0 : random.Next(0, (kh / 2) + 1), pl = random.Next(0, (kw / 2) + 1);
        int pb = oneD ? 0 : random.Next(0, (kh / 2) + 1), pr = random.Next(0, (kw / 2) + 1);
        if (pool)
        {
            (dh, dw) = (1, 1);
        }

        int h = oneD ? 1 : random.Next(kh * dh, 14), w = random.Next(kw * dw, 30);
        int oh = ((h + pt + pb - (dh * (kh - 1)) - 1) / sh) + 1, ow = ((w + pl + pr - (dw * (kw - 1)) - 1) / sw) + 1;
        if (pool && random.Next(2) == 0)
        {
            // Ceil mode, as PyTorch counts it: one more window where the floor leaves input over, unless it would start
            // past the input and its left padding. Its windows run past the padded edge and are clipped there.
            oh = Ceil(h + pt + pb - kh, sh, h + pt);
            ow = Ceil(w + pl + pr - kw, sw, w + pl);
        }
        return new ConvolutionShape(channels, h, w, pool ? channels : groups * perGroupOut, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, groups, pb, pr);

        static int Ceil(int span, int stride, int limit)
        {
            int count = ((span + stride - 1) / stride) + 1;
            return (count - 1) * stride >= limit ? count - 1 : count;
        }
    }

    [Fact]
    public void Convolve_OnEveryPath_EqualsThePlainSum_WithPaddingReadingTheZeroPoint()
    {
        var random = new Random(17);
        for (int trial = 0; trial < 60; trial++)
        {
            ConvolutionShape s = RandomShape(random, pool: false);
            int perGroup = s.OutChannels / s.Groups, channels = s.InChannels / s.Groups, count = (s.Taps + 1) / 2;
            var rows = new sbyte[s.OutChannels * s.Taps];
            for (int i = 0; i < rows.Length; i++)
            {
                rows[i] = (sbyte)(trial % 5 == 0 ? -127 : random.Next(-127, 128));
            }

            // Written plainly here: tap 2i in the low half, tap 2i + 1 (or 0 past the last) in the high half.
            var pairs = new int[s.OutChannels * count];
            for (int o = 0; o < s.OutChannels; o++)
            {
                for (int i = 0; i < count; i++)
                {
                    int low = rows[(o * s.Taps) + (2 * i)], high = (2 * i) + 1 < s.Taps ? rows[(o * s.Taps) + (2 * i) + 1] : 0;
                    pairs[(o * count) + i] = (ushort)(short)low | (high << 16);
                }
            }

            byte[] q = Enumerable.Range(0, s.InputSize).Select(_ => (byte)(trial % 5 == 0 ? 127 : random.Next(0, 128))).ToArray();
            int zero = random.Next(0, 128);
            var expected = new int[s.Positions * s.OutChannels];
            for (int o = 0; o < s.OutChannels; o++)
            {
                int g = o / perGroup;
                for (int y = 0; y < s.OutHeight; y++)
                {
                    for (int x = 0; x < s.OutWidth; x++)
                    {
                        int sum = 0;
                        for (int c = 0; c < channels; c++)
                        {
                            for (int i = 0; i < s.KernelHeight; i++)
                            {
                                for (int j = 0; j < s.KernelWidth; j++)
                                {
                                    int iy = (y * s.StrideHeight) + (i * s.DilationHeight) - s.PadTop, ix = (x * s.StrideWidth) + (j * s.DilationWidth) - s.PadLeft;
                                    bool inside = iy >= 0 && iy < s.InHeight && ix >= 0 && ix < s.InWidth;
                                    int code = inside ? q[((((g * channels) + c) * s.InHeight) + iy) * s.InWidth + ix] : zero;
                                    sum += rows[(o * s.Taps) + (((c * s.KernelHeight) + i) * s.KernelWidth) + j] * code;
                                }
                            }
                        }

                        expected[(o * s.Positions) + (y * s.OutWidth) + x] = sum;
                    }
                }
            }

            foreach (Int8Path path in Paths())
            {
                var sums = new int[expected.Length];
                Int8Inference.Convolve(pairs, q, s, zero, new short[Int8Inference.ColumnsLength(s)], sums, path);
                Assert.True(expected.SequenceEqual(sums), $"{path}, trial {trial}: {s}");
            }
        }
    }

    /// <summary>A max pool of codes is the float max pool of the codes; an average pool of codes is the zero point plus
    /// the float average pool of <c>q - z</c> (PyTorch's divisor, both count_include_pad settings, ceil-mode windows)
    /// rounded half away from zero.</summary>
    [Fact]
    public void Pools_OfCodes_AreTheFloatPools_Rounded()
    {
        var random = new Random(18);
        for (int trial = 0; trial < 60; trial++)
        {
            ConvolutionShape s = RandomShape(random, pool: true);
            byte[] q = Enumerable.Range(0, s.InputSize).Select(_ => (byte)random.Next(0, 128)).ToArray();
            int zero = random.Next(0, 128);
            var max = new byte[s.OutputSize];
            Int8Inference.MaxPool(q, s, max);
            var reference = new double[s.OutputSize];
            Convolution.MaxPool<double>(q.Select(v => (double)v).ToArray(), s, reference);
            Assert.True(reference.Select(v => (byte)v).SequenceEqual(max), $"max pool, trial {trial}: {s}");

            foreach (bool countIncludePad in new[] { true, false })
            {
                var average = new byte[s.OutputSize];
                Int8Inference.AvgPool(q, s, countIncludePad, zero, average);
                Convolution.AvgPool<double>(q.Select(v => (double)(v - zero)).ToArray(), s, countIncludePad, reference);
                Assert.True(reference.Select(v => (byte)(zero + (int)Math.Round(v, MidpointRounding.AwayFromZero))).SequenceEqual(average), $"average pool ({countIncludePad}), trial {trial}: {s}");
            }
        }
    }

    /// <summary>Declared networks from random parameters, and LeNet-5 imported from PyTorch's ONNX export (its trained
    /// weights, logits at the output).</summary>
    public static TheoryData<string> Networks() => ["LeNet5", "KeywordNet", "TorchDepthwiseNet", "Int8ConvolutionOutputNet", "Int8PoolOutputNet", "Int8PoolFirstNet", "ImportedLeNet5", "PReluNet", "Int8MaxoutNet"];

    [Theory]
    [MemberData(nameof(Networks))]
    public void AQuantisedConvolutionalNetwork_IsCloseToFloat_AndTheSameBitsOnEveryPath(string name)
    {
        INeuralNetwork<float> net = name switch
        {
            "LeNet5" => new LeNet5(),
            "KeywordNet" => new KeywordNet(),
            "TorchDepthwiseNet" => new TorchDepthwiseNet(),
            "Int8ConvolutionOutputNet" => new Int8ConvolutionOutputNet(),
            "Int8PoolOutputNet" => new Int8PoolOutputNet(),
            "Int8PoolFirstNet" => new Int8PoolFirstNet(),
            "PReluNet" => new PReluNet(),
            "Int8MaxoutNet" => new Int8MaxoutNet(),
            _ => new Onnx.LeNet5Net(),
        };
        if (name != "ImportedLeNet5")
        {
            net.InitializeParameters(3);
        }

        if (net is PReluNet)
        {
            DistinctSlopes(net);
        }

        var random = new Random(19);
        float[] Sample() => Enumerable.Range(0, net.InputSize).Select(_ => (float)((random.NextDouble() * 2) - 0.5)).ToArray();
        float[] calibration = Enumerable.Range(0, 200).SelectMany(_ => Sample()).ToArray();
        QuantizedNetwork quantized = QuantizedNetwork.From(net, calibration);
        Assert.Equal(net.Layers.Count, quantized.Layers.Count);
        Assert.All(quantized.Layers.Where(l => l.Info.IsPool), l => Assert.Equal(0, l.Weights.Length));

        float[][] inputs = Enumerable.Range(0, 30).Select(_ => Sample()).ToArray();
        var reference = new float[inputs.Length][];
        double worst = 0, largest = 0;
        for (int s = 0; s < inputs.Length; s++)
        {
            var y = new float[net.OutputSize];
            var z = new float[net.OutputSize];
            net.Forward(inputs[s], y);
            quantized.Path = QuantizedNetwork.BestPath;
            quantized.Forward(inputs[s], z);
            reference[s] = z;
            worst = Math.Max(worst, y.Zip(z, (a, b) => Math.Abs(a - b)).Max());
            largest = Math.Max(largest, y.Max(Math.Abs));
        }

        // Probabilities within 0.05; other outputs (logits too) within 5% of their largest magnitude.
        double bound = net.Layers[^1].Activation == Activation.Softmax && !net.Layers[^1].Logits ? 0.05 : 0.05 * largest;
        output.WriteLine($"{name}: worst difference from float {worst:G3} (bound {bound:G3}); {quantized.Bytes:N0} bytes of int8 weights against {net.ParameterCount * 4:N0} in float");
        Assert.True(worst < bound, $"{name}: int8 differs from float by {worst}");

        foreach (Int8Path path in Paths())
        {
            quantized.Path = path;
            for (int s = 0; s < inputs.Length; s++)
            {
                var z = new float[net.OutputSize];
                quantized.Forward(inputs[s], z);
                Assert.True(reference[s].SequenceEqual(z), $"{name}, {path}, sample {s}");
            }
        }

        var once = new float[net.OutputSize];
        quantized.Forward(inputs[0], once);
        (long fewest, string rounds) = Allocations.PerRound(i => quantized.Forward(inputs[i % inputs.Length], once));
        Assert.True(fewest == 0, $"{name}: {rounds}");
    }

    /// <summary>PReLU after the int32 sums: each channel's (each unit's) own slope, in float, and the spans checked.</summary>
    [Fact]
    public void ActivatePReLU_AppliesEachChannelsOwnSlope()
    {
        const int channels = 3, positions = 4;
        int[] sums = Enumerable.Range(0, channels * positions).Select(i => ((i * 37) % 23) - 11).ToArray();
        int[] offsets = [2, -3, 0];
        float[] scales = [0.5f, 0.25f, 2f];
        float[] slopes = [0.1f, -0.5f, 1.5f];
        var h = new float[channels * positions];
        Int8Inference.ActivatePReLU(sums, offsets, scales, slopes, positions, h);
        for (int o = 0; o < channels; o++)
        {
            for (int p = 0; p < positions; p++)
            {
                float a = (sums[(o * positions) + p] + offsets[o]) * scales[o];
                Assert.Equal(a > 0 ? a : slopes[o] * a, h[(o * positions) + p]);
            }
        }

        Assert.Contains(h, v => v < 0);
        Assert.Throws<ArgumentException>(() => Int8Inference.ActivatePReLU(sums, offsets, scales, slopes.AsSpan(0, 2), positions, h));
    }

    /// <summary>Maxout after the int32 sums: each unit keeps the largest of its pieces (piece-major), in float.</summary>
    [Fact]
    public void ActivateMaxout_KeepsEachUnitsLargestPiece()
    {
        const int units = 4, pieces = 3;
        int[] sums = Enumerable.Range(0, units * pieces).Select(i => ((i * 29) % 17) - 8).ToArray();
        int[] offsets = Enumerable.Range(0, units * pieces).Select(i => (i % 5) - 2).ToArray();
        float[] scales = Enumerable.Range(0, units * pieces).Select(i => 0.25f + (0.1f * i)).ToArray();
        var h = new float[units];
        Int8Inference.ActivateMaxout(sums, offsets, scales, pieces, h);
        for (int m = 0; m < units; m++)
        {
            float expected = Enumerable.Range(0, pieces).Select(p => (sums[(p * units) + m] + offsets[(p * units) + m]) * scales[(p * units) + m]).Max();
            Assert.Equal(expected, h[m]);
        }

        Assert.Throws<ArgumentException>(() => Int8Inference.ActivateMaxout(sums, offsets.AsSpan(0, 11), scales, pieces, h));
        Assert.Throws<ArgumentException>(() => Int8Inference.ActivateMaxout(sums, offsets, scales, pieces, h.AsSpan(0, 3)));
    }

    /// <summary>What int8 does not compute is refused by name: a layer normalisation.</summary>
    [Fact]
    public void ALayerNormalisation_IsRefusedByName()
    {
        var net = new LayerNormNet();
        var error = Assert.Throws<NotSupportedException>(() => QuantizedNetwork.From(net, new float[LayerNormNet.InputSize]));
        Assert.Contains("layer 2 (layernorm 5 eps 0.0001 ReLU) is a layer normalisation, which int8 inference does not compute yet", error.Message, StringComparison.Ordinal);
    }

    /// <summary>PReLU slopes that differ per channel and per unit, negative and above 1 among them (as trained audio
    /// models have), so that a slope applied to the wrong channel shows.</summary>
    internal static void DistinctSlopes(INeuralNetwork<float> net)
    {
        foreach (LayerInfo layer in net.Layers)
        {
            for (int i = 0; i < layer.SlopeCount; i++)
            {
                net.Parameters[layer.SlopeOffset + i] = (float)(((i * 0.37) % 1.6) - 0.3);
            }
        }
    }
}
