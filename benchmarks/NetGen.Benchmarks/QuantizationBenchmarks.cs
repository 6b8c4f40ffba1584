using System;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NetGen.Quantization;

namespace NetGen.Benchmarks;

/// <summary>Issue 16: single-sample forward in int8 (QuantizedNetwork, on the best path and on AVX2) beside the float
/// forward of the same network, for M (64-64-64-10), L (784-128-10), the two keyword-spotting heads and LeNet-5. Each network is
/// quantised from its initial parameters with ranges from 256 random inputs in [0, 1) (the speed does not depend on the
/// values).</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class QuantizationBenchmarks
{
    private readonly MediumNet _medium = new();
    private readonly LargeNet _large = new();
    private readonly KeywordHeadNet _head = new();
    private readonly KeywordClassesNet _classes = new();
    private readonly LeNet5 _lenet = new();
    private readonly float[] _x64 = Inputs.Random(64), _x784 = Inputs.Random(784), _x1536 = Inputs.Random(1536), _x3264 = Inputs.Random(3264), _image = Inputs.Random(784);
    private readonly float[] _y1 = new float[1], _y7 = new float[7], _y10 = new float[10];
    private QuantizedNetwork _mediumInt8 = null!, _largeInt8 = null!, _headInt8 = null!, _classesInt8 = null!;
    private QuantizedNetwork _lenetInt8 = null!;
    private QuantizedNetwork _largeAvx2 = null!, _headAvx2 = null!, _largeVnni = null!, _headVnni = null!;
    private sbyte[] _w1 = null!;
    private readonly byte[] _q1 = new byte[832];
    private readonly int[] _sums = new int[128];
    private readonly sbyte[] _l1 = new sbyte[16 * 64];

    [GlobalSetup]
    public void Setup()
    {
        _mediumInt8 = Quantize(_medium);
        _largeInt8 = Quantize(_large);
        _headInt8 = Quantize(_head);
        _classesInt8 = Quantize(_classes);
        _lenetInt8 = Quantize(_lenet);
        _largeAvx2 = Quantize(_large);
        _largeAvx2.Path = Int8Path.Avx2;
        _headAvx2 = Quantize(_head);
        _headAvx2.Path = Int8Path.Avx2;
        _largeVnni = Quantize(_large);
        _largeVnni.Path = QuantizedNetwork.Supports(Int8Path.AvxVnni) ? Int8Path.AvxVnni : Int8Path.Avx2;
        _headVnni = Quantize(_head);
        _headVnni.Path = _largeVnni.Path;
        _w1 = _largeInt8.Layers[0].Weights.ToArray();
        new Random(5).NextBytes(_q1);
        new Random(6).NextBytes((byte[])(Array)_l1);
        for (int i = 0; i < _q1.Length; i++)
        {
            _q1[i] &= 127;
        }
        Console.WriteLine($"// int8 path {_largeInt8.Path}; L reads {_largeInt8.Bytes:N0} bytes in int8, {LargeNet.ParameterCount * 4:N0} in float; "
            + $"baked: {LargeBakedInt8.Int8Bytes:N0} bytes of int8 data against {LargeBaked.Parameters.Length * 4:N0} of float parameters ({100.0 * LargeBakedInt8.Int8Bytes / (LargeBaked.Parameters.Length * 4):F1}%)");
    }

    private static QuantizedNetwork Quantize(INeuralNetwork<float> net)
    {
        var random = new Random(16);
        var calibration = new float[256 * net.InputSize];
        for (int i = 0; i < calibration.Length; i++)
        {
            calibration[i] = (float)random.NextDouble();
        }

        return QuantizedNetwork.From(net, calibration);
    }

    [Benchmark(Description = "M float", Baseline = true)] [BenchmarkCategory("M")] public void MediumFloat() => _medium.Forward(_x64, _y10);
    [Benchmark(Description = "M int8")] [BenchmarkCategory("M")] public void MediumInt8() => _mediumInt8.Forward(_x64, _y10);
    [Benchmark(Description = "L float", Baseline = true)] [BenchmarkCategory("L")] public void LargeFloat() => _large.Forward(_x784, _y10);
    [Benchmark(Description = "L int8")] [BenchmarkCategory("L")] public void LargeInt8() => _largeInt8.Forward(_x784, _y10);
    [Benchmark(Description = "L float, baked")] [BenchmarkCategory("L")] public void LargeBakedFloat() => LargeBaked.Forward(_x784, _y10);
    [Benchmark(Description = "L int8, baked")] [BenchmarkCategory("L")] public void LargeBakedInt8Forward() => LargeBakedInt8.Forward(_x784, _y10);
    [Benchmark(Description = "L int8, AVX-VNNI path")] [BenchmarkCategory("L")] public void LargeInt8Vnni() => _largeVnni.Forward(_x784, _y10);
    [Benchmark(Description = "L int8, AVX2 path")] [BenchmarkCategory("L")] public void LargeInt8Avx2() => _largeAvx2.Forward(_x784, _y10);
    [Benchmark(Description = "1536-128-128-1 float", Baseline = true)] [BenchmarkCategory("KWS head")] public void HeadFloat() => _head.Forward(_x1536, _y1);
    [Benchmark(Description = "1536-128-128-1 int8")] [BenchmarkCategory("KWS head")] public void HeadInt8() => _headInt8.Forward(_x1536, _y1);
    [Benchmark(Description = "1536-128-128-1 int8, AVX-VNNI path")] [BenchmarkCategory("KWS head")] public void HeadInt8Vnni() => _headVnni.Forward(_x1536, _y1);
    [Benchmark(Description = "1536-128-128-1 int8, AVX2 path")] [BenchmarkCategory("KWS head")] public void HeadInt8Avx2() => _headAvx2.Forward(_x1536, _y1);
    [Benchmark(Description = "3264-128-128-7 float", Baseline = true)] [BenchmarkCategory("KWS classes")] public void ClassesFloat() => _classes.Forward(_x3264, _y7);
    [Benchmark(Description = "3264-128-128-7 int8")] [BenchmarkCategory("KWS classes")] public void ClassesInt8() => _classesInt8.Forward(_x3264, _y7);
    [Benchmark(Description = "LeNet-5 float", Baseline = true)] [BenchmarkCategory("LeNet-5")] public void LeNetFloat() => _lenet.Forward(_image, _y10);
    [Benchmark(Description = "LeNet-5 int8")] [BenchmarkCategory("LeNet-5")] public void LeNetInt8() => _lenetInt8.Forward(_image, _y10);

    // Where L's int8 time goes, against what the multipliers allow (docs/performance.md, "Why int8 L stops short of 3x").
    [Benchmark(Description = "L int8, first layer's product alone")] [BenchmarkCategory("L")] public void LargeInt8Product() =>
        Int8Inference.Multiply(_w1, 832, _q1, _sums);

    /// <summary>The floor of that product on AVX-512BW: its 1,664 blocks of 64 bytes (128 rows x 13 blocks), each a
    /// <c>vpmaddubsw</c>, a <c>vpmaddwd</c> and an add, with weights loaded from the first-level cache and eight independent
    /// accumulators: what the multipliers allow, whatever the layout.</summary>
    [Benchmark(Description = "floor: 1,664 x (vpmaddubsw + vpmaddwd) zmm, L1")] [BenchmarkCategory("L")]
    public int MultiplierFloorAvx512()
    {
        if (!Avx512BW.IsSupported)
        {
            return 0;
        }

        ref sbyte w = ref _l1[0];
        Vector512<byte> x = Vector512.Create(_q1[0]);
        Vector512<short> ones = Vector512.Create((short)1);
        Vector512<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int i = 0; i < 208; i++) // 208 x 8 = 1,664
        {
            nuint b = (nuint)((i & 1) * 512);
            a0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, Vector512.LoadUnsafe(ref w, b)), ones);
            a1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, Vector512.LoadUnsafe(ref w, b + 64)), ones);
            a2 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, Vector512.LoadUnsafe(ref w, b + 128)), ones);
            a3 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, Vector512.LoadUnsafe(ref w, b + 192)), ones);
            a4 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, Vector512.LoadUnsafe(ref w, b + 256)), ones);
            a5 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, Vector512.LoadUnsafe(ref w, b + 320)), ones);
            a6 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, Vector512.LoadUnsafe(ref w, b + 384)), ones);
            a7 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, Vector512.LoadUnsafe(ref w, b + 448)), ones);
            x += Vector512<byte>.One; // not loop-invariant: the products cannot be hoisted
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
    }

    /// <summary>The same floor with AVX-VNNI: 3,328 <c>vpdpbusd</c> of 256 bits (the same bytes), weights from L1.</summary>
    [Benchmark(Description = "floor: 3,328 x vpdpbusd ymm, L1")] [BenchmarkCategory("L")]
    public int MultiplierFloorVnni()
    {
        if (!AvxVnni.IsSupported)
        {
            return 0;
        }

        ref sbyte w = ref _l1[0];
        Vector256<byte> x = Vector256.Create(_q1[0]);
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int i = 0; i < 416; i++) // 416 x 8 = 3,328
        {
            nuint b = (nuint)((i & 3) * 256);
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, x, Vector256.LoadUnsafe(ref w, b));
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, x, Vector256.LoadUnsafe(ref w, b + 32));
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, x, Vector256.LoadUnsafe(ref w, b + 64));
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, x, Vector256.LoadUnsafe(ref w, b + 96));
            a4 = AvxVnni.MultiplyWideningAndAdd(a4, x, Vector256.LoadUnsafe(ref w, b + 128));
            a5 = AvxVnni.MultiplyWideningAndAdd(a5, x, Vector256.LoadUnsafe(ref w, b + 160));
            a6 = AvxVnni.MultiplyWideningAndAdd(a6, x, Vector256.LoadUnsafe(ref w, b + 192));
            a7 = AvxVnni.MultiplyWideningAndAdd(a7, x, Vector256.LoadUnsafe(ref w, b + 224));
            x += Vector256<byte>.One;
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
    }
}
