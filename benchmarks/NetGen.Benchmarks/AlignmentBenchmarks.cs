using System;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace NetGen.Benchmarks;

/// <summary>
/// L's first layer (784 -> 128, 401 KB of weights, streamed from L2 on every call) with its weights starting on a
/// 64-byte boundary (offset 0, where <c>AlignedBlock</c> puts a network's parameters) or 16, 32, 48 bytes past one (where
/// a plain <c>float[]</c> may put them). Two kernels: the fused forward <c>Affine1ReLU</c>, which only loads the
/// weights, and <c>AffineSgd1</c>, which reads and writes them (<c>SgdStep</c>'s update). Each offset runs in its own
/// process, so each case also gets its own placement in physical memory. Compare each kernel's rows across offsets.
/// </summary>
/// <remarks>Why it exists: session 18 found L's <c>Forward</c> about 4% slower with aligned parameters, and L's
/// <c>SgdStep</c> 13% faster, in a stopwatch harness. This makes the trade a benchmark (docs/performance.md, session
/// 19).</remarks>
public class AlignmentBenchmarks
{
    private const int InputCount = 784, OutputCount = 128;
    private readonly float[] _block = GC.AllocateArray<float>((InputCount * OutputCount) + 64, pinned: true);
    private readonly float[] _bias = Inputs.Random(OutputCount);
    private readonly float[] _x = Inputs.Random(InputCount);
    private readonly float[] _a = new float[OutputCount], _h = new float[OutputCount];
    private readonly float[] _da = Inputs.Random(OutputCount);
    private int _start;

    /// <summary>Bytes past a 64-byte boundary at which the weights start.</summary>
    [Params(0, 16, 32, 48)]
    public int OffsetBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // The array is on the pinned heap: its address never changes.
        nint first = Marshal.UnsafeAddrOfPinnedArrayElement(_block, 0);
        _start = ((int)((64 - (first & 63)) & 63) + OffsetBytes) / sizeof(float);
        nint weights = Marshal.UnsafeAddrOfPinnedArrayElement(_block, _start);
        if ((weights & 63) != OffsetBytes)
        {
            throw new InvalidOperationException($"The weights start at {weights & 63} mod 64, not {OffsetBytes}.");
        }

        float[] values = Inputs.Random(InputCount * OutputCount);
        for (int i = 0; i < values.Length; i++)
        {
            _block[_start + i] = values[i] - 0.5f;
        }
    }

    [Benchmark]
    public void ForwardKernel() =>
        NetGen.Generated.NetGen_Benchmarks_LargeNet.Affine1ReLU(_block.AsSpan(_start, InputCount * OutputCount), _bias, _x, _a, _h);

    [Benchmark]
    public void SgdKernel() =>
        NetGen.Generated.NetGen_Benchmarks_LargeNet.AffineSgd1(_block.AsSpan(_start, InputCount * OutputCount), _bias, _x, _da, 1e-9f);
}
