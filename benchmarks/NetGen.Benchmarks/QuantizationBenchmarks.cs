using System;
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
}
