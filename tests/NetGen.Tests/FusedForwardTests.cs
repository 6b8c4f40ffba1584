using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NetGen.Runtime;
using Xunit;

namespace NetGen.Tests;

/// <summary>S-shaped: every hidden layer is one 512-bit vector wide, with tanh; the one-output layer is a dot product.</summary>
[Input(8)]
[Dense(16, Activation.Tanh)]
[Dense(16, Activation.Tanh)]
[Dense(1)]
[Loss(LossFunction.MeanSquaredError)]
public partial class FusedTanhNet;

/// <summary>Fused layers of one to eight vectors, with a looped fan-in (20, 128), one without a bias, and layers that are
/// not fused: 5 softmax outputs, 24 ReLU units (not a multiple of 16), a leaky ReLU.</summary>
[Input(20)]
[Dense(128, Activation.ReLU)]
[Dense(48, Activation.Tanh, Bias = false)]
[Dense(24, Activation.ReLU)]
[Dense(32, Activation.LeakyReLU)]
[Dense(32, Activation.ReLU)]
[Dense(5, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class FusedWideNet;

/// <summary>ReLU-shaped, for the training passes: a fused 16-unit ReLU layer, whose backward step reads <c>h1</c>.</summary>
[Input(8)]
[Dense(16, Activation.ReLU)]
[Dense(3)]
[Loss(LossFunction.MeanSquaredError)]
public partial class FusedReLUNet;

/// <summary>The per-sample passes take a dense ReLU or tanh layer of 16 to 128 units through <c>Affine{k}{Activation}</c>,
/// which applies the activation to the accumulators before storing them and leaves <c>a</c> unwritten. It must give
/// <c>h</c> to the bit as <c>Affine{k}</c> followed by the runtime's activation, on every input, so that every pass agrees
/// with the two-step layers and with itself on machines without AVX-512; the training passes' ReLU backward then reads
/// <c>h</c>, which is positive exactly where <c>a</c> is.</summary>
public class FusedForwardTests
{
    /// <summary>Values that any path must treat alike: NaN, infinities, both zeros, tanh's pass-through and clamp
    /// regions, and ordinary values.</summary>
    private static readonly float[] Specials =
    [
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 1e-5f, -3e-4f, 4e-4f, 7.99f, -8.5f, 20f, 1e-30f,
        float.Epsilon, -float.Epsilon, 0.5f, -1.25f,
    ];

    [Fact]
    public void VectorActivations_AreTheSpanActivations_BitForBit()
    {
        var random = new Random(11);
        for (int round = 0; round < 200; round++)
        {
            var a = new float[16];
            for (int i = 0; i < a.Length; i++)
            {
                a[i] = round == 0 ? Specials[i] : round % 3 == 0 ? Specials[random.Next(Specials.Length)] : (float)((random.NextDouble() * 24) - 12);
            }

            var tanh = new float[16];
            var relu = new float[16];
            Activations.Tanh<float>(a, tanh);
            Activations.ReLU<float>(a, relu);
            Vector512<float> x = Vector512.Create(a);
            AssertSameBits(relu, Activations.ReLU(x), "relu");
            if (Vector512.IsHardwareAccelerated)
            {
                AssertSameBits(tanh, Activations.Tanh(x), "tanh");
                continue;
            }

            // Emulated Vector512 (the AVX2, SSE and scalar CI runs) multiplies, then adds, where the span form's path
            // fuses them: fused kernels never call the vector form there, but it must still be tanh, reaching +-1 exactly.
            var emulated = new float[16];
            Activations.Tanh(x).CopyTo(emulated);
            for (int i = 0; i < 16; i++)
            {
                Assert.True(float.IsNaN(a[i]) ? float.IsNaN(emulated[i]) : Math.Abs(emulated[i] - tanh[i]) <= 1e-6f, $"tanh({a[i]:R}): {emulated[i]:R} against {tanh[i]:R}");
                if (Math.Abs(a[i]) >= 8)
                {
                    Assert.Equal(Math.Sign(a[i]), emulated[i]);
                }
            }
        }
    }

    [Fact]
    public void FusedKernels_AreAffineThenActivation_BitForBit()
    {
        var random = new Random(5);
        for (int round = 0; round < 40; round++)
        {
            bool special = round % 4 == 3;
            CheckLayer(8, 16, random, special, (w, b, x, a, h) => Generated.NetGen_Tests_FusedTanhNet.Affine1Tanh(w, b, x, a, h), (w, b, x, a) => Generated.NetGen_Tests_FusedTanhNet.Affine1(w, b, x, a), Activations.Tanh<float>);
            CheckLayer(16, 16, random, special, (w, b, x, a, h) => Generated.NetGen_Tests_FusedTanhNet.Affine2Tanh(w, b, x, a, h), (w, b, x, a) => Generated.NetGen_Tests_FusedTanhNet.Affine2(w, b, x, a), Activations.Tanh<float>);
            CheckLayer(20, 128, random, special, (w, b, x, a, h) => Generated.NetGen_Tests_FusedWideNet.Affine1ReLU(w, b, x, a, h), (w, b, x, a) => Generated.NetGen_Tests_FusedWideNet.Affine1(w, b, x, a), Activations.ReLU<float>);
            CheckLayer(128, 48, random, special, (w, _, x, a, h) => Generated.NetGen_Tests_FusedWideNet.Affine2Tanh(w, x, a, h), (w, _, x, a) => Generated.NetGen_Tests_FusedWideNet.Affine2(w, x, a), Activations.Tanh<float>);
            CheckLayer(32, 32, random, special, (w, b, x, a, h) => Generated.NetGen_Tests_FusedWideNet.Affine5ReLU(w, b, x, a, h), (w, b, x, a) => Generated.NetGen_Tests_FusedWideNet.Affine5(w, b, x, a), Activations.ReLU<float>);
        }
    }

    [Fact]
    public void Forward_IsTheLayerByLayerComposition_BitForBit()
    {
        var net = new FusedWideNet();
        var random = new Random(3);
        float[] p = net.Parameters.ToArray();
        for (int round = 0; round < 50; round++)
        {
            var x = new float[20];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (float)((random.NextDouble() * 6) - 3);
            }

            var expected = new float[5];
            Compose(p, x, expected);
            var actual = new float[5];
            net.Forward(x, actual);
            AssertSameBits(expected, actual, $"round {round}");
        }
    }

    [Fact]
    public void SmallForward_IsTheLayerByLayerComposition_BitForBit()
    {
        var net = new FusedTanhNet();
        var random = new Random(8);
        float[] p = net.Parameters.ToArray();
        for (int round = 0; round < 50; round++)
        {
            var x = new float[8];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = round % 5 == 4 ? Specials[random.Next(Specials.Length)] : (float)((random.NextDouble() * 6) - 3);
            }

            var a1 = new float[16];
            var h1 = new float[16];
            var a2 = new float[16];
            var h2 = new float[16];
            var a3 = new float[1];
            Generated.NetGen_Tests_FusedTanhNet.Affine1(p.AsSpan(0, 128), p.AsSpan(128, 16), x, a1);
            Activations.Tanh<float>(a1, h1);
            Generated.NetGen_Tests_FusedTanhNet.Affine2(p.AsSpan(144, 256), p.AsSpan(400, 16), h1, a2);
            Activations.Tanh<float>(a2, h2);
            Generated.NetGen_Tests_FusedTanhNet.Affine3(p.AsSpan(416, 16), p.AsSpan(432, 1), h2, a3);
            var actual = new float[1];
            net.Forward(x, actual);
            AssertSameBits(a3, actual, $"round {round}");
        }
    }

    [Fact]
    public void ReLUBackward_FromTheOutput_IsReLUBackward_FromThePreActivation_BitForBit()
    {
        var random = new Random(13);
        for (int round = 0; round < 100; round++)
        {
            float[] a = Values(40, random, special: true, scale: 4);
            float[] dh = Values(40, random, special: round % 2 == 0, scale: 3);
            var h = new float[40];
            Activations.ReLU<float>(a, h);
            var fromA = new float[40];
            var fromH = new float[40];
            Activations.ReLUBackward<float>(a, dh, fromA);
            Activations.ReLUBackward<float>(h, dh, fromH);
            AssertSameBits(fromA, fromH, $"round {round}");
        }
    }

    /// <summary>Backward and SgdStep through the fused layers are the two-step layers' backpropagation, to the bit: the
    /// loss, every gradient, and the parameters after a step. Where Vector512 is not accelerated the fused kernels are
    /// the two steps themselves, so this guards the AVX-512 path (the reduced-instruction-set CI runs check the rest).</summary>
    [Fact]
    public void TrainingPasses_ThroughFusedLayers_AreTheTwoStepBackpropagation_BitForBit()
    {
        var random = new Random(21);
        var tanhNet = new FusedTanhNet();
        var reluNet = new FusedReLUNet();
        for (int round = 0; round < 30; round++)
        {
            float[] x = Values(8, random, special: false, scale: 3);
            float[] d3 = Values(3, random, special: false, scale: 1);
            float[] d1 = [d3[0]];

            // FusedTanhNet: 8 -> 16 tanh -> 16 tanh -> 1.
            float[] p = tanhNet.Parameters.ToArray();
            var g = new float[p.Length];
            var a1 = new float[16];
            var h1 = new float[16];
            var a2 = new float[16];
            var h2 = new float[16];
            var y = new float[1];
            Generated.NetGen_Tests_FusedTanhNet.Affine1(p.AsSpan(0, 128), p.AsSpan(128, 16), x, a1);
            Activations.Tanh<float>(a1, h1);
            Generated.NetGen_Tests_FusedTanhNet.Affine2(p.AsSpan(144, 256), p.AsSpan(400, 16), h1, a2);
            Activations.Tanh<float>(a2, h2);
            Generated.NetGen_Tests_FusedTanhNet.Affine3(p.AsSpan(416, 16), p.AsSpan(432, 1), h2, y);
            float loss = Losses.HalfSquaredError<float>(y, d1);
            var dy = new float[1];
            Losses.OutputError<float>(y, d1, dy);
            var dh2 = new float[16];
            var da2 = new float[16];
            var dh1 = new float[16];
            var da1 = new float[16];
            Generated.NetGen_Tests_FusedTanhNet.AffineBackward3(p.AsSpan(416, 16), h2, dy, g.AsSpan(416, 16), g.AsSpan(432, 1), dh2);
            Activations.TanhBackward<float>(h2, dh2, da2);
            Generated.NetGen_Tests_FusedTanhNet.AffineBackward2(p.AsSpan(144, 256), h1, da2, g.AsSpan(144, 256), g.AsSpan(400, 16), dh1);
            Activations.TanhBackward<float>(h1, dh1, da1);
            Generated.NetGen_Tests_FusedTanhNet.AffineBackward1(p.AsSpan(0, 128), x, da1, g.AsSpan(0, 128), g.AsSpan(128, 16));
            tanhNet.ZeroGradients();
            AssertSameBits([loss], [tanhNet.Backward(x, d1)], $"tanh loss, round {round}");
            AssertSameBits(g, tanhNet.Gradients.ToArray(), $"tanh gradients, round {round}");

            // FusedReLUNet: 8 -> 16 relu -> 3, with the ReLU backward from a1 as the two-step layer has it.
            p = reluNet.Parameters.ToArray();
            g = new float[p.Length];
            var y3 = new float[3];
            Generated.NetGen_Tests_FusedReLUNet.Affine1(p.AsSpan(0, 128), p.AsSpan(128, 16), x, a1);
            Activations.ReLU<float>(a1, h1);
            Generated.NetGen_Tests_FusedReLUNet.Affine2(p.AsSpan(144, 48), p.AsSpan(192, 3), h1, y3);
            loss = Losses.HalfSquaredError<float>(y3, d3);
            var dy3 = new float[3];
            Losses.OutputError<float>(y3, d3, dy3);
            Generated.NetGen_Tests_FusedReLUNet.AffineBackward2(p.AsSpan(144, 48), h1, dy3, g.AsSpan(144, 48), g.AsSpan(192, 3), dh1);
            Activations.ReLUBackward<float>(a1, dh1, da1);
            Generated.NetGen_Tests_FusedReLUNet.AffineBackward1(p.AsSpan(0, 128), x, da1, g.AsSpan(0, 128), g.AsSpan(128, 16));
            reluNet.ZeroGradients();
            AssertSameBits([loss], [reluNet.Backward(x, d3)], $"relu loss, round {round}");
            AssertSameBits(g, reluNet.Gradients.ToArray(), $"relu gradients, round {round}");

            // SgdStep's update equals a plain SGD step on those gradients, as its contract says.
            float[] expected = (float[])p.Clone();
            new NetGen.Training.Sgd<float>(0.01).Step(expected, g, batchSize: 1);

            AssertSameBits([loss], [reluNet.SgdStep(x, d3, 0.01f)], $"relu SgdStep loss, round {round}");
            AssertSameBits(expected, reluNet.Parameters.ToArray(), $"relu SgdStep parameters, round {round}");
        }
    }

    /// <summary>A network's parameters and gradients start on a 64-byte boundary, and stay there through a compacting
    /// collection; a double network's too.</summary>
    [Fact]
    public void ParametersAndGradients_StartOnA64ByteBoundary_ThroughCollections()
    {
        var nets = new INeuralNetwork<float>[] { new FusedTanhNet(), new FusedWideNet(), new FusedReLUNet() };
        var doubles = new INeuralNetwork<double>[] { new LinearRegression(), new LogisticRegression() };
        for (int round = 0; round < 3; round++)
        {
            foreach (INeuralNetwork<double> net in doubles)
            {
                AssertAligned(net);
            }

            foreach (INeuralNetwork<float> net in nets)
            {
                AssertAligned(net);
            }

            _ = new byte[100_000];
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        var block = new AlignedBlock<double>(5);
        Assert.Equal(0, Address(ref MemoryMarshal.GetReference(block.Span)) % 64);
        Assert.Equal(new double[5], block.Span.ToArray());
        Assert.Equal(0, new AlignedBlock<float>(0).Span.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedBlock<float>(-1));
    }

    [Fact]
    public void AlignedScratch_StartsOnA64ByteBoundary_InsideTheBuffer()
    {
        Span<float> floats = stackalloc float[100 + 15 + 16];
        for (int shift = 0; shift < 16; shift++)
        {
            Span<float> buffer = floats.Slice(shift, 100 + 15);
            Span<float> aligned = Scratch<float>.Aligned(buffer);
            Assert.Equal(100, aligned.Length);
            Assert.Equal(0, Address(ref MemoryMarshal.GetReference(aligned)) % 64);
            nint skipped = Address(ref MemoryMarshal.GetReference(aligned)) - Address(ref MemoryMarshal.GetReference(buffer));
            Assert.InRange(skipped, 0, 60);
        }

        Assert.Throws<ArgumentException>(() => Scratch<float>.Aligned(new float[14]));
        Span<double> doubles = stackalloc double[10 + 7 + 8];
        for (int shift = 0; shift < 8; shift++)
        {
            Span<double> aligned = Scratch<double>.Aligned(doubles.Slice(shift, 10 + 7));
            Assert.Equal(10, aligned.Length);
            Assert.Equal(0, Address(ref MemoryMarshal.GetReference(aligned)) % 64);
        }
    }

    private delegate void Fused(ReadOnlySpan<float> w, ReadOnlySpan<float> b, ReadOnlySpan<float> x, Span<float> a, Span<float> h);

    private delegate void Affine(ReadOnlySpan<float> w, ReadOnlySpan<float> b, ReadOnlySpan<float> x, Span<float> a);

    private delegate void Activation(ReadOnlySpan<float> a, Span<float> h);

    private static void CheckLayer(int n, int m, Random random, bool special, Fused fused, Affine affine, Activation activation)
    {
        float[] w = Values(n * m, random, special, scale: 1.5 / Math.Sqrt(n));
        float[] b = Values(m, random, special, scale: 0.5);
        float[] x = Values(n, random, special, scale: 2);
        var a = new float[m];
        var expected = new float[m];
        affine(w, b, x, a);
        activation(a, expected);
        var actual = new float[m];
        fused(w, b, x, new float[m], actual);
        AssertSameBits(expected, actual, $"{n} -> {m}");
    }

    private static float[] Values(int length, Random random, bool special, double scale)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = special && random.Next(8) == 0 ? Specials[random.Next(Specials.Length)] : (float)(((random.NextDouble() * 2) - 1) * scale);
        }

        return values;
    }

    /// <summary>FusedWideNet's forward pass from its kernels and the runtime's activations, one step at a time.</summary>
    private static void Compose(float[] p, float[] x, Span<float> y)
    {
        int offset = 0;
        float[] h = x;
        (int Units, string Activation, bool Bias)[] layers = [(128, "relu", true), (48, "tanh", false), (24, "relu", true), (32, "leaky", true), (32, "relu", true), (5, "softmax", true)];
        for (int k = 0; k < layers.Length; k++)
        {
            (int m, string g, bool hasBias) = layers[k];
            int n = h.Length;
            ReadOnlySpan<float> w = p.AsSpan(offset, n * m);
            ReadOnlySpan<float> b = hasBias ? p.AsSpan(offset + (n * m), m) : default;
            offset += (n * m) + (hasBias ? m : 0);
            var a = new float[m];
            switch (k)
            {
                case 0: Generated.NetGen_Tests_FusedWideNet.Affine1(w, b, h, a); break;
                case 1: Generated.NetGen_Tests_FusedWideNet.Affine2(w, h, a); break;
                case 2: Generated.NetGen_Tests_FusedWideNet.Affine3(w, b, h, a); break;
                case 3: Generated.NetGen_Tests_FusedWideNet.Affine4(w, b, h, a); break;
                case 4: Generated.NetGen_Tests_FusedWideNet.Affine5(w, b, h, a); break;
                default: Generated.NetGen_Tests_FusedWideNet.Affine6(w, b, h, a); break;
            }

            var next = new float[m];
            switch (g)
            {
                case "relu": Activations.ReLU<float>(a, next); break;
                case "tanh": Activations.Tanh<float>(a, next); break;
                case "leaky": Activations.LeakyReLU<float>(a, 0.01f, next); break;
                default: Activations.Softmax<float>(a, next); break;
            }

            h = next;
        }

        Assert.Equal(p.Length, offset);
        h.CopyTo(y);
    }

    private static nint Address<T>(ref T value) => Unsafe.ByteOffset(ref Unsafe.NullRef<T>(), ref value);

    private static void AssertAligned<T>(INeuralNetwork<T> net) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Assert.Equal(0, Address(ref MemoryMarshal.GetReference(net.Parameters)) % 64);
        Assert.Equal(0, Address(ref MemoryMarshal.GetReference(net.Gradients)) % 64);
        Assert.Equal(net.ParameterCount, net.Parameters.Length);
        Assert.Equal(net.ParameterCount, net.Gradients.Length);
    }

    private static void AssertSameBits(ReadOnlySpan<float> expected, Vector512<float> actual, string what)
    {
        var values = new float[16];
        actual.CopyTo(values);
        AssertSameBits(expected, values, what);
    }

    private static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{what}, value {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
